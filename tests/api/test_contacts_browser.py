"""The Contacts page and a rep's drill-down in Debian's headless Chromium against a real `callintel serve`, over
the constructed book of tests/portfolio/contacts_seed.py (screenshots in test-artifacts/dashboard/)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.api.test_dashboard_browser import chromium, page, shot, sign_in  # noqa: F401 (fixtures)
from tests.helpers import serving_seeded
from tests.portfolio.contacts_seed import seed_contacts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def contacts_site(tmp_path_factory) -> Iterator[tuple[str, str]]:
    with serving_seeded(
        tmp_path_factory.mktemp("contacts"), seed_contacts, "2026-10-31T00:00:00Z"
    ) as site:
        yield site


def test_the_charts_link_to_their_rows_and_a_rep_drills_down(page, contacts_site):  # noqa: F811
    base, secret = contacts_site
    sign_in(page, base, secret, "/dashboard/contacts")
    assert page.locator("#segment-chart rect.bar").count() == 2  # ent, smb
    assert page.locator("#rep-chart rect.bar").count() == 2  # alice, bob
    shot(page, "contacts")
    page.locator("#segment-chart a.bar-link").nth(1).click()  # smb's bar
    page.wait_for_url(re.compile(r".*/dashboard/contacts\?segment=smb#customers$"))
    shown = page.locator("tr.contact-customer").evaluate_all("rows => rows.map(r => r.id)")
    assert shown == ["c-cyan", "c-acme", "c-beta"]
    assert page.locator("#c-acme .contact-status").inner_text() == "over"
    page.locator("#rep-chart a.bar-link").first.click()  # alice, the most contacts
    page.wait_for_url(re.compile(r".*/dashboard/contacts/reps/alice$"))
    assert page.locator("tr.contact-row").count() == 6
    assert page.locator("#c-cyan .contact-status").inner_text() == "neglected"
    shot(page, "contacts-rep")
    page.locator("a[href='/dashboard/customers/acme']").first.click()
    page.wait_for_url(re.compile(r".*/dashboard/customers/acme$"))
