"""Constructed customer histories for the risk tests (pure records, no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.accounts import (
    Account,
    CommercialEvent,
    CommercialKind,
    Invoice,
    SurveyKind,
    SurveyResponse,
)
from models.records import InteractionKind, Role
from risk.history import CustomerHistory, InteractionFacts, TagFact, UsageFact

AS_OF = datetime(2026, 10, 31, 12, tzinfo=UTC)


def tag(
    label: str,
    text: str = "We will cancel.",
    score: float = 0.95,
    sentiment: str = "negative",
    role: Role = "customer",
    entity: str | None = None,
) -> TagFact:
    return TagFact(label, score, text.split()[0], entity, 0, 12.0, text, role, sentiment)


def call(
    days_ago: float,
    *tags: TagFact,
    kind: InteractionKind = "call",
    sentiments=("neutral",),
    title: str | None = "Call",
):
    return InteractionFacts(
        f"int_{kind}_{days_ago}_{len(tags)}",
        kind,
        AS_OF - timedelta(days=days_ago),
        title,
        tuple(tags),
        tuple(sentiments),
    )


def logins(per_day_then: float, per_day_recent: float, days: int = 70, recent_days: int = 14):
    """Login events: ``per_day_then`` a day until ``recent_days`` ago, ``per_day_recent`` a day since."""
    events = []
    for day in range(days):
        rate = per_day_recent if day < recent_days else per_day_then
        events += [
            UsageFact("login", AS_OF - timedelta(days=day, hours=1 + n)) for n in range(int(rate))
        ]
    return tuple(sorted(events, key=lambda e: e.at))


def history(customer: str, interactions=(), usage=()) -> CustomerHistory:
    return CustomerHistory(
        customer, customer.title(), tuple(sorted(interactions, key=lambda f: f.occurred_at)), usage
    )


def steady(customer: str = "steady") -> CustomerHistory:
    """Regular friendly contact and steady usage: nothing to worry about."""
    return history(
        customer, [call(d, sentiments=("positive",)) for d in (5, 20, 35, 50, 65, 80)], logins(5, 5)
    )


# --- account data, usage with properties (risk v2) ---


def ago(days: float) -> datetime:
    return AS_OF - timedelta(days=days)


def daily(
    kind: str, per_day: float, since: float, until: float = 0, **properties
) -> tuple[UsageFact, ...]:
    """``per_day`` events of ``kind`` a day from ``since`` days ago up to ``until`` days ago."""
    events = []
    day = until
    while day < since:
        events += [
            UsageFact(kind, ago(day) - timedelta(hours=1 + n), dict(properties))
            for n in range(int(per_day))
        ]
        day += 1
    return tuple(events)


def visit(days_ago: float, page: str) -> UsageFact:
    return UsageFact("page_visit", ago(days_ago), {"page": page})


def account(customer: str, **fields) -> Account:
    return Account(customer_id=customer, **fields)


def invoice(
    customer: str, n: int, due_days_ago: float, paid_days_ago: float | None, failed: int = 0
) -> Invoice:
    return Invoice(
        customer_id=customer,
        invoice_id=f"INV-{n}",
        issued_at=ago(due_days_ago + 30),
        due_at=ago(due_days_ago),
        paid_at=None if paid_days_ago is None else ago(paid_days_ago),
        amount=1000.0,
        failed_attempts=failed,
    )


def survey(
    customer: str, kind: SurveyKind, score: int, days_ago: float, respondent: str | None = "ann"
) -> SurveyResponse:
    return SurveyResponse(
        customer_id=customer,
        kind=kind,
        score=score,
        responded_at=ago(days_ago),
        respondent=respondent,
    )


def seats(customer: str, before: int, after: int, days_ago: float) -> CommercialEvent:
    return CommercialEvent(
        customer_id=customer,
        kind="seat_change",
        occurred_at=ago(days_ago),
        seats_before=before,
        seats_after=after,
    )


def purchase(customer: str, days_ago: float, kind: CommercialKind = "renewal") -> CommercialEvent:
    return CommercialEvent(
        customer_id=customer, kind=kind, occurred_at=ago(days_ago), amount=1000.0
    )


def full(customer: str, interactions=(), usage=(), **data) -> CustomerHistory:
    """A history with account data: ``data`` holds account, contacts, invoices, commercial, surveys."""
    return CustomerHistory(
        customer,
        customer.title(),
        tuple(sorted(interactions, key=lambda f: f.occurred_at)),
        tuple(sorted(usage, key=lambda e: e.at)),
        data.get("account"),
        tuple(data.get("contacts", ())),
        tuple(sorted(data.get("invoices", ()), key=lambda i: i.issued_at)),
        tuple(sorted(data.get("commercial", ()), key=lambda c: c.occurred_at)),
        tuple(sorted(data.get("surveys", ()), key=lambda s: s.responded_at)),
    )


def team(
    since: float = 120, until: float = 0, per_day: int = 2, users=("u1", "u2")
) -> tuple[UsageFact, ...]:
    """A healthy team: each user logs in ``per_day`` times a day and uses every core feature daily."""
    events: list[UsageFact] = []
    for user in users:
        events += daily("login", per_day, since, until, user=user)
        for feature in ("call_library", "dashboards", "summaries"):
            events += daily("feature_used", 1, since, until, user=user, feature=feature)
    return tuple(events)
