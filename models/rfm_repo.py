"""RFM segmentation in SQL (portfolio/rfm.py and portfolio/view.py read it): every active customer's recency,
frequency and monetary value, each scored 1-5 by quintile over the whole book, the named segment its scores fall
in (models/segments.py's rules become a CASE), its health band (the latest stored health snapshot at or before
``as_of``) and its behaviour tags (EXISTS subqueries). One statement on SQLite and PostgreSQL; Python only reads
the page it returns.

A quintile score is ``1 + 5 * (rank - 1) // n`` with rank over the value ascending (ties share a rank, so a
score): of ten customers with distinct values, the two lowest score 1 and the two highest 5. Recency ranks the
last contact (or payment) time, so the most recent scores 5; a customer never contacted (never paid) scores 1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    nulls_first,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from models.errors import InputError
from models.segments import BehaviourTag, Score, Segment, SegmentConfig
from models.tables import (
    AccountRow,
    CommercialEventRow,
    CustomerRow,
    HealthSnapshotRow,
    InteractionRow,
    InvoiceRow,
    SurveyResponseRow,
    TagRow,
    UsageEventRow,
)

__all__ = [
    "BANDS",
    "CustomerSegment",
    "SegmentFilter",
    "active_at",
    "book_counts",
    "classified",
    "segment_page",
    "value_segments",
]

BANDS: tuple[str, ...] = ("green", "yellow", "red")


@dataclass(frozen=True)
class SegmentFilter:
    """What the segment list is narrowed to; None: no filter. ``renewal_within``: renewing in that many days."""

    segment: str | None = None
    band: str | None = None
    owner: str | None = None
    tag: str | None = None
    renewal_within: int | None = None

    def problems(self, config: SegmentConfig) -> list[tuple[str, str]]:
        """(field, problem) for each segment, band or tag the configuration does not know."""
        found = []
        for field, value, known in (
            ("segment", self.segment, config.segment_names()),
            ("band", self.band, list(BANDS)),
            ("tag", self.tag, config.tag_names()),
        ):
            if value is not None and value not in known:
                found.append((field, f"unknown {field} {value!r} (one of {', '.join(known)})"))
        return found

    def check(self, config: SegmentConfig) -> None:
        """InputError naming the first filter the configuration does not know."""
        for field, problem in self.problems(config):
            raise InputError(f"{field}: {problem}")


@dataclass(frozen=True)
class CustomerSegment:
    customer_id: str
    name: str | None
    owner: str | None
    arr: float | None
    currency: str
    renewal_date: date | None
    last_at: datetime | None  # the last contact or payment the recency is measured from
    frequency: int
    monetary: float
    r: int
    f: int
    m: int
    segment: str | None
    band: str | None  # None: no health snapshot yet
    health: float | None
    tags: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: `callintel segments --json` and `GET /api/segments` give this per customer."""
        return {
            **{
                k: v
                for k, v in asdict(self).items()
                if k not in ("renewal_date", "last_at", "tags")
            },
            "renewal_date": self.renewal_date.isoformat() if self.renewal_date else None,
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "tags": list(self.tags),
        }


def active_at(moment: datetime) -> ColumnElement[bool]:
    """An account live at ``moment``: started by then (or no start date) and not churned by then."""
    return and_(
        or_(AccountRow.start_date.is_(None), AccountRow.start_date <= moment.date()),
        or_(
            AccountRow.status != "churned",
            AccountRow.status_at.is_(None),
            AccountRow.status_at > moment,
        ),
    )


def _last_and_recent(customer: Any, at: Any, recent: Any, as_of: datetime, since: datetime) -> Any:
    """Per customer: the last ``at`` up to as_of and the sum of ``recent`` after ``since``, in one pass."""
    return (
        select(
            customer.label("customer_id"),
            func.max(at).label("last"),
            func.sum(case((at > since, recent), else_=0)).label("recent"),
        )
        .where(at <= as_of)
        .group_by(customer)
        .subquery()
    )


def _values(config: SegmentConfig, as_of: datetime) -> tuple[Any, Any, Any, list[Any]]:
    """The last-time, frequency and monetary columns, and the grouped subqueries they come from (contacts,
    and payments, each read once however many of the three they give)."""
    since = as_of - timedelta(days=config.window_days)
    used: dict[str, Any] = {}
    if "contact" in (config.recency, config.frequency.removesuffix("s")):
        used["contacts"] = _last_and_recent(
            InteractionRow.customer_id, InteractionRow.occurred_at, 1, as_of, since
        )
    if "payment" in (config.recency, config.monetary.removesuffix("s")):
        used["payments"] = _last_and_recent(
            InvoiceRow.customer_id, InvoiceRow.paid_at, InvoiceRow.amount, as_of, since
        )
    if config.frequency == "purchases":
        when = CommercialEventRow.occurred_at
        kinds = CommercialEventRow.kind.in_(("purchase", "renewal"))
        used["purchases"] = _grouped(
            CommercialEventRow.customer_id, func.count(), kinds, when > since, when <= as_of
        )
    last = used["contacts" if config.recency == "contact" else "payments"].c.last
    if config.frequency == "contacts":
        freq = func.coalesce(used["contacts"].c.recent, 0)
    else:
        freq = func.coalesce(used["purchases"].c.value, 0)
    if config.monetary == "arr":
        money: Any = func.coalesce(AccountRow.arr, 0.0)
    else:
        money = func.coalesce(used["payments"].c.recent, 0.0)
    return last, freq, money, list(used.values())


def _grouped(key: Any, value: Any, *where: Any) -> Any:
    return (
        select(key.label("customer_id"), value.label("value"))
        .where(*where)
        .group_by(key)
        .subquery()
    )


def _quintile(column: Any, nulls_lowest: bool = False) -> Any:
    order = nulls_first(column.asc()) if nulls_lowest else column.asc()
    return 1 + (5 * (func.rank().over(order_by=order) - 1)) // func.count().over()


def _scored(config: SegmentConfig, as_of: datetime) -> CTE:
    last, freq, money, joins = _values(config, as_of)
    base_from: Any = AccountRow.__table__.join(
        CustomerRow, CustomerRow.id == AccountRow.customer_id
    )
    for sub in joins:
        base_from = base_from.outerjoin(sub, sub.c.customer_id == AccountRow.customer_id)
    base = (
        select(
            AccountRow.customer_id,
            CustomerRow.name,
            AccountRow.owner,
            AccountRow.arr,
            AccountRow.currency,
            AccountRow.start_date,
            AccountRow.renewal_date,
            last.label("last_at"),
            freq.label("frequency"),
            money.label("monetary"),
        )
        .select_from(base_from)
        .where(active_at(as_of))
        .cte("rfm_base")
    )
    return select(
        base,
        _quintile(base.c.last_at, nulls_lowest=True).label("r"),
        _quintile(base.c.frequency).label("f"),
        _quintile(base.c.monetary).label("m"),
    ).cte("rfm_scored")


def _within(column: Any, score: Score | None) -> list[Any]:
    return [] if score is None else [column.between(score.low, score.high)]


def _rule(scored: CTE, segment: Segment, as_of: datetime) -> list[Any]:
    conditions = [
        *_within(scored.c.r, segment.r),
        *_within(scored.c.f, segment.f),
        *_within(scored.c.m, segment.m),
    ]
    if segment.tenure_days_max is not None:
        newest = as_of.date() - timedelta(days=segment.tenure_days_max)
        conditions.append(scored.c.start_date >= newest)
    return conditions


def _segment_case(scored: CTE, config: SegmentConfig, as_of: datetime) -> Any:
    whens: list[tuple[Any, str]] = []
    for segment in config.segments:
        conditions = _rule(scored, segment, as_of)
        if not conditions:  # no bound: everyone not yet named
            return case(*whens, else_=literal(segment.name)) if whens else literal(segment.name)
        whens.append((and_(*conditions), segment.name))
    return case(*whens, else_=None)


def _tag_column(customer: Any, tag: BehaviourTag, as_of: datetime) -> Any:
    since = as_of - timedelta(days=tag.within_days)
    held = []
    if tag.page is not None:
        at = UsageEventRow.occurred_at
        page = UsageEventRow.properties["page"].as_string()
        held.append(
            exists().where(
                UsageEventRow.customer_id == customer,
                UsageEventRow.kind == "page_visit",
                at > since,
                at <= as_of,
                page.contains(tag.page, autoescape=True),
            )
        )
    if tag.labels:
        at = InteractionRow.occurred_at
        # the customer's interactions, then their tags by interaction: ``label || ''`` keeps SQLite from
        # scanning the label index instead (every tag of that label in the book, once per customer)
        tagged = exists().where(
            TagRow.interaction_id == InteractionRow.id,
            TagRow.label.concat("").in_(tag.labels),
            TagRow.speaker_role != "rep",
        )
        held.append(
            exists().where(InteractionRow.customer_id == customer, at > since, at <= as_of, tagged)
        )
    if tag.nps is not None:
        at = SurveyResponseRow.responded_at
        held.append(
            exists().where(
                SurveyResponseRow.customer_id == customer,
                SurveyResponseRow.kind == "nps",
                SurveyResponseRow.score.between(*tag.nps),
                at > since,
                at <= as_of,
            )
        )
    return case((or_(*held), 1), else_=0).label(f"tag_{tag.name}")


def classified(config: SegmentConfig, as_of: datetime) -> CTE:
    """Every active customer with its values, scores, segment, band, health and a 0/1 column per tag."""
    scored = _scored(config, as_of)
    # the latest snapshot at or before as_of, found per customer through the (customer_id, as_of) unique index
    older = aliased(HealthSnapshotRow)
    latest = (
        select(func.max(older.as_of))
        .where(older.customer_id == scored.c.customer_id, older.as_of <= as_of)
        .scalar_subquery()
    )
    snapshot = and_(
        HealthSnapshotRow.customer_id == scored.c.customer_id, HealthSnapshotRow.as_of == latest
    )
    return (
        select(
            scored,
            _segment_case(scored, config, as_of).label("segment"),
            HealthSnapshotRow.band,
            HealthSnapshotRow.score.label("health"),
            *(_tag_column(scored.c.customer_id, tag, as_of) for tag in config.tags),
        )
        .select_from(scored.outerjoin(HealthSnapshotRow, snapshot))
        .cte("rfm_classified")
    )


def _filtered(rows: CTE, wanted: SegmentFilter, as_of: datetime) -> Select[Any]:
    query = select(rows, func.count().over().label("total"))
    if wanted.segment is not None:
        query = query.where(rows.c.segment == wanted.segment)
    if wanted.band is not None:
        query = query.where(rows.c.band == wanted.band)
    if wanted.owner is not None:
        query = query.where(rows.c.owner == wanted.owner)
    if wanted.tag is not None:
        query = query.where(rows.c[f"tag_{wanted.tag}"] == 1)
    if wanted.renewal_within is not None:
        today = as_of.date()
        until = today + timedelta(days=wanted.renewal_within)
        query = query.where(rows.c.renewal_date.between(today, until))
    return query


def segment_page(
    session: Session,
    config: SegmentConfig,
    as_of: datetime,
    wanted: SegmentFilter,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[CustomerSegment]]:
    """(how many customers match, one page of them): most valuable first (monetary, then id). The filter's
    names are the caller's to check (SegmentFilter.check)."""
    rows = classified(config, as_of)
    query = _filtered(rows, wanted, as_of).order_by(rows.c.monetary.desc(), rows.c.customer_id)
    found = session.execute(query.limit(limit).offset(offset)).mappings().all()
    total = found[0]["total"] if found else _count(session, rows, wanted, as_of)
    return total, [_record(row, config) for row in found]


def value_segments(session: Session, config: SegmentConfig, as_of: datetime) -> dict[str, str]:
    """Each active customer's named RFM segment at ``as_of`` (customer id -> segment name)."""
    rows = classified(config, as_of)
    found = session.execute(select(rows.c.customer_id, rows.c.segment)).all()
    return {customer_id: segment for customer_id, segment in found}


def book_counts(
    session: Session, config: SegmentConfig, as_of: datetime, no_band: str
) -> list[tuple[str, str, int, float]]:
    """(segment, band, active customers, their ARR) per segment and band ("-": no segment, ``no_band``: no
    health snapshot yet), grouped in SQL."""
    rows = classified(config, as_of)
    segment = func.coalesce(rows.c.segment, "-")
    band = func.coalesce(rows.c.band, no_band)
    query = select(
        segment.label("segment"),
        band.label("band"),
        func.count().label("n"),
        func.coalesce(func.sum(rows.c.arr), 0.0).label("arr"),
    ).group_by(segment, band)
    return [(s, b, int(n), float(a)) for s, b, n, a in session.execute(query).all()]


def _count(session: Session, rows: CTE, wanted: SegmentFilter, as_of: datetime) -> int:
    """The number matching when the page is empty (an offset past the end)."""
    counted = _filtered(rows, wanted, as_of).subquery()
    return int(session.execute(select(func.count()).select_from(counted)).scalar_one())


def _record(row: Any, config: SegmentConfig) -> CustomerSegment:
    return CustomerSegment(
        customer_id=row["customer_id"],
        name=row["name"],
        owner=row["owner"],
        arr=row["arr"],
        currency=row["currency"],
        renewal_date=row["renewal_date"],
        last_at=row["last_at"],
        frequency=int(row["frequency"]),
        monetary=float(row["monetary"]),
        r=int(row["r"]),
        f=int(row["f"]),
        m=int(row["m"]),
        segment=row["segment"],
        band=row["band"],
        health=row["health"],
        tags=tuple(t.name for t in config.tags if row[f"tag_{t.name}"]),
    )
