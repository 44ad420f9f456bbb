"""The book-wide reports' cache (api/report_cache.py, Callintel._report): a kept answer equals a fresh one, an
ingest (an interaction, usage events, an account change) makes the next answer a fresh one, and
CALLINTEL_REPORT_CACHE=0 computes every time; concurrent misses compute once (single flight) and share the
answer or the exception."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from api.moments import minute_of
from api.report_cache import CURRENT, ReportCache
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


def _together(n: int, ask: Callable[[], object]) -> list[object]:
    """``ask()`` from ``n`` threads started together; each one's answer or exception."""
    results: list[object] = [None] * n

    def one(i: int) -> None:
        try:
            results[i] = ask()
        except Exception as exc:  # noqa: BLE001 - the test compares what each thread got
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class _Blocking:
    """A computation that counts its runs and holds until ``n`` callers have asked (or it is released)."""

    def __init__(self, n: int, error: Exception | None = None) -> None:
        self.n, self.error, self.runs, self.asked = n, error, 0, 0
        self.lock, self.all_asked = threading.Lock(), threading.Event()

    def ask(self, cache: ReportCache) -> object:
        with self.lock:
            self.asked += 1
            if self.asked == self.n:
                self.all_asked.set()
        return cache.answer("slot", 1, self.compute)[0]

    def compute(self) -> object:
        with self.lock:
            self.runs += 1
        self.all_asked.wait(30)  # every caller has asked: the others wait for this computation
        if self.error is not None:
            raise self.error
        return object()


def test_concurrent_misses_compute_once_and_share_the_answer():
    cache, blocking = ReportCache(8), _Blocking(8)
    answers = _together(8, lambda: blocking.ask(cache))
    assert blocking.runs == 1 == cache.computations
    assert all(answer is answers[0] for answer in answers) and len(cache) == 1


def test_an_exception_reaches_every_waiter_and_is_not_kept():
    cache, blocking = ReportCache(8), _Blocking(6, ValueError("broken"))
    answers = _together(6, lambda: blocking.ask(cache))
    assert blocking.runs == 1
    assert all(isinstance(a, ValueError) and str(a) == "broken" for a in answers)
    assert len(cache) == 0
    assert cache.answer("slot", 1, lambda: "fixed") == ("fixed", CURRENT)  # computed again
