"""Churn in SQL over the accounts' lifecycle: the churn trend per period, the customers lost, and the tags
and risk signals before each churn grouped by reason (portfolio/churn.py holds the rules and the words).

Churn rate of a period (a calendar month or quarter) = customers churned in it / customers active at its start.
Active at its start: the account started before the period (or has no start date) and had not churned before it;
churned in it: one of those whose status is ``churned`` with ``status_at`` in the period (and not after as_of).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from models import convert
from models.records import TAG_LABELS
from models.tables import (
    AccountRow,
    CustomerRow,
    InteractionRow,
    RiskSignalRow,
    TagRow,
    UtcDateTime,
)

__all__ = [
    "ChurnPeriod",
    "Evidence",
    "LostCustomer",
    "Period",
    "ReasonQuery",
    "churn_reason_counts",
    "churn_trend",
    "churned_in",
    "lost_customers",
]


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
class ReasonQuery:
    """Which tags and signals count as reasons: of the customers lost by ``as_of`` (since ``since``), those in
    the ``days`` before the churn, a tag of the customer's with a score of at least ``min_tag_score``, and no
    kind in ``excluded``."""

    as_of: datetime
    since: datetime | None
    days: int
    min_tag_score: float
    excluded: tuple[str, ...]


@dataclass(frozen=True)
class LostCustomer:
    customer_id: str
    name: str | None
    owner: str | None
    arr: float | None
    churned_at: datetime
    reason: str | None  # the account's status_reason


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


def _in_reason_window(at: Any, days: int) -> ColumnElement[bool]:
    return and_(at <= AccountRow.status_at, at >= days_before(AccountRow.status_at, literal(days)))


def _reason_rows(wanted: ReasonQuery) -> Any:
    """(customer, reason, interaction, kind, when, text) for every tag and signal before a churn."""
    as_of, since, days = wanted.as_of, wanted.since, wanted.days
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
        .where(_lost(as_of, since), _in_reason_window(InteractionRow.occurred_at, days))
        .where(TagRow.speaker_role != "rep", TagRow.score >= wanted.min_tag_score)
        .where(TagRow.label.not_in(wanted.excluded))
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
        .where(_lost(as_of, since), _in_reason_window(RiskSignalRow.occurred_at, days))
        .where(RiskSignalRow.kind.not_in((*wanted.excluded, *TAG_LABELS)))  # tags: above, by name
    )
    return union_all(tags, signals).subquery("reasons")


def lost_customers(session: Session, as_of: datetime, since: datetime | None = None) -> int:
    query = select(func.count()).select_from(AccountRow).where(_lost(as_of, since))
    return int(session.execute(query).scalar_one())


def churn_reason_counts(
    session: Session, wanted: ReasonQuery, top: int, per_reason: int
) -> list[tuple[str, int, list[Evidence]]]:
    """The ``top`` reasons by customers lost (reason, customers, up to ``per_reason`` of its newest
    interactions)."""
    rows = _reason_rows(wanted)
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
    return [(reason, int(n), evidence.get(reason, [])) for reason, n in counted]


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
                convert.aware(row["occurred_at"]),
                row["text"],
            )
        )
    return found


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
