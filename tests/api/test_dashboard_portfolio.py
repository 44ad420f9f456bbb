"""The Portfolio and Segments pages over the hand-computed book (tests/portfolio/book.py): the charts are
server-rendered SVG and every bar links to the rows behind it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Callintel
from models.settings import Settings
from models.store import Store
from tests.api.test_dashboard import SAME_ORIGIN
from tests.portfolio.book import build_book


class _Client(TestClient):
    """A test client that carries the tokens' secrets made for it, by role."""

    secrets: dict[str, str]


@pytest.fixture
def manager(tmp_path, migrated_copy):
    url = migrated_copy(f"sqlite:///{tmp_path / 'book.db'}")
    with Store(url) as store:
        build_book(store)
    settings = Settings(
        database_url=url,
        upload_dir=tmp_path / "uploads",
        risk_as_of=datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC),
    )
    callintel = Callintel(settings)
    secrets = {role: callintel.create_token(role, role, "dana")[1] for role in ("manager", "rep")}
    with callintel, _Client(create_app(settings, callintel.store)) as client:
        client.secrets = secrets
        yield client


def _sign_in(client: _Client, role: str = "manager") -> None:
    signed = client.post(
        "/dashboard/login",
        data={"token": client.secrets[role], "next": "/dashboard/portfolio"},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def _links(html: str, chart: str) -> list[str]:
    svg = html[html.index(f'id="{chart}"') :]
    svg = svg[: svg.index("</svg>")]
    return [
        link.replace("&amp;", "&")
        for link in re.findall(r'<a class="bar-link" href="([^"]+)"', svg)
    ]


def test_the_portfolio_page_draws_three_linked_charts(manager):
    _sign_in(manager)
    html = manager.get("/dashboard/portfolio").text
    assert "10 active customers" in html
    trend = _links(html, "churn-trend")
    assert len(trend) == 12 and trend[-1] == "/dashboard/portfolio?month=2026-10#churned"
    assert "2026-10: 2 of 12 churned (16.7%)" in html
    book = _links(html, "book-chart")
    assert "/dashboard/segments?segment=champions&band=green" in book
    assert "/dashboard/segments?segment=champions" in book  # the customers without a band yet
    reasons = _links(html, "reasons-chart")
    assert reasons[0] == "/dashboard/portfolio?reason=price_objection#reason"
    # contact frequency by segment and by rep, as the Contacts page draws it, each bar linking to its rows
    by_segment, by_rep = _links(html, "contacts-by-segment"), _links(html, "contacts-by-rep")
    assert by_segment and all(
        link.startswith("/dashboard/contacts?segment=") for link in by_segment
    )
    assert by_rep and all(link.startswith("/dashboard/contacts/reps/") for link in by_rep)
    contacts = manager.get("/dashboard/contacts").text
    assert _links(contacts, "segment-chart") == by_segment


def test_a_month_and_a_reason_show_their_rows(manager):
    _sign_in(manager)
    html = manager.get("/dashboard/portfolio", params={"month": "2026-10"}).text
    assert re.findall(r'<tr class="lost"><td><a href="/dashboard/customers/(\w+)"', html) == [
        "L3",
        "L2",
    ]
    html = manager.get("/dashboard/portfolio", params={"reason": "price_objection"}).text
    assert re.findall(r'href="/dashboard/calls/([\w-]+)"', html) == ["L2-0", "L1-0"]


def test_a_segment_link_lists_those_customers(manager):
    _sign_in(manager)
    html = manager.get("/dashboard/segments", params={"segment": "champions", "band": "green"}).text
    assert re.findall(
        r'<tr class="segment-row"><td><a href="/dashboard/customers/(\w+)"', html
    ) == ["c09"]
    html = manager.get("/dashboard/segments", params={"renewal_within": "60"}).text
    assert re.findall(
        r'<tr class="segment-row"><td><a href="/dashboard/customers/(\w+)"', html
    ) == [
        "c02",
        "c01",
    ]


def test_bad_filters_are_refused_and_reps_kept_out(manager):
    _sign_in(manager)
    assert manager.get("/dashboard/portfolio", params={"month": "2026-13"}).status_code == 422
    unknown = manager.get("/dashboard/segments", params={"segment": "vip"})
    assert unknown.status_code == 400 and "unknown segment" in unknown.text
    _sign_in(manager, "rep")
    assert manager.get("/dashboard/portfolio").status_code == 403


def test_a_behaviour_tag_filter_shows_the_tag_by_its_label(manager):
    _sign_in(manager)
    html = manager.get("/dashboard/segments", params={"tag": "complaint_30d"}).text
    assert re.findall(
        r'<tr class="segment-row"><td><a href="/dashboard/customers/(\w+)"', html
    ) == ["c10"]
    assert '<span class="chip tag-complaint_30d">complaint in last 30 days</span>' in html
