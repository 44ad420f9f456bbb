"""The at-risk list read from the stored health gives exactly what recomputing every customer gives, on a
generated portfolio of 300 customers (both backends), through offsets and keyset cursors alike; customers
never evaluated show as ``unknown``, last; the current-health rows (migration 0013) follow the snapshots and
the accounts, and are backfilled from the snapshots; a page is one range of an index; the API's pages have
clean edges."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient

from api.account_view import contact_lines
from api.app import create_app
from api.service import Callintel
from bench.make_portfolio import END, build
from models.accounts import Account
from models.accounts_repo import AccountBatch
from models.current_health import Cursor, evaluations
from models.health_pages import HealthFilter, at_risk_order, current_keys, current_rows, health_page
from models.records import UsageEvent
from models.settings import Settings
from models.store import Store
from risk.health import replay_moments
from risk.history import CustomerHistory, load_history
from risk.refresh import backfill, backfill_moments
from tests.helpers import known
from tests.models.test_query_plans import plan

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]
CUSTOMERS = 300
SOME = 40  # the edge tests' share of them
USAGE_EVERY = 4  # a quarter of each customer's usage: the same comparison, a quarter of the writing


@pytest.fixture(scope="module")
def histories() -> list[CustomerHistory]:
    return build(CUSTOMERS, seed=19).histories


def _fill(callintel: Callintel, histories: list[CustomerHistory]) -> None:
    """The portfolio's accounts and usage straight into the store (no pipeline: no calls to analyse)."""
    events = [
        UsageEvent(
            customer_id=h.customer_id, kind=u.kind, occurred_at=u.at, properties=u.properties
        )
        for h in histories
        for u in h.usage[::USAGE_EVERY]
    ]
    batch = AccountBatch(
        [h.account for h in histories if h.account is not None],
        [c for h in histories for c in h.contacts],
        [i for h in histories for i in h.invoices],
        [c for h in histories for c in h.commercial],
        [s for h in histories for s in h.surveys],
    )
    callintel.store.save_batch((), events, batch)


def _rows(page) -> list[tuple]:
    return [
        (
            who.customer_id,
            who.name,
            h.as_of,
            h.score,
            h.band,
            h.breakdown,
            h.raw_risk,
            [(s.model_dump(), p) for s, p in zip(h.signals, h.points, strict=True)],
        )
        for who, h in page.items
    ]


def _evaluated(db_url: str, tmp_path: Path, histories: list[CustomerHistory]) -> Callintel:
    callintel = Callintel(Settings(database_url=db_url, upload_dir=tmp_path / "uploads"))
    _fill(callintel, histories)
    callintel.evaluate(END)  # what `callintel alerts --refresh --as-of 2026-10-31T00:00Z` stores
    return callintel


@pytest.fixture
def evaluated(built_store, tmp_path: Path, histories) -> Callintel:
    """A few of the customers, evaluated: enough for the edges (a copy of a store built once a session)."""
    url = built_store(
        "stored-reads", lambda url: _evaluated(url, tmp_path, histories[:SOME]).close()
    )
    return Callintel(Settings(database_url=url, upload_dir=tmp_path / "uploads"))


def test_the_stored_list_is_the_recomputed_list(db_url: str, tmp_path: Path, histories):
    with _evaluated(db_url, tmp_path, histories) as callintel:
        stored = callintel.customers(END)
        recomputed = callintel.customers(END, recompute=True)
        assert (
            stored.total == recomputed.total > CUSTOMERS * 0.7
        )  # the churned are outcomes, left out
        assert _rows(stored) == _rows(recomputed)
        assert (
            len({h.band for _, h in stored.items}) >= 2
        )  # an ordering across bands, not within one
        snapshots = health_page(callintel.store, END, from_snapshots=True)
        assert [h.customer_id for h in snapshots.items] == [w.customer_id for w, _ in stored.items]
        for band in ("red", "yellow", "green"):
            assert _rows(callintel.customers(END, band)) == _rows(
                callintel.customers(END, band, recompute=True)
            )
        pages = [callintel.customers(END, limit=37, offset=o) for o in range(0, stored.total, 37)]
        assert [row for page in pages for row in _rows(page)] == _rows(stored)
        assert _walk(callintel, 37) == _rows(stored)
        # three pages, each recomputing every customer
        assert _walk(callintel, 110, recompute=True) == _rows(stored)
        for who, _ in stored.items[::30]:
            assert _one(callintel, who.customer_id, False) == _one(callintel, who.customer_id, True)
        owner = next(who.account.owner for who, _ in stored.items if who.account)
        assert _rows(callintel.customers(END, owner=owner)) == _rows(
            callintel.customers(END, recompute=True, owner=owner)
        )


def _health(h) -> tuple:
    signals = [(s.model_dump(), p) for s, p in zip(h.signals, h.points, strict=True)]
    return (h.customer_id, h.as_of, h.score, h.band, h.breakdown, h.raw_risk, signals)


def _point(h) -> tuple:
    return (h.customer_id, h.as_of, h.score, h.band, h.breakdown, h.raw_risk, h.churned)


def _one(callintel: Callintel, customer_id: str, recompute: bool) -> tuple:
    """The customer page (``GET /api/customers/{id}``: health and account data with the contacts' last
    logins), the timeline's health, replay, entries and recommendation over windows within the signals'
    horizon and beyond it (200 days), and the dashboard's contacts."""
    page = callintel.customer_account(customer_id, END, recompute)
    account = (page.name, page.account, page.contacts, page.invoices, page.commercial, page.surveys)
    views = [callintel.customer(customer_id, END, days, recompute) for days in (60, 120, 200)]
    timelines = [
        (_health(v.health), [_point(p) for p in v.replay], v.timeline, v.recommendation)
        for v in views
    ]
    if recompute:
        contacts = contact_lines(known(load_history(callintel.store, customer_id)), END)
    else:
        contacts = callintel.contacts_seen(views[0].history, END)
    return _health(page.health), account, timelines, contacts


def _walk(callintel: Callintel, size: int, **wanted) -> list[tuple]:
    """Every row, a page at a time, each page after the last one's cursor."""
    rows: list[tuple] = []
    cursor = None
    while True:
        page = callintel.customers(END, limit=size, cursor=cursor, **wanted)
        rows += _rows(page)
        if page.next_cursor is None:
            return rows
        cursor = Cursor.decode(page.next_cursor)


def test_a_customer_never_evaluated_is_unknown_and_last_until_evaluated(evaluated: Callintel):
    with evaluated as callintel:
        late = UsageEvent(customer_id="zz-late", kind="login", occurred_at=END)
        callintel.save_usage([late])
        stored = callintel.customers(END)
        who, last = stored.items[-1]
        assert (who.customer_id, last.band, last.score, last.signals) == (
            "zz-late",
            "unknown",
            None,
            [],
        )
        assert [h.customer_id for _, h in callintel.customers(END, "unknown").items] == ["zz-late"]
        callintel.evaluate(END, "zz-late")
        assert _rows(callintel.customers(END)) == _rows(callintel.customers(END, recompute=True))


def test_pages_past_the_end_and_bad_pages(evaluated: Callintel, tmp_path: Path):
    with (
        evaluated as callintel,
        TestClient(create_app(callintel.settings, callintel.store)) as client,
    ):
        auth = {"Authorization": f"Bearer {callintel.create_token('manager', 'm')[1]}"}
        everyone = client.get("/api/customers", headers=auth)
        total = int(everyone.headers["X-Total-Count"])
        assert len(everyone.json()) == total
        last = client.get("/api/customers", params={"limit": 50, "offset": total - 3}, headers=auth)
        assert [r["customer_id"] for r in last.json()] == [
            r["customer_id"] for r in everyone.json()[-3:]
        ]
        empty = client.get("/api/customers", params={"offset": total}, headers=auth)
        assert empty.status_code == 200 and empty.json() == []
        assert empty.headers["X-Total-Count"] == str(total)
        for field, value in (("offset", "-1"), ("offset", "x"), ("limit", "0"), ("limit", "1001")):
            bad = client.get("/api/customers", params={field: value}, headers=auth)
            assert bad.status_code == 422 and bad.json()["message"].startswith(f"query.{field}")


def test_cursor_pages_end_cleanly_and_a_bad_cursor_is_a_422(evaluated: Callintel):
    with (
        evaluated as callintel,
        TestClient(create_app(callintel.settings, callintel.store)) as client,
    ):
        auth = {"Authorization": f"Bearer {callintel.create_token('manager', 'm')[1]}"}
        everyone = [r["customer_id"] for r in client.get("/api/customers", headers=auth).json()]
        seen: list[str] = []
        params: dict[str, str | int] = {"limit": 7}
        while True:
            page = client.get("/api/customers", params=params, headers=auth)
            assert page.status_code == 200 and page.headers["X-Total-Count"] == str(len(everyone))
            seen += [r["customer_id"] for r in page.json()]
            if "X-Next-Cursor" not in page.headers:
                break
            params = {"limit": 7, "cursor": page.headers["X-Next-Cursor"]}
        assert seen == everyone and 0 < len(page.json()) < 7  # the last page: short, no cursor
        whole = client.get("/api/customers", params={"limit": len(everyone)}, headers=auth)
        after: dict[str, str | int] = {
            "limit": 5,
            "cursor": whole.headers["X-Next-Cursor"],
        }  # full, so it has one
        empty = client.get("/api/customers", params=after, headers=auth)
        assert empty.status_code == 200 and empty.json() == []
        assert "X-Next-Cursor" not in empty.headers
        forged = Cursor(9, 0.0, 0.0, "zzz").encode()  # well formed, after everyone: an empty page
        assert client.get("/api/customers", params={"cursor": forged}, headers=auth).json() == []
        nul = Cursor(0, 0.0, 0.0, "a\x00").encode()  # PostgreSQL stores no NUL: never a customer id
        for bad in ("x", "bm90IGpzb24", "WzEsMiwzXQ", "WyJhIiwwLDAsImIiXQ", nul, "!" * 2000):
            answer = client.get("/api/customers", params={"cursor": bad}, headers=auth)
            assert answer.status_code == 422, bad
            assert answer.json()["message"].startswith("query.cursor"), answer.json()


def test_the_current_rows_follow_the_accounts_without_a_refresh(evaluated: Callintel):
    with evaluated as callintel:
        rows = callintel.customers(END).items
        who, rated = next((w, h) for w, h in rows if h.band == rows[-1][1].band and w.account)
        callintel.update_account(
            Account(customer_id=who.customer_id, arr=10.0**9, name="Renamed", owner="zed")
        )
        first = next(w for w, h in callintel.customers(END).items if h.band == rated.band)
        assert (first.customer_id, first.name, known(first.account).arr) == (
            who.customer_id,
            "Renamed",
            10.0**9,
        )
        mine = callintel.customers(END, owner="zed")
        assert [w.customer_id for w, _ in mine.items] == [who.customer_id] and mine.total == 1


def test_the_migration_fills_the_current_rows_from_the_snapshots(evaluated: Callintel):
    with evaluated as callintel:
        before = _rows(callintel.customers(END))
        command.downgrade(callintel.store.alembic_config(), "0012")
        callintel.store.migrate()
        assert _rows(callintel.customers(END)) == before


def test_a_moment_before_the_current_evaluation_reads_the_snapshots(evaluated: Callintel):
    with evaluated as callintel:
        later = END + timedelta(days=3)
        callintel.evaluate(later, callintel.customers(END).items[0][0].customer_id)
        stored, recomputed = callintel.customers(END), callintel.customers(END, recompute=True)
        # the health, not the signals: risk_signals keeps only a customer's last recorded evaluation's
        assert [r[:-1] for r in _rows(stored)] == [r[:-1] for r in _rows(recomputed)]
        now = callintel.customers(later)
        assert now.items[-1][1].as_of == END  # the others' latest evaluation is END's


ORDERED = [
    ("everyone", HealthFilter(), None),
    ("a band", HealthFilter(band="yellow"), None),
    ("after a cursor", HealthFilter(), Cursor(1, 5e4, 0.3, "cust0100")),  # the index: where
    ("an owner", HealthFilter(owner="kim"), "ix_customer_health_owner"),
]


@pytest.mark.parametrize(("what", "wanted", "index"), ORDERED, ids=[o[0] for o in ORDERED])
def test_a_page_of_the_list_is_a_range_of_its_index(store: Store, what, wanted, index):
    """In the at-risk order from the index: no sort of the customers, whatever the filter (PostgreSQL with
    sorts priced out as well, so that the plan shows whether the index can give the order)."""
    keys = current_keys()
    query = at_risk_order(current_rows(wanted), keys)
    if isinstance(index, Cursor):
        query = query.where(index.after(*keys))
    found = plan(store, query.limit(50), "SET enable_sort = off")
    expected = index if isinstance(index, str) else "ix_customer_health_order"
    assert expected in found, found
    assert "TEMP B-TREE" not in found and "Sort" not in found, found


def test_the_customer_pages_read_the_stored_evaluation(evaluated: Callintel):
    with (
        evaluated as callintel,
        TestClient(create_app(callintel.settings, callintel.store)) as client,
    ):
        auth = {"Authorization": f"Bearer {callintel.create_token('manager', 'm')[1]}"}
        who = callintel.customers(END).items[0][0].customer_id
        assert _one(callintel, who, False) == _one(callintel, who, True)
        late = UsageEvent(customer_id=who, kind="login", occurred_at=END)  # no refresh after it
        callintel.save_usage([late])
        for path in (f"/api/customers/{who}", f"/api/customers/{who}/timeline?days=60"):
            stored = client.get(path, headers=auth).json()
            recomputed = client.get(path, params={"recompute": "true"}, headers=auth).json()
            health = stored.get("health", stored)
            assert health["as_of"].startswith("2026-10-31")  # the evaluation's moment, not now
            assert health["score"] is not None and health != recomputed.get("health", recomputed)


def test_a_page_whose_every_replay_point_is_stored_reads_no_history(
    evaluated: Callintel, monkeypatch
):
    """With an evaluation stored in each week of the window (as the daily refresh leaves them), the
    customer page and the timeline read the stored evaluations and the window, never a history, and give
    what the recomputation gives."""
    with evaluated as callintel:
        rows = callintel.customers(END).items
        who = next(w.customer_id for w, h in rows if h.band == "red")
        for moment in replay_moments(END - timedelta(days=60), END, timedelta(days=7))[:-1]:
            callintel.evaluate(moment, who)
        callintel.evaluate(END, who)  # the current evaluation: END's again
        recomputed = _one(callintel, who, True)
        import api.queries

        def unread(*_: object) -> None:
            raise AssertionError("a history was read")

        for name in ("load_history", "read_histories"):
            monkeypatch.setattr(api.queries, name, unread)
        page = callintel.customer_account(who, END)
        view = callintel.customer(who, END, 60, recompute=False)
        assert (_health(page.health), [_point(p) for p in view.replay], view.timeline) == (
            recomputed[0],
            recomputed[2][0][1],
            recomputed[2][0][2],
        )
        assert len({p.as_of for p in view.replay}) == 10 and view.timeline


def test_the_backfilled_weeks_are_the_recomputed_timeline_and_read_no_history(
    evaluated: Callintel, monkeypatch
):
    """A book with only its last refresh's evaluation, backfilled (`callintel alert backfill --weeks 9`):
    its weekly points are stored evaluations, the page reads them instead of a history and gives what the
    recomputation gives; the current health, signals and alerts stay; a second run changes nothing."""
    with evaluated as callintel:
        who = next(w.customer_id for w, h in callintel.customers(END).items if h.band == "red")
        before = (
            _rows(callintel.customers(END)),
            callintel.alerts_page(None, None, None, 500).total,
        )
        done = backfill(callintel.store, callintel.risk_config(), END, 9, batch=7)
        assert done.customers == SOME and SOME * 4 < done.stored <= SOME * 9
        again = backfill(callintel.store, callintel.risk_config(), END, 9, batch=7)
        assert again.stored == done.stored
        assert (
            _rows(callintel.customers(END)),
            callintel.alerts_page(None, None, None, 500).total,
        ) == before
        moments = backfill_moments(END, 9)
        assert [e.as_of for e in evaluations(callintel.store, who, moments[0], END)] == [
            *moments,
            END,
        ]
        between = moments[1] + timedelta(days=2)  # from the last evaluation by the start
        assert [e.as_of for e in evaluations(callintel.store, who, between, END)] == [
            *moments[1:],
            END,
        ]
        before_all = moments[0] - timedelta(days=2)  # none by the start: from the start
        assert [e.as_of for e in evaluations(callintel.store, who, before_all, moments[2])] == [
            *moments[:3]
        ]
        recomputed = callintel.customer(who, END, 56, recompute=True)
        import api.queries

        def unread(*_: object) -> None:
            raise AssertionError("a history was read")

        for name in ("load_history", "read_histories"):
            monkeypatch.setattr(api.queries, name, unread)
        view = callintel.customer(who, END, 56, recompute=False)
        assert [_point(p) for p in view.replay] == [_point(p) for p in recomputed.replay]
        assert view.timeline == recomputed.timeline and len(view.replay) == 9


def test_contacts_last_logins_by_one_grouped_query_match_the_history(db_url: str, tmp_path: Path):
    """Users matched case-insensitively and without surrounding spaces; the latest by time, then by the
    order stored where several events share the moment; a user that is not text, or an event after the
    moment, never counts; a contact never seen is never seen."""
    from models.accounts import Contact

    at = END - timedelta(days=3)
    events: list[tuple[str, datetime, dict[str, Any]]] = [
        ("login", at - timedelta(days=40), {"user": "Ann@X.com"}),
        ("feature_used", at, {"user": " ann@x.com", "feature": "reports"}),
        ("page_visit", at, {"user": "ANN@x.com", "page": "/pricing"}),  # stored last at that moment
        ("login", at - timedelta(days=1), {"user": "bob"}),
        ("login", END + timedelta(days=1), {"user": "bob"}),  # after the moment
        ("login", at, {"user": 7}),  # not a name
        ("login", at - timedelta(days=2), {"user": "STRASSE"}),
        ("feature_used", at - timedelta(days=5), {"feature": "reports"}),  # nobody's
    ]
    contacts = [
        Contact.model_validate({"customer_id": "c1", "user": u, "role": r, "name": n})
        for u, r, n in (
            ("ann@x.com", "champion", "Ann"),
            ("Bob ", "user", None),
            ("straße", "admin", "S"),
            ("cy", "decision_maker", "Cy"),
        )
    ]
    with Callintel(Settings(database_url=db_url, upload_dir=tmp_path / "uploads")) as callintel:
        callintel.create_customer(Account(customer_id="c1", name="C One"), contacts)
        for kind, moment, properties in events:  # one by one: the stored order is this order
            usage = UsageEvent(
                customer_id="c1", kind=kind, occurred_at=moment, properties=properties
            )
            callintel.save_usage([usage])
        history = known(load_history(callintel.store, "c1"))
        expected = contact_lines(history, END)
        assert callintel.contacts_seen(history, END) == expected
        seen = {c.contact.user: (c.last_seen, c.last_kind) for c in expected}
        assert seen == {
            "ann@x.com": (at, "page_visit"),
            "Bob ": (at - timedelta(days=1), "login"),
            "straße": (at - timedelta(days=2), "login"),  # casefold: STRASSE is straße
            "cy": (None, None),
        }
