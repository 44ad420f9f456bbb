"""The Portfolio page in Debian's Chromium (Playwright) against a real `callintel serve` over the hand-computed
book (tests/portfolio/book.py): the SVG charts render, no CSP violation, and clicking a bar opens its rows."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.api.test_dashboard_browser import chromium, page, shot, sign_in  # noqa: F401 - fixtures
from tests.helpers import serving_seeded
from tests.portfolio.book import build_book

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def book_site(tmp_path_factory) -> Iterator[tuple[str, str]]:
    with serving_seeded(
        tmp_path_factory.mktemp("book"), build_book, "2026-10-31T23:59:59Z"
    ) as site:
        yield site


def test_the_portfolio_charts_link_to_their_rows(page, book_site):  # noqa: F811
    base, secret = book_site
    sign_in(page, base, secret, "/dashboard/portfolio")
    assert page.locator("#churn-trend rect.bar").count() == 12
    assert (
        page.locator("#book-chart rect.bar").count() == 8
    )  # the (segment, band) pieces of book.py
    assert page.locator("#reasons-chart rect.bar").count() == 4
    box = page.locator("#churn-trend rect.bar").last.bounding_box()
    assert box is not None and box["height"] > 50  # October's 16.7%, drawn to scale
    shot(page, "portfolio")
    page.locator("#reasons-chart a.bar-link").first.click()
    page.wait_for_url(re.compile(r".*/dashboard/portfolio\?reason=price_objection#reason$"))
    assert page.locator("#reason h2").inner_text().startswith("Price objection")
    assert page.locator("#reason a.call-link").count() == 2
    page.locator("#churn-trend a.bar-link").last.click()
    page.wait_for_url(re.compile(r".*month=2026-10#churned$"))
    assert page.locator("#churned tr.lost").count() == 2
    page.locator("#book-chart a.bar-link[href*='champions'][href*='green']").click()
    page.wait_for_url(re.compile(r".*/dashboard/segments\?segment=champions&band=green$"))
    assert page.locator("tr.segment-row").count() == 1
    assert page.locator("select[name=segment] option[selected]").inner_text() == "Champions"
    shot(page, "segments")
