"""Churn trend and churn reasons, aggregated in SQL over the accounts' lifecycle.

Churn rate of a period (a calendar month or quarter) = customers churned in it / customers active at its start.
Active at its start: the account started before the period (or has no start date) and had not churned before it;
churned in it: one of those whose status is ``churned`` with ``status_at`` in the period (and not after as_of).

Churn reasons: across the customers lost (churned at or before as_of), the tags of their calls and tickets (the
customer's, score >= 0.5; a competitor by name) and their risk signals in the 90 days before the churn, grouped by
reason and counted in customers ("price objection 6 of 9"), each with the interactions behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from models.records import TAG_LABELS, label_name
from models.tables import (
    AccountRow,
    CustomerRow,
    InteractionRow,
    RiskSignalRow,
    TagRow,
    UtcDateTime,
)
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
class Period:
    label: str  # 2026-10, 2026-Q4
    start: date
    end: date  # the first day after it


@dataclass(frozen=True)
class ChurnPeriod:
    period: Period
    active_at_start: int
    churned: int
    arr_churned: float

    @property
    def rate(self) -> float | None:
        """Churned / active at the start (None when none was active)."""
        return self.churned / self.active_at_start if self.active_at_start else None


@dataclass(frozen=True)
class Evidence:
    customer_id: str
    interaction_id: str | None  # None: a signal of no one interaction (a late payment, silence)
    kind: str | None  # call | ticket
    occurred_at: datetime
    text: str  # the tag's evidence or the signal's explanation


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


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _active_at_start(period: Period) -> ColumnElement[bool]:
    return and_(
        or_(AccountRow.start_date.is_(None), AccountRow.start_date < period.start),
        or_(AccountRow.status != "churned", AccountRow.status_at >= _moment(period.start)),
    )


def _churned_in(period: Period, as_of: datetime) -> ColumnElement[bool]:
    return and_(
        _active_at_start(period),
        AccountRow.status == "churned",
        AccountRow.status_at < _moment(period.end),
        AccountRow.status_at <= as_of,
    )


def churn_trend(session: Session, periods: list[Period], as_of: datetime) -> list[ChurnPeriod]:
    """Each period's customers active at its start, churned in it and their ARR: one pass over the accounts."""
    columns = []
    for i, period in enumerate(periods):
        churned = _churned_in(period, as_of)
        columns += [
            func.sum(case((_active_at_start(period), 1), else_=0)).label(f"active_{i}"),
            func.sum(case((churned, 1), else_=0)).label(f"churned_{i}"),
            func.sum(case((churned, func.coalesce(AccountRow.arr, 0.0)), else_=0.0)).label(
                f"arr_{i}"
            ),
        ]
    if not columns:
        return []
    row = session.execute(select(*columns)).mappings().one()
    return [
        ChurnPeriod(
            period,
            int(row[f"active_{i}"] or 0),
            int(row[f"churned_{i}"] or 0),
            float(row[f"arr_{i}"] or 0.0),
        )
        for i, period in enumerate(periods)
    ]


class days_before(FunctionElement[datetime]):  # noqa: N801 - a SQL function, named like one
    """``moment - N days`` in SQL (SQLite's datetime() modifier, PostgreSQL's interval arithmetic)."""

    type = UtcDateTime()
    inherit_cache = True


@compiles(days_before)
def _days_before_default(element: days_before, compiler: Any, **kw: Any) -> str:
    moment, days = list(element.clauses)
    return f"({compiler.process(moment, **kw)} - make_interval(days => {compiler.process(days, **kw)}))"


@compiles(days_before, "sqlite")
def _days_before_sqlite(element: days_before, compiler: Any, **kw: Any) -> str:
    moment, days = list(element.clauses)
    return f"datetime({compiler.process(moment, **kw)}, '-' || {compiler.process(days, **kw)} || ' days')"


def _lost(as_of: datetime, since: datetime | None) -> ColumnElement[bool]:
    lost = and_(AccountRow.status == "churned", AccountRow.status_at <= as_of)
    return lost if since is None else and_(lost, AccountRow.status_at >= since)


def _in_reason_window(at: Any) -> ColumnElement[bool]:
    return and_(
        at <= AccountRow.status_at, at >= days_before(AccountRow.status_at, literal(REASON_DAYS))
    )


def _reason_rows(as_of: datetime, since: datetime | None) -> Any:
    """(customer, reason, interaction, kind, when, text) for every tag and signal before a churn."""
    competitor = and_(TagRow.label == "competitor_mention", TagRow.entity.is_not(None))
    tag_reason = case(
        (competitor, literal("competitor_mention:").concat(TagRow.entity)), else_=TagRow.label
    )
    tags = (
        select(
            AccountRow.customer_id,
            tag_reason.label("reason"),
            InteractionRow.id.label("interaction_id"),
            InteractionRow.kind,
            InteractionRow.occurred_at,
            TagRow.evidence.label("text"),
        )
        .select_from(AccountRow)
        .join(InteractionRow, InteractionRow.customer_id == AccountRow.customer_id)
        .join(TagRow, TagRow.interaction_id == InteractionRow.id)
        .where(_lost(as_of, since), _in_reason_window(InteractionRow.occurred_at))
        .where(TagRow.speaker_role != "rep", TagRow.score >= MIN_TAG_SCORE)
        .where(TagRow.label.not_in(NOT_REASONS))
    )
    signals = (
        select(
            AccountRow.customer_id,
            RiskSignalRow.kind.label("reason"),
            RiskSignalRow.interaction_id,
            InteractionRow.kind,
            RiskSignalRow.occurred_at,
            RiskSignalRow.explanation.label("text"),
        )
        .select_from(AccountRow)
        .join(RiskSignalRow, RiskSignalRow.customer_id == AccountRow.customer_id)
        .outerjoin(InteractionRow, InteractionRow.id == RiskSignalRow.interaction_id)
        .where(_lost(as_of, since), _in_reason_window(RiskSignalRow.occurred_at))
        .where(RiskSignalRow.kind.not_in((*NOT_REASONS, *TAG_LABELS)))  # tags: above, by name
    )
    return union_all(tags, signals).subquery("reasons")


def lost_customers(session: Session, as_of: datetime, since: datetime | None = None) -> int:
    query = select(func.count()).select_from(AccountRow).where(_lost(as_of, since))
    return int(session.execute(query).scalar_one())


def churn_reasons(
    session: Session,
    as_of: datetime,
    since: datetime | None = None,
    top: int = 8,
    per_reason: int = 20,
) -> list[ChurnReason]:
    """The ``top`` reasons by customers lost, each with up to ``per_reason`` of its newest interactions."""
    rows = _reason_rows(as_of, since)
    customers = func.count(rows.c.customer_id.distinct())
    counted = session.execute(
        select(rows.c.reason, customers.label("n"))
        .group_by(rows.c.reason)
        .order_by(customers.desc(), rows.c.reason)
        .limit(top)
    ).all()
    if not counted:
        return []
    evidence = _evidence(session, rows, [reason for reason, _ in counted], per_reason)
    lost = lost_customers(session, as_of, since)
    return [
        ChurnReason(reason, reason_label(reason), n, lost, evidence.get(reason, []))
        for reason, n in counted
    ]


def _evidence(
    session: Session, rows: Any, reasons: list[str], per_reason: int
) -> dict[str, list[Evidence]]:
    """Each reason's newest interactions (one line per interaction, or per signal without one)."""
    keys = (rows.c.reason, rows.c.customer_id, rows.c.interaction_id)
    one = (
        select(
            *keys,
            func.max(rows.c.kind).label("kind"),
            func.max(rows.c.occurred_at).label("occurred_at"),
            func.min(rows.c.text).label("text"),
        )
        .where(rows.c.reason.in_(reasons))
        .group_by(*keys)
        .subquery()
    )
    newest = func.row_number().over(
        partition_by=one.c.reason, order_by=(one.c.occurred_at.desc(), one.c.interaction_id)
    )
    ranked = select(one, newest.label("n")).subquery()
    found: dict[str, list[Evidence]] = {}
    query = select(ranked).where(ranked.c.n <= per_reason).order_by(ranked.c.reason, ranked.c.n)
    for row in session.execute(query).mappings():
        found.setdefault(row["reason"], []).append(
            Evidence(
                row["customer_id"],
                row["interaction_id"],
                row["kind"],
                _aware(row["occurred_at"]),
                row["text"],
            )
        )
    return found


def _aware(value: datetime | str) -> datetime:
    """A union's column loses the column type on some drivers: read it back as a UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def reason_label(reason: str) -> str:
    """``competitor_mention:Gong`` -> ``Competitor Gong``; a tag label or signal kind in words."""
    kind, _, entity = reason.partition(":")
    if kind == "competitor_mention" and entity:
        return f"Competitor {entity}"
    return label_name(kind) + (f" ({entity})" if entity else "")


@dataclass(frozen=True)
class LostCustomer:
    customer_id: str
    name: str | None
    owner: str | None
    arr: float | None
    churned_at: datetime
    reason: str | None  # the account's status_reason


def month_period(label: str) -> Period:
    """``2026-10`` as a Period; ValueError for anything else."""
    start = date.fromisoformat(f"{label}-01") if len(label) == 7 else None
    if start is None:
        raise ValueError(f"{label!r} is not a month (YYYY-MM)")
    return Period(label, start, _month_start(start, -1))


def churned_in(session: Session, period: Period, as_of: datetime) -> list[LostCustomer]:
    """The customers counted as churned in ``period`` (the rows behind its churn rate), largest ARR first."""
    query = (
        select(
            AccountRow.customer_id,
            CustomerRow.name,
            AccountRow.owner,
            AccountRow.arr,
            AccountRow.status_at,
            AccountRow.status_reason,
        )
        .join(CustomerRow, CustomerRow.id == AccountRow.customer_id)
        .where(_churned_in(period, as_of))
        .order_by(AccountRow.arr.desc(), AccountRow.customer_id)
    )
    return [
        LostCustomer(cid, name, owner, arr, at, reason)
        for cid, name, owner, arr, at, reason in session.execute(query).all()
        if at is not None  # always (the query asks for a churn date)
    ]
