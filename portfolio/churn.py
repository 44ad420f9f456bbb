"""Churn trend and churn reasons, aggregated in SQL over the accounts' lifecycle (models/churn_repo.py).

Churn rate of a period (a calendar month or quarter) = customers churned in it / customers active at its start.
Active at its start: the account started before the period (or has no start date) and had not churned before it;
churned in it: one of those whose status is ``churned`` with ``status_at`` in the period (and not after as_of).

Churn reasons: across the customers lost (churned at or before as_of), the tags of their calls and tickets (the
customer's, score >= 0.5; a competitor by name) and their risk signals in the 90 days before the churn, grouped by
reason and counted in customers ("price objection 6 of 9"), each with the interactions behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from models.churn_repo import (
    ChurnPeriod,
    Evidence,
    LostCustomer,
    Period,
    ReasonQuery,
    churn_reason_counts,
    churn_trend,
    churned_in,
    lost_customers,
)
from models.records import label_name
from risk.kinds import POSITIVE_KINDS

__all__ = [
    "REASON_DAYS",
    "ChurnPeriod",
    "ChurnReason",
    "Evidence",
    "LostCustomer",
    "Period",
    "churn_reasons",
    "churn_trend",
    "churned_in",
    "lost_customers",
    "month_period",
    "months",
    "quarters",
    "reason_label",
]

REASON_DAYS = 90
MIN_TAG_SCORE = 0.5
# not reasons: the churn itself, the sum of the others, and the good news
NOT_REASONS = ("cancel_requested", "several_warnings", "expansion_interest", *POSITIVE_KINDS)


@dataclass(frozen=True)
class ChurnReason:
    reason: str  # a tag label, ``competitor_mention:Gong``, or a risk signal kind
    label: str
    customers: int
    lost: int  # of this many lost customers
    evidence: list[Evidence]


def _month_start(day: date, back: int) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def months(as_of: datetime, count: int = 12) -> list[Period]:
    """The ``count`` calendar months up to and including as_of's, oldest first."""
    day = as_of.date()
    starts = [_month_start(day, back) for back in range(count - 1, -1, -1)]
    return [Period(f"{start:%Y-%m}", start, _month_start(start, -1)) for start in starts]


def quarters(as_of: datetime, count: int = 4) -> list[Period]:
    """The ``count`` calendar quarters up to and including as_of's, oldest first."""
    day = as_of.date()
    first = _month_start(day, (day.month - 1) % 3)
    periods = []
    for back in range(count - 1, -1, -1):
        start = _month_start(first, 3 * back)
        periods.append(
            Period(f"{start.year}-Q{(start.month - 1) // 3 + 1}", start, _month_start(start, -3))
        )
    return periods


def churn_reasons(
    session: Session,
    as_of: datetime,
    since: datetime | None = None,
    top: int = 8,
    per_reason: int = 20,
) -> list[ChurnReason]:
    """The ``top`` reasons by customers lost, each with up to ``per_reason`` of its newest interactions."""
    wanted = ReasonQuery(as_of, since, REASON_DAYS, MIN_TAG_SCORE, NOT_REASONS)
    counted = churn_reason_counts(session, wanted, top, per_reason)
    if not counted:
        return []
    lost = lost_customers(session, as_of, since)
    return [
        ChurnReason(reason, reason_label(reason), n, lost, evidence)
        for reason, n, evidence in counted
    ]


def reason_label(reason: str) -> str:
    """``competitor_mention:Gong`` -> ``Competitor Gong``; a tag label or signal kind in words."""
    kind, _, entity = reason.partition(":")
    if kind == "competitor_mention" and entity:
        return f"Competitor {entity}"
    return label_name(kind) + (f" ({entity})" if entity else "")


def month_period(label: str) -> Period:
    """``2026-10`` as a Period; ValueError for anything else."""
    start = date.fromisoformat(f"{label}-01") if len(label) == 7 else None
    if start is None:
        raise ValueError(f"{label!r} is not a month (YYYY-MM)")
    return Period(label, start, _month_start(start, -1))
