"""Constructed customer histories for the risk tests (pure records, no store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from risk.history import CustomerHistory, InteractionFacts, TagFact, UsageFact

AS_OF = datetime(2026, 10, 31, 12, tzinfo=UTC)


def tag(
    label: str,
    text: str = "We will cancel.",
    score: float = 0.95,
    sentiment: str = "negative",
    role: str = "customer",
    entity: str | None = None,
) -> TagFact:
    return TagFact(label, score, text.split()[0], entity, 0, 12.0, text, role, sentiment)


def call(
    days_ago: float,
    *tags: TagFact,
    kind: str = "call",
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
