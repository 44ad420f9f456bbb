"""A small store with account data and alerts, written directly (no models): for the alert and customer-page tests.

acme (owner dana, 48,000 EUR, renewal 2027-01-31, cancel requested) has three contacts (one never logged in),
three invoices (paid, paid late, failed), two NPS answers and a CSAT; globex (owner lee) has only an account.
Three alerts: two of acme's (one with a recommended action), one of globex's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from models.accounts import SurveyResponse
from models.records import UsageEvent
from models.store import Store
from models.tables import (
    AccountRow,
    AlertRow,
    ContactRow,
    CustomerRow,
    InvoiceRow,
    SurveyResponseRow,
)

AS_OF = datetime(2026, 10, 31, tzinfo=UTC)


def at(days_before: float) -> datetime:
    return AS_OF - timedelta(days=days_before)


@dataclass(frozen=True)
class Seeded:
    acme_band: int  # alert ids
    acme_signal: int
    globex: int


def _accounts(session) -> None:
    session.add_all([CustomerRow(id="acme", name="Acme Logistics"), CustomerRow(id="globex")])
    session.flush()
    session.add_all(
        [
            AccountRow(
                customer_id="acme",
                owner="dana",
                plan="Growth",
                arr=48000.0,
                currency="EUR",
                start_date=date(2023, 2, 1),
                renewal_date=date(2027, 1, 31),
                segment="mid-market",
                status="cancel_requested",
                status_at=at(3),
                status_reason="Moving to Gong at renewal",
            ),
            AccountRow(customer_id="globex", owner="lee", arr=9000.0),
            ContactRow(
                customer_id="acme",
                user="ann@acme.example",
                name="Ann Decker",
                role="decision_maker",
            ),
            ContactRow(customer_id="acme", user="u7", name="Raj Admin", role="admin"),
            ContactRow(
                customer_id="acme", user="zoe@acme.example", name="Zoe Quiet", role="champion"
            ),
        ]
    )


def _payments_and_surveys(session) -> None:
    invoices = [
        ("INV-1", at(90), at(60), at(70), 0),  # paid on time
        ("INV-2", at(60), at(30), at(20), 0),  # paid ten days late
        ("INV-3", at(30), at(5), None, 2),  # two failed attempts, unpaid
    ]
    for invoice_id, issued, due, paid, failed in invoices:
        session.add(
            InvoiceRow(
                customer_id="acme",
                invoice_id=invoice_id,
                issued_at=issued,
                due_at=due,
                paid_at=paid,
                amount=4000.0,
                currency="EUR",
                failed_attempts=failed,
            )
        )
    for survey in (
        SurveyResponse(customer_id="acme", kind="nps", score=9, responded_at=at(120)),
        SurveyResponse(
            customer_id="acme",
            kind="nps",
            score=3,
            responded_at=at(10),
            respondent="ann@acme.example",
            comment="Too expensive for what we use",
        ),
        SurveyResponse(customer_id="acme", kind="csat", score=2, responded_at=at(8)),
    ):
        session.add(SurveyResponseRow(**survey.model_dump(), dedup_key=survey.dedup_key()))


def _alert(session, customer: str, key: str, days: float, owner: str, action: str | None) -> int:
    row = AlertRow(
        key=key,
        customer_id=customer,
        kind="band_changed",
        occurred_at=at(days),
        reason=f"Health fell to 30.0 (red) ({key})",
        band="red",
        score=30.0,
        owner=owner,
        action=action,
    )
    session.add(row)
    session.flush()
    return row.id


def seed(store: Store) -> Seeded:
    with store.transaction() as session:
        _accounts(session)
        _payments_and_surveys(session)
        ids = Seeded(
            _alert(
                session, "acme", "acme-band", 2, "dana", "Executive visit to diagnose what changed"
            ),
            _alert(session, "acme", "acme-signal", 4, "dana", None),
            _alert(session, "globex", "globex-band", 1, "lee", None),
        )
    store.save_usage_events(
        [
            UsageEvent(
                customer_id="acme",
                kind="login",
                occurred_at=at(40),
                properties={"user": "ann@acme.example"},
            ),
            UsageEvent(
                customer_id="acme",
                kind="page_visit",
                occurred_at=at(6),
                properties={"user": "u7", "page": "/pricing"},
            ),
            UsageEvent(
                customer_id="acme", kind="login", occurred_at=at(9), properties={"user": "u7"}
            ),
            UsageEvent(
                customer_id="acme",
                kind="login",
                occurred_at=at(-5),
                properties={"user": "zoe@acme.example"},
            ),  # after as_of
        ]
    )
    return ids
