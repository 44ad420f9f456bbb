"""``portfolio``: one synthetic portfolio (bench/make_portfolio.py) shared by the bench tests that read it.

Every test here is ``slow``: they check the benchmark programs (bench/), not callintel itself, most by running one
end to end at a small scale (about 16 s of CPU in all); ``make test`` and CI run them, ``make test-fast`` does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.make_portfolio import Portfolio, build

PORTFOLIO_CUSTOMERS = (
    150  # enough for every mechanism, the steady customers' noise and a fifth churning
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark this package's tests ``slow`` (the hook sees the whole session's items: only those under tests/bench)."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="package")
def portfolio() -> Portfolio:
    return build(PORTFOLIO_CUSTOMERS, seed=7)
