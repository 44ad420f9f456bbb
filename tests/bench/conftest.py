"""``portfolio``: one synthetic portfolio (bench/make_portfolio.py) shared by the bench tests that read it."""

from __future__ import annotations

import pytest

from bench.make_portfolio import Portfolio, build

PORTFOLIO_CUSTOMERS = (
    150  # enough for every mechanism, the steady customers' noise and a fifth churning
)


@pytest.fixture(scope="package")
def portfolio() -> Portfolio:
    return build(PORTFOLIO_CUSTOMERS, seed=7)
