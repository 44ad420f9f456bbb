"""The history loader reads the account data back as records (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models.accounts import Account, CommercialEvent, Contact, Invoice, SurveyResponse
from models.store import Store
from models.tables import (
    AccountRow,
    CommercialEventRow,
    ContactRow,
    CustomerRow,
    InvoiceRow,
    SurveyResponseRow,
)
from risk.history import load_history

T = datetime(2026, 10, 1, 9, tzinfo=UTC)
pytestmark = pytest.mark.both_backends


def test_the_account_data_comes_back_as_records(store: Store):
    nps = SurveyResponse(customer_id="c1", kind="nps", score=3, responded_at=T, comment="Too slow")
    seats = CommercialEvent(
        customer_id="c1", kind="seat_change", occurred_at=T, seats_before=20, seats_after=12
    )
    with store.transaction() as session:
        session.add(CustomerRow(id="c1", name="Cee One"))
        session.flush()
        session.add(
            AccountRow(customer_id="c1", owner="dana", arr=48000.0, renewal_date=date(2027, 1, 31))
        )
        session.add(ContactRow(customer_id="c1", user="ann@c1.com", role="decision_maker"))
        session.add(
            InvoiceRow(
                customer_id="c1",
                invoice_id="INV-1",
                issued_at=T,
                due_at=T,
                amount=4000.0,
                failed_attempts=2,
            )
        )
        session.add(CommercialEventRow(**seats.model_dump(), dedup_key=seats.dedup_key()))
        session.add(SurveyResponseRow(**nps.model_dump(), dedup_key=nps.dedup_key()))
    history = load_history(store, "c1")
    assert history is not None
    assert history.account == Account(
        customer_id="c1", name="Cee One", owner="dana", arr=48000.0, renewal_date=date(2027, 1, 31)
    )
    assert history.contacts == (
        Contact(customer_id="c1", user="ann@c1.com", role="decision_maker"),
    )
    assert history.invoices == (
        Invoice(
            customer_id="c1",
            invoice_id="INV-1",
            issued_at=T,
            due_at=T,
            amount=4000.0,
            failed_attempts=2,
        ),
    )
    assert history.commercial == (seats,) and history.commercial[0].seat_delta == -8
    assert history.surveys == (nps,)


def test_a_customer_without_account_data_has_none(store: Store):
    with store.transaction() as session:
        session.add(CustomerRow(id="c2"))
    history = load_history(store, "c2")
    assert history is not None and history.account is None and history.contacts == ()
