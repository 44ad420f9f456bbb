"""The at-risk list's records (models/risk_lines.py) are the stored list's rows: serialised as they are, they
are byte for byte the JSON of the response models built from models/pages.py health_page's rows, whatever
the page asks for, one shape of request after another (the statements are built once a shape and take each
request's values); and ``GET /api/customers`` answers those bytes with its headers (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlalchemy import event, update

from api.app import create_app
from api.queries import StoredAccount
from api.routes_customers import _account_parts, _risk
from api.schemas import CustomerDetail, CustomerRisk
from api.service import Callintel
from bench.make_portfolio import END, build
from models.current_health import Cursor, current_as_of
from models.health_pages import HealthFilter
from models.records import UsageEvent
from models.risk_lines import RiskLine, customer_line, customer_state, risk_page
from models.settings import Settings
from models.tables import CustomerRow
from tests.api.test_stored_reads import _evaluated
from tests.models.test_reads import _outside_a_transaction

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]
UNICODE = 'Zoë & Söhne — 東京 "quoted" \\ ✓'
RISKS, LINES = TypeAdapter(list[CustomerRisk]), TypeAdapter(list[RiskLine])


def _fill_book(url: str, uploads: Path) -> None:
    with _evaluated(url, uploads, build(24, seed=23).histories) as callintel:
        first = callintel.customers(END).items[0][0].customer_id
        with callintel.store.transaction() as session:
            session.execute(update(CustomerRow).where(CustomerRow.id == first).values(name=UNICODE))
        late = UsageEvent(customer_id="zz-late", kind="login", occurred_at=END)
        callintel.save_usage([late])


@pytest.fixture
def book(built_store, tmp_path: Path) -> Iterator[Callintel]:
    """24 customers evaluated at END, one renamed in unicode, one never evaluated (``unknown``)."""
    url = built_store("risk-lines", lambda url: _fill_book(url, tmp_path))
    with Callintel(Settings(database_url=url, upload_dir=tmp_path / "uploads")) as callintel:
        yield callintel


def _models(callintel: Callintel, **ask) -> tuple[bytes, int, str | None]:
    """What the route answered before the records: the response models of health_page's rows."""
    page = callintel.customers(END, **ask)
    return (
        RISKS.dump_json([_risk(h, who.name) for who, h in page.items]),
        page.total,
        page.next_cursor,
    )


def _lines(callintel: Callintel, **ask) -> tuple[bytes, int, str | None]:
    page = callintel.risk_lines(END, **ask)
    return LINES.dump_json(page.items), page.total, page.next_cursor


def test_the_records_serialise_as_the_response_models(book: Callintel):
    everyone = book.customers(END).items
    assert any(who.name == UNICODE for who, _ in everyone)
    assert everyone[-1][1].band == "unknown" and everyone[-1][1].score is None
    signals = [s for _, h in everyone for s in h.signals]
    assert any(s.interaction_id is None for s in signals)  # null in the JSON
    owner = next(who.account.owner for who, _ in everyone if who.account and who.account.owner)
    places = [Cursor.decode(book.customers(END, limit=n).next_cursor or "") for n in (3, 9)]
    asks: list[dict] = [
        {},
        {"limit": 5},
        {"limit": 5, "offset": 7},  # the same shape, other values
        {"band": "red", "limit": 50},
        {"band": "green", "limit": 50},
        {"band": "unknown"},
        {"owner": owner},
        {"owner": "nobody"},
        {"owner": owner, "band": "yellow", "limit": 2},
        *({"limit": 4, "cursor": place} for place in places),  # two places, one statement
        {"limit": 4, "offset": 2, "cursor": places[0]},
    ]
    for ask in asks:
        assert _lines(book, **ask) == _models(book, **ask), ask


def test_before_a_later_evaluation_the_records_come_from_the_snapshots(book: Callintel):
    who = book.customers(END).items[0][0].customer_id
    book.evaluate(END + timedelta(days=1), who)  # the current rows no longer answer at END
    for ask in ({}, {"limit": 6}, {"limit": 6, "offset": 3}, {"band": "red"}):
        assert _lines(book, **ask) == _models(book, **ask), ask
    with book.store.reading() as session:
        line = customer_line(session, who, END)
        state = customer_state(session, who, END)
    assert line is not None and line.as_of == END
    assert state == (line, END + timedelta(days=1))  # the current evaluation is the later one
    assert line == risk_page(book.store, END, HealthFilter(), limit=1).items[0]


def test_a_page_is_two_statements_outside_a_transaction_an_empty_one_too(book: Callintel):
    """The page with its evaluations, the check that the current-health rows serve the moment and the kept
    total in one statement, then its signals; an empty page (past the end), no signals: the check and total
    alone."""
    seen: list[bool] = []

    def noted(connection, *_) -> None:
        seen.append(_outside_a_transaction(connection.connection.dbapi_connection))

    counted = []
    for ask in ({"limit": 6}, {"limit": 6, "band": "red"}, {"limit": 6, "offset": 500}):
        expected = _models(book, **ask)
        event.listen(book.store.engine, "before_cursor_execute", noted)
        try:
            assert _lines(book, **ask) == expected, ask
        finally:
            event.remove(book.store.engine, "before_cursor_execute", noted)
        counted.append(len(seen))
        assert all(seen), ask
        seen.clear()
    assert counted == [2, 2, 2]


def test_one_customers_record_is_their_row_of_the_list(book: Callintel):
    lines = risk_page(book.store, END).items
    with book.store.reading() as session:
        for line in (lines[0], lines[len(lines) // 2], lines[-1]):
            assert customer_line(session, line.customer_id, END) == line
        assert customer_line(session, "no-such-customer", END) is None


def test_a_customers_state_is_their_line_and_their_current_evaluations_moment(book: Callintel):
    """``customer_state``: the line (with every signal, in order; none for some) and ``current_as_of``, in
    one statement; the unevaluated customer's ``unknown`` line with no current moment."""
    lines = risk_page(book.store, END).items
    assert any(not line.signals for line in lines) and any(len(line.signals) > 1 for line in lines)
    with book.store.reading() as session:
        for line in lines:
            current = current_as_of(session, line.customer_id)
            assert customer_state(session, line.customer_id, END) == (line, current)
            assert (current is None) == (line.score is None)
        assert customer_state(session, "no-such-customer", END) is None


def test_the_route_answers_the_records_with_its_headers(book: Callintel):
    with TestClient(create_app(book.settings, book.store)) as client:
        auth = {"Authorization": f"Bearer {book.create_token('manager', 'm')[1]}"}
        for params, ask in (({"limit": 5}, {"limit": 5}), ({"band": "red"}, {"band": "red"})):
            answer = client.get("/api/customers", params=params, headers=auth)
            body, total, cursor = _models(book, **ask)
            assert answer.content == body
            assert answer.headers["content-type"] == "application/json"
            assert answer.headers["X-Total-Count"] == str(total)
            assert answer.headers.get("X-Next-Cursor") == cursor
        at_end = {"as_of": END.isoformat()}  # recomputed at END
        recomputed = client.get("/api/customers", params=at_end, headers=auth)
        assert recomputed.content == _models(book, recompute=True)[0]


def test_the_customer_page_answers_the_record_as_the_response_model(book: Callintel):
    """``GET /api/customers/{id}``: the stored record and the account data, the bytes of ``CustomerDetail``
    built from the stored Health (api/service.py account_view without recomputing)."""
    moment = book.as_of()
    lines = risk_page(book.store, moment).items
    with TestClient(create_app(book.settings, book.store)) as client:
        auth = {"Authorization": f"Bearer {book.create_token('manager', 'm')[1]}"}
        for line in (lines[0], lines[len(lines) // 2]):
            found = book.customer_detail(line.customer_id, moment)
            assert isinstance(found, StoredAccount) and found.health == line
            view = book.account_view(line.customer_id, moment, recompute=False)
            assert view.health is not None
            risk = _risk(view.health, view.name).model_dump()
            detail = CustomerDetail(**risk, **_account_parts(view))
            answer = client.get(f"/api/customers/{line.customer_id}", headers=auth)
            assert answer.content == TypeAdapter(CustomerDetail).dump_json(detail)
