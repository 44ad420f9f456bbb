"""Stale-while-revalidate of the book-wide reports (api/report_cache.py, api/freshness.py) and their start-up
warming (api/report_warmup.py): after a write (or the next minute, asked for now) a web request gets the kept
answer at once, marked stale, while one background computation makes it current; beyond
CALLINTEL_REPORT_STALE_SECONDS, with it 0, with ``Cache-Control: no-cache`` and outside a web request the
answer is current at once. After warming, the default requests are answered without a computation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api import report_cache
from api.app import create_app
from api.deps import COOKIE
from api.freshness import open_request
from api.report_cache import CURRENT
from api.service import Callintel
from models.accounts import Account
from models.rfm_repo import SegmentFilter
from models.settings import Settings
from tests.portfolio.book import AS_OF, build_book

BOUND = 300.0


@pytest.fixture
def book(store):
    build_book(store)
    return store


def _facade(store, stale: float = BOUND, size: int = 32, **more) -> Callintel:
    settings = Settings(
        database_url=store.url, report_cache=size, report_stale_seconds=stale, **more
    )
    return Callintel(settings, store)


def _segments(callintel: Callintel):
    return callintel.segments(AS_OF, SegmentFilter(), 50, 0)


def _fresh(store):
    return _segments(_facade(store, size=0))


def _richer_c05(callintel: Callintel) -> None:
    """A write that changes the segment list: c05 becomes the most valuable customer."""
    callintel.update_account(Account(customer_id="c05", arr=10_000_000))


@pytest.mark.both_backends
def test_after_a_write_the_kept_answer_then_the_current_one(book, backend):
    callintel = _facade(book)
    with open_request(accept_stale=True) as request:
        before = _segments(callintel)
    assert request.served == [CURRENT] and before.items[0].customer_id != "c05"
    _richer_c05(callintel)
    with open_request(accept_stale=True) as request:
        stale = _segments(callintel)
    assert stale is before and [s.stale for s in request.served] == [True]
    assert callintel.report_cache.settle(60)  # the one background computation
    with open_request(accept_stale=True) as request:
        current = _segments(callintel)
    assert [s.stale for s in request.served] == [False]
    assert current == _fresh(book) and current.items[0].customer_id == "c05"
    assert callintel.report_cache.computations == 2


@pytest.mark.both_backends
@pytest.mark.parametrize("case", ["beyond the bound", "setting 0", "no-cache", "no request"])
def test_otherwise_the_answer_after_a_write_is_current_at_once(book, backend, case, monkeypatch):
    callintel = _facade(book, stale=0 if case == "setting 0" else BOUND)
    before = _segments(callintel)
    _richer_c05(callintel)
    if case == "beyond the bound":
        now = report_cache.wall_clock() + BOUND + 1
        monkeypatch.setattr(report_cache, "wall_clock", lambda: now)
    if case == "no request":
        answer = _segments(callintel)
    else:
        with open_request(accept_stale=case != "no-cache") as request:
            answer = _segments(callintel)
        assert request.served == [CURRENT]
    assert answer != before and answer == _fresh(book)


@pytest.mark.both_backends
def test_now_asked_in_the_next_minute_is_the_last_minute_s_until_recomputed(
    book, backend, monkeypatch
):
    callintel = _facade(book)
    minutes = iter(AS_OF.replace(hour=12, minute=m, second=0) for m in range(3))
    minute = next(minutes)
    monkeypatch.setattr("api.service.minute_of", lambda: minute)

    def asked(accept_stale: bool = True):
        with open_request(accept_stale) as request:
            return callintel.portfolio(callintel.report_moment()), request.served[0]

    first, served = asked()
    assert first.as_of == minute and not served.stale
    minute = next(minutes)
    again, served = asked()
    assert again is first and served.stale
    assert callintel.report_cache.settle(60)
    current, served = asked()
    assert current.as_of == minute and not served.stale
    minute = next(minutes)
    waited, served = asked(accept_stale=False)  # Cache-Control: no-cache
    assert waited.as_of == minute and served == CURRENT


@pytest.fixture
def api(book, tmp_path):
    settings = Settings(database_url=book.url, upload_dir=tmp_path / "uploads", risk_as_of=AS_OF)
    callintel = Callintel(settings, book)
    token, secret = callintel.create_token("manager", "manager")
    session = callintel.start_session(token)  # before warming: signing in is a write
    with TestClient(create_app(settings, book, warm=True)) as client:
        assert client.app.state.warmup.done.wait(120)  # type: ignore[attr-defined]
        client.headers["Authorization"] = f"Bearer {secret}"
        client.cookies.set(COOKIE, session)
        yield client


@pytest.mark.both_backends
def test_the_response_says_how_fresh_it_is(api, backend):
    first = api.get("/api/segments")
    assert first.status_code == 200 and first.headers["X-Report-Freshness"] == "current"
    assert int(first.headers["Age"]) <= BOUND
    assert "Age" not in api.get("/api/health").headers  # no report, no freshness
    callintel: Callintel = api.app.state.callintel
    _richer_c05(callintel)
    stale = api.get("/api/segments")
    assert stale.headers["X-Report-Freshness"] == "stale" and stale.json() == first.json()
    assert callintel.report_cache.settle(60)
    current = api.get("/api/segments")
    assert current.headers["X-Report-Freshness"] == "current"
    assert current.json() != first.json() and current.json()["items"][0]["customer_id"] == "c05"
    callintel.update_account(Account(customer_id="c05", arr=1))
    waited = api.get("/api/segments", headers={"Cache-Control": "no-cache"})
    assert (waited.headers["X-Report-Freshness"], waited.headers["Age"]) == ("current", "0")
    assert waited.json()["items"][0]["customer_id"] != "c05"


DEFAULT_REQUESTS = [
    "/api/portfolio",
    "/api/segments",
    "/api/contacts",
    "/api/reps",
    "/dashboard/portfolio",
    "/dashboard/segments",
    "/dashboard/contacts",
]


@pytest.mark.both_backends
def test_after_warming_the_default_requests_compute_nothing(api, backend):
    warmup = api.app.state.warmup
    health = api.get("/api/health").json()
    assert health["reports"] == {"warm": True, "failed": 0, "process": warmup.process}
    cache = api.app.state.callintel.report_cache
    computed = cache.computations
    assert (
        computed >= 6
    )  # the default variants (two of them may be one: /api/ and /dashboard/segments)
    for path in DEFAULT_REQUESTS:
        response = api.get(path)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["X-Report-Freshness"] == "current", path
    assert cache.computations == computed


def test_without_warming_health_says_nothing_of_reports(book, tmp_path):
    settings = Settings(database_url=book.url, upload_dir=tmp_path / "uploads")
    with TestClient(create_app(settings, book)) as client:
        assert client.get("/api/health").json() == {"status": "ok"}
        assert client.app.state.warmup is None  # type: ignore[attr-defined]


def test_a_pinned_moment_is_never_now(book, monkeypatch):
    pinned = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
    monkeypatch.setattr("api.service.minute_of", lambda: pinned)
    callintel = _facade(book, risk_as_of=pinned)
    first = callintel.portfolio(callintel.report_moment())
    monkeypatch.setattr("api.service.minute_of", lambda: pinned + timedelta(minutes=1))
    assert callintel.portfolio(callintel.report_moment()) is first  # same moment, same version
