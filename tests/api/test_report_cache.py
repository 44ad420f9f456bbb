"""The book-wide reports' cache (api/report_cache.py, Callintel._report): a kept answer equals a fresh one, an
ingest (an interaction, usage events, an account change) makes the next answer a fresh one, and
CALLINTEL_REPORT_CACHE=0 computes every time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.moments import minute_of
from api.service import Callintel
from models.accounts import Account
from models.records import Interaction, UsageEvent
from models.rfm_repo import SegmentFilter
from models.settings import Settings
from tests.portfolio.book import AS_OF, build_book


@pytest.fixture
def book(store):
    build_book(store)
    return store


def _facade(store, size: int = 32) -> Callintel:
    return Callintel(Settings(database_url=store.url, report_cache=size), store)


def _reports(callintel: Callintel) -> dict[str, object]:
    return {
        "portfolio": callintel.portfolio(AS_OF),
        "segments": callintel.segments(AS_OF, SegmentFilter(), 50, 0),
        "value_segments": callintel.value_segments(AS_OF),
        "contacts": callintel.contacts(AS_OF),
        "summary": callintel.contact_summary(AS_OF),
        "dana": callintel.rep_contacts("dana", AS_OF),
    }


@pytest.mark.both_backends
def test_a_kept_report_is_the_computed_one(book, backend):
    cached, fresh = _facade(book), _facade(book, size=0)
    first = _reports(cached)
    assert _reports(cached) == first == _reports(fresh)
    assert cached.portfolio(AS_OF) is first["portfolio"]  # kept, not computed again
    assert cached.segments(AS_OF, SegmentFilter(band="red"), 50, 0) != first["segments"]


@pytest.mark.both_backends
def test_an_ingest_makes_the_next_report_a_fresh_one(book, backend):
    callintel = _facade(book)
    before = _reports(callintel)
    text = b"a new call with c04"
    book.save_interaction(
        Interaction.from_content(
            text, customer_id="c04", kind="call", source="c04-new.json",
            occurred_at=AS_OF - timedelta(days=2), rep="dana",
        )
    )  # fmt: skip
    contacts = callintel.contacts(AS_OF)
    assert contacts != before["contacts"] and contacts == _facade(book, size=0).contacts(AS_OF)
    assert callintel.rep_contacts("dana", AS_OF) != before["dana"]
    stored = callintel.portfolio(AS_OF)
    assert stored is not before["portfolio"] and stored == _facade(book, size=0).portfolio(AS_OF)
    callintel.save_usage(
        [UsageEvent(customer_id="c04", kind="login", occurred_at=AS_OF - timedelta(days=1))]
    )
    assert callintel.portfolio(AS_OF) is not stored
    assert callintel.segments(AS_OF, SegmentFilter(), 50, 0).items[0].customer_id != "c05"
    callintel.update_account(Account(customer_id="c05", arr=10_000_000))
    after = callintel.segments(AS_OF, SegmentFilter(), 50, 0)
    assert after.items[0].customer_id == "c05" and after != before["segments"]


@pytest.mark.both_backends
def test_no_cache_computes_every_time(book, backend):
    callintel = _facade(book, size=0)
    assert callintel.portfolio(AS_OF) is not callintel.portfolio(AS_OF)
    assert callintel.portfolio(AS_OF) == callintel.portfolio(AS_OF)


def test_now_is_the_minute_for_the_reports_only(store, monkeypatch):
    callintel = _facade(store)
    before = minute_of()
    moment = callintel.report_moment()
    assert moment.second == moment.microsecond == 0 and before <= moment <= minute_of()
    assert callintel.report_moment("2026-10-31") == callintel.as_of("2026-10-31") == AS_OF
    pinned = datetime(2026, 10, 30, 12, 30, 15, tzinfo=UTC)
    configured = Callintel(Settings(database_url=store.url, risk_as_of=pinned), store)
    assert configured.report_moment() == pinned  # CALLINTEL_RISK_AS_OF is exact
