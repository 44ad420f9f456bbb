"""Filtered, paged reads done in SQL: the interaction list and the flagged queue.

The database filters, counts, orders and cuts the page; only the page's rows are read and converted, however
many interactions the store holds. ``api/service.py`` serves these to the HTTP API and the dashboard.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float

from models import convert
from models.accounts import Account
from models.current_health import BAND_RANK, UNKNOWN_RANK, Cursor, band_rank
from models.keyset import NewestFirst, QueuePlace
from models.records import Interaction, RiskSignal
from models.store import FlaggedInteraction, Severity, Store
from models.tables import (
    AccountRow,
    CustomerHealthRow,
    CustomerRow,
    HealthSnapshotRow,
    InteractionCountRow,
    InteractionRow,
    QueueReviewRow,
    RiskSignalRow,
    TagRow,
)

__all__ = [
    "BANDS",
    "Cursor",
    "FlagFilter",
    "HealthFilter",
    "Ranking",
    "Slice",
    "StoredHealth",
    "flagged_page",
    "at_risk_order",
    "current_keys",
    "current_rows",
    "customer_health",
    "health_page",
    "health_rows",
    "interactions_page",
    "interactions_query",
]

T = TypeVar("T")
RARE_KIND = 1_000  # a kind with fewer interactions: the queue starts from them (kind_is_rare)


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One page of a longer list: ``total`` rows matched, ``items`` are those from the offset on;
    ``next_cursor``: where the next page starts, for a list paged by keyset (None: this is the last page)."""

    total: int
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class FlagFilter:
    """What the flagged queue is narrowed to; None: no filter. Times are UTC (naive ones read as UTC)."""

    label: str | None = None
    rep: str | None = None
    customer: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: float = 0.0
    kind: str | None = "call"
    include_reviewed: bool = False
    mine: str | None = None  # only this rep's calls and those assigned to them


@dataclass(frozen=True)
class Ranking:
    """How the queue ranks: severity = weight × score × recency × value, highest first.

    weight: the label's risk weight (risk.yaml ``tags:``; ``default_weight`` for a label not there);
    score: the tag's score; recency: 0.5 ** (age in days / half_life_days) as of ``as_of`` (1 for a call
    dated after it); value: 1 + log10(1 + ARR / 10,000) where the account's ARR is known, else 1.
    """

    weights: Mapping[str, float] = field(default_factory=dict)
    half_life_days: float = 30.0
    as_of: datetime = field(default_factory=lambda: datetime.now(UTC))
    default_weight: float = 1.0


def _where(
    kind: str | None = None,
    rep: str | None = None,
    customer: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ColumnElement[bool]]:
    found = [
        InteractionRow.kind == kind if kind else None,
        InteractionRow.rep == rep if rep is not None else None,
        InteractionRow.customer_id == customer if customer is not None else None,
        InteractionRow.occurred_at >= since if since is not None else None,
        InteractionRow.occurred_at <= until if until is not None else None,
    ]
    return [clause for clause in found if clause is not None]


def interactions_query(
    customer: str | None = None, kind: str | None = None, rep: str | None = None
) -> Select:
    """The interaction list's rows, newest first (an index per filter: models/tables.py, migration 0011)."""
    query = select(InteractionRow).where(*_where(kind, rep, customer or None))
    return query.order_by(InteractionRow.occurred_at.desc(), InteractionRow.id.desc())


def interactions_page(
    store: Store,
    customer: str | None = None,
    kind: str | None = None,
    rep: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: NewestFirst | None = None,
) -> Slice[Interaction]:
    """Interactions newest first, narrowed by customer, kind and rep; after ``cursor`` (keyset: one range of
    the filter's index), then ``offset``; ``next_cursor`` on a full page."""
    where = _where(kind, rep, customer or None)
    query = interactions_query(customer, kind, rep)
    if cursor is not None:
        query = query.where(cursor.after(InteractionRow.occurred_at, InteractionRow.id))
    with store.transaction() as session:
        total = _interaction_total(session, kind, where, kept=rep is None and not customer)
        rows = list(session.scalars(query.limit(limit).offset(offset)))
        full = rows and len(rows) == limit
        last = NewestFirst(rows[-1].occurred_at, rows[-1].id).encode() if full else None
        return Slice(total, [convert.interaction(row) for row in rows], last)


def _interaction_total(
    session: Session, kind: str | None, where: list[ColumnElement[bool]], kept: bool
) -> int:
    """How many interactions match: with no filter but the kind (``kept``), the kept totals (migration 0014:
    the database keeps them, whoever writes); a customer's or a rep's, counted (an index range)."""
    if not kept:
        counted = select(func.count()).select_from(InteractionRow).where(*where)
        return session.scalar(counted) or 0
    total = select(func.coalesce(func.sum(InteractionCountRow.n), 0))
    if kind:
        total = total.where(InteractionCountRow.kind == kind)
    return session.scalar(total) or 0


class _AgeDays(FunctionElement[float]):
    """Days from a timestamp column to a moment, as a float, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True


@compiles(_AgeDays, "sqlite")
def _age_sqlite(element: _AgeDays, compiler: Any, **kw: Any) -> str:
    moment, column = list(element.clauses)
    return f"(julianday({compiler.process(moment, **kw)}) - julianday({compiler.process(column, **kw)}))"


@compiles(_AgeDays)
def _age_default(element: _AgeDays, compiler: Any, **kw: Any) -> str:
    moment, column = list(element.clauses)
    delta = f"({compiler.process(moment, **kw)} - {compiler.process(column, **kw)})"
    return f"(EXTRACT(EPOCH FROM {delta}) / 86400.0)"


def moment_value(as_of: datetime, dialect: str) -> str | datetime:
    """``as_of`` as the value the dialect's date arithmetic reads (UTC, as the store writes times)."""
    moment = as_of.astimezone(UTC) if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else moment


def _moment(as_of: datetime, dialect: str) -> Any:
    """``as_of`` as a literal (``moment_value``)."""
    return literal(moment_value(as_of, dialect))


def _positive(value: Any) -> Any:
    return case((value > 0, value), else_=0.0)


def _weight(ranking: Ranking) -> ColumnElement[float]:
    whens = [(TagRow.label == label, float(w)) for label, w in sorted(ranking.weights.items())]
    if not whens:
        return literal(ranking.default_weight, Float())
    return case(*whens, else_=ranking.default_weight)


def _customer_tag(min_score: float) -> list[ColumnElement[bool]]:
    """Flags count from customer utterances only: any speaker but the rep (unknown counts as customer)."""
    return [TagRow.score >= min_score, TagRow.speaker_role != "rep"]


def _flags(wanted: FlagFilter, ranking: Ranking, rare_kind: bool, only: Any = None) -> Any:
    """Per interaction with customer flags: its strongest weight × score and its tag count, from the tags
    alone (one pass over them, grouped by the interaction's index), before any interaction is looked up;
    with ``rare_kind``, only the tags of the kind's interactions (its index gives them, each one's tags are
    looked up by the interaction)."""
    flags = select(
        TagRow.interaction_id.label("id"),
        func.max(_weight(ranking) * TagRow.score).label("strongest"),
        func.count().label("tags"),
    ).where(*_customer_tag(wanted.min_score))
    if wanted.label is not None:
        labelled = select(TagRow.interaction_id).where(
            TagRow.label == wanted.label, *_customer_tag(wanted.min_score)
        )
        flags = flags.where(TagRow.interaction_id.in_(labelled))
    if rare_kind:
        of_kind = select(InteractionRow.id).where(InteractionRow.kind == wanted.kind)
        flags = flags.where(TagRow.interaction_id.in_(of_kind))
    if only is not None:  # these interactions' flags only (a selection of ids)
        flags = flags.where(TagRow.interaction_id.in_(only))
    return flags.group_by(TagRow.interaction_id).subquery("flags")


def kind_is_rare(session: Session, kind: str | None) -> bool:
    """Whether the kind has fewer than RARE_KIND interactions (an index range of at most that many entries):
    then the queue starts from them, not from every flag (SQLite, which plans without statistics)."""
    if not kind:
        return False
    some = select(literal(1)).where(InteractionRow.kind == kind).limit(RARE_KIND).subquery()
    return (session.scalar(select(func.count()).select_from(some)) or 0) < RARE_KIND


def recency_at(ranking: Ranking, dialect: str, occurred_at: Any) -> ColumnElement[float]:
    """0.5 ** (age in days / half-life) as of the ranking's moment; 1 for a time after it."""
    half_life = literal(ranking.half_life_days, Float())
    return recency_of(_moment(ranking.as_of, dialect), half_life, occurred_at)


def recency_of(moment: Any, half_life: Any, occurred_at: Any) -> ColumnElement[float]:
    """``recency_at`` with the moment (``moment_value``) and the half-life as expressions (bound parameters)."""
    return func.power(0.5, _positive(_AgeDays(moment, occurred_at)) / half_life)


def account_value(arr: Any) -> ColumnElement[float]:
    """1 + log10(1 + ARR / 10,000), 1 where the ARR is unknown (log() is base 10 on both backends)."""
    return 1.0 + func.coalesce(func.log(1.0 + _positive(arr) / 10000.0), 0.0)


def _ranked(wanted: FlagFilter, ranking: Ranking, dialect: str, rare_kind: bool = False) -> Select:
    """Per flagged interaction of the filter: its strongest weight × score, tag count, time, recency, value
    and severity; the interaction, its account and review looked up once per flagged interaction, after the
    tags are grouped. On SQLite the kind is matched as ``kind || ''``, which no index serves: a kind holds
    most interactions, and SQLite (without statistics) would walk every one of the kind, where flags are few;
    a ``rare_kind`` (``kind_is_rare()``) is read from its index instead, where the kind's interactions are few."""
    where = _where(None, wanted.rep, wanted.customer, wanted.since, wanted.until)
    if wanted.kind:
        kind = InteractionRow.kind.concat("") if dialect == "sqlite" else InteractionRow.kind
        where.append(kind == wanted.kind)
    if not wanted.include_reviewed:
        where.append(QueueReviewRow.reviewed_at.is_(None))
    if wanted.mine is not None:
        where.append(or_(InteractionRow.rep == wanted.mine, QueueReviewRow.assignee == wanted.mine))
    recency = recency_at(ranking, dialect, InteractionRow.occurred_at)
    value = account_value(AccountRow.arr)
    flags = _flags(wanted, ranking, rare_kind)
    return (
        select(
            flags.c.id,
            flags.c.strongest,
            flags.c.tags,
            InteractionRow.occurred_at,
            recency.label("recency"),
            value.label("value"),
            (flags.c.strongest * recency * value).label("severity"),
        )
        .select_from(flags)
        .join(InteractionRow, InteractionRow.id == flags.c.id)
        .outerjoin(AccountRow, AccountRow.customer_id == InteractionRow.customer_id)
        .outerjoin(QueueReviewRow, QueueReviewRow.interaction_id == InteractionRow.id)
        .where(*where)
    )


def _flagged(row: Any, tags: list[Any], ranking: Ranking) -> FlaggedInteraction:
    """A queue row from its page row (``page_columns``: the ranked columns, the interaction's, the review's)."""

    def weight(tag: Any) -> float:  # a tags row (queue_slice)
        return float(ranking.weights.get(tag.label, ranking.default_weight))

    top = max(tags, key=lambda t: (weight(t) * t.score, t.score, -t.utterance_index))
    severity = Severity(
        total=float(row.severity),
        weight=weight(top),
        score=top.score,
        recency=float(row.recency),
        value=float(row.value),
    )
    return FlaggedInteraction(
        convert.interaction(row),
        dict(sorted(Counter(t.label for t in tags).items())),
        convert.tag(top),
        severity,
        row.assignee,
        row.reviewed_at,
        row.reviewed_by,
    )


def flagged_page(
    store: Store,
    wanted: FlagFilter,
    limit: int | None = 50,
    offset: int = 0,
    ranking: Ranking | None = None,
    cursor: QueuePlace | None = None,
) -> Slice[FlaggedInteraction]:
    """The flagged queue, most severe first (then most customer flags, then oldest); reviewed calls hidden
    unless ``wanted.include_reviewed``. After ``cursor`` (ranked at its moment, not ``ranking``'s), then
    ``offset``; ``next_cursor`` on a full page. The ranking is cut to the page before the page's interactions
    are read: the sort holds the ranked keys only, and only the page's rows are joined to their interaction."""
    ranking = replace(ranking or Ranking(), as_of=cursor.as_of) if cursor else ranking or Ranking()
    dialect = store.engine.dialect.name
    with store.transaction() as session:
        rare = dialect == "sqlite" and kind_is_rare(session, wanted.kind)
        # ranked once (a materialised CTE) for the page and its count, not once for each
        ranked = _ranked(wanted, ranking, dialect, rare).cte("ranked").prefix_with("MATERIALIZED")
        total = select(func.count()).select_from(ranked).scalar_subquery().label("total")
        rows = list(session.execute(_queue_page(ranked, total, limit, offset, cursor)))
        if rows or offset or cursor:
            counted = rows[0].total if rows else session.scalar(select(total))
        else:  # the first page is empty: nothing matches
            counted = 0
        return queue_slice(session, rows, counted or 0, wanted, ranking, limit)


def queue_slice(
    session: Session,
    rows: list[Any],
    total: int,
    wanted: FlagFilter,
    ranking: Ranking,
    limit: int | None,
) -> Slice[FlaggedInteraction]:
    """A queue page from its ranked rows (``page_columns``): each row's customer tags read in one query, its
    strongest flag and severity; ``next_cursor`` on a full page."""
    tags: dict[str, list[Any]] = {row.id: [] for row in rows}
    found = select(
        *TagRow.__table__.c
    ).where(  # plain rows: a tag's fields read without the ORM's objects
        TagRow.interaction_id.in_(list(tags)), *_customer_tag(wanted.min_score)
    )
    for tag in session.execute(found) if rows else ():
        tags[tag.interaction_id].append(tag)
    items = [_flagged(r, tags[r.id], ranking) for r in rows]
    return Slice(total, items, _queue_next(rows, limit, ranking.as_of))


def _queue_page(
    ranked: Any, total: Any, limit: int | None, offset: int, cursor: QueuePlace | None
) -> Select:
    """The page of the ranking, then its interactions and reviews: only the page's rows are joined."""
    cut = select(ranked, total).order_by(*_queue_order(ranked.c)).offset(offset)
    cut = cut.where(cursor.after(*_queue_keys(ranked.c))) if cursor else cut
    top = (cut if limit is None else cut.limit(limit)).subquery("top")
    return page_columns(top).order_by(*_queue_order(top.c))


def page_columns(top: Any) -> Select:
    """A ranked page's rows (``top``: id, strongest, tags, occurred_at, recency, value, severity...) with their
    interaction's other columns and their review's, as plain rows (no ORM objects: what ``queue_slice`` reads)."""
    i, review = InteractionRow, QueueReviewRow
    interaction = (i.customer_id, i.kind, i.source, i.sha256, i.rep, i.title, i.meta.label("meta"))
    reviewed = (review.assignee, review.reviewed_at, review.reviewed_by)
    return (
        select(top, *interaction, *reviewed)
        .select_from(top)
        .join(i, i.id == top.c.id)
        .outerjoin(review, review.interaction_id == top.c.id)
    )


def _queue_keys(c: Any) -> tuple[Any, Any, Any, Any]:
    """The queue's order's columns of a ranked selection: severity, tag count, time, id."""
    return (c.severity, c.tags, c.occurred_at, c.id)


def _queue_order(c: Any) -> tuple[Any, ...]:
    severity, tags, occurred_at, id_ = _queue_keys(c)
    return (severity.desc(), tags.desc(), occurred_at, id_)


def _queue_next(rows: list[Any], limit: int | None, as_of: datetime) -> str | None:
    if not rows or limit is None or len(rows) < limit:
        return None
    last = rows[-1]
    return QueuePlace(as_of, last.severity, last.tags, last.occurred_at, last.id).encode()


# -- F: the at-risk list read from the stored health (issue 19) ---------------------------------------------

BANDS = (*BAND_RANK, "unknown")


@dataclass(frozen=True)
class StoredHealth:
    """A customer's latest stored evaluation at or before a moment (the risk stage and ``alerts --refresh``
    write them: risk/engine.py record) with its signals and the points each took off, the account and the
    last contact; ``as_of`` None and band ``unknown``: not evaluated by then."""

    customer_id: str
    name: str | None
    account: Account | None
    last_contact: datetime | None
    as_of: datetime | None
    score: float | None
    band: str
    breakdown: dict[str, float]
    raw_risk: float
    churned: bool
    signals: list[tuple[RiskSignal, float]]


def _latest(moment: datetime) -> Any:
    """Each customer's latest evaluation at or before ``moment`` (the (customer_id, as_of) index answers)."""
    return (
        select(HealthSnapshotRow.customer_id, func.max(HealthSnapshotRow.as_of).label("as_of"))
        .where(HealthSnapshotRow.as_of <= bindparam("moment", moment))
        .group_by(HealthSnapshotRow.customer_id)
        .subquery()
    )


@dataclass(frozen=True)
class HealthFilter:
    """What the at-risk list is narrowed to; None: no filter."""

    band: str | None = None
    owner: str | None = None


def health_rows(moment: datetime, wanted: HealthFilter) -> Select:
    """The list from the snapshots themselves, for a moment before some customer's current evaluation:
    (customer id, latest snapshot id at or before ``moment`` or None, then the order's keys)."""
    latest = _latest(moment)
    keys = snapshot_keys()
    query = (
        select(CustomerRow.id, HealthSnapshotRow.id, *keys)
        .outerjoin(latest, latest.c.customer_id == CustomerRow.id)
        .outerjoin(
            HealthSnapshotRow,
            and_(
                HealthSnapshotRow.customer_id == latest.c.customer_id,
                HealthSnapshotRow.as_of == latest.c.as_of,
            ),
        )
        .outerjoin(AccountRow, AccountRow.customer_id == CustomerRow.id)
        .where(or_(HealthSnapshotRow.churned.is_(None), HealthSnapshotRow.churned.is_(false())))
    )
    if wanted.band is not None:
        query = query.where(keys[0] == _band_param(wanted.band))
    if wanted.owner is None:
        return query
    return query.where(AccountRow.owner == _owner_param(wanted.owner))


# The list's statements name their values (the moment, the filter's, the page's), so that one built for a
# request's shape serves the next of that shape with its own values (models/risk_lines.py ``_statements``).
def _band_param(band: str) -> BindParameter[int]:
    return bindparam("band_rank", band_rank(band))


def _owner_param(owner: str) -> BindParameter[str]:
    return bindparam("owner", owner)


def snapshot_keys() -> tuple[Any, Any, Any, Any]:
    rank = case(BAND_RANK, value=HealthSnapshotRow.band, else_=UNKNOWN_RANK)
    arr = func.coalesce(AccountRow.arr, 0.0)
    return rank, arr, func.coalesce(HealthSnapshotRow.raw_risk, 0.0), CustomerRow.id


def current_rows(wanted: HealthFilter) -> Select:
    """The list from each customer's current-health row (models/current_health.py): (customer id, snapshot
    id or None, then the order's keys); in the at-risk order it is one range of ix_customer_health_order (or
    _owner, narrowed to an owner)."""
    h = CustomerHealthRow
    query = select(h.customer_id, h.snapshot_id, *current_keys()).where(h.churned == false())
    if wanted.band is not None:
        query = query.where(h.band_rank == _band_param(wanted.band))
    if wanted.owner is None:
        return query
    return query.where(h.owner == _owner_param(wanted.owner))


def current_keys() -> tuple[Any, Any, Any, Any]:
    h = CustomerHealthRow
    return h.band_rank, h.arr, h.raw_risk, h.customer_id


def at_risk_order(query: Select, keys: tuple[Any, Any, Any, Any]) -> Select:
    """risk.health.at_risk_key in SQL: band (red first, unknown last), ARR, raw risk (largest first), id."""
    rank, arr, raw_risk, customer_id = keys
    return query.order_by(rank, arr.desc(), raw_risk.desc(), customer_id)


# The page's own rows, read by prebuilt statements over an expanding list of ids: SQLAlchemy reuses a statement
# built once, where one built on each request costs it more than the reads (it matches the cached
# compilation's columns to the new statement's), and plain rows cost less than ORM objects.
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_ACCOUNT_COLUMNS = [c for c in AccountRow.__table__.columns if c.key != "updated_at"]
_WHO = (
    select(CustomerRow.id, CustomerRow.name, *_ACCOUNT_COLUMNS)
    .outerjoin(AccountRow, AccountRow.customer_id == CustomerRow.id)
    .where(CustomerRow.id.in_(_IDS))
)
_SNAPSHOTS = select(
    HealthSnapshotRow.id,
    HealthSnapshotRow.as_of,
    HealthSnapshotRow.score,
    HealthSnapshotRow.band,
    HealthSnapshotRow.breakdown,
    HealthSnapshotRow.raw_risk,
    HealthSnapshotRow.churned,
).where(HealthSnapshotRow.id.in_(_IDS))
_SIGNAL_FIELDS = list(RiskSignal.model_fields)
_SIGNALS = (
    select(*(getattr(RiskSignalRow, name) for name in _SIGNAL_FIELDS), RiskSignalRow.points)
    .where(RiskSignalRow.customer_id.in_(_IDS))
    .order_by(RiskSignalRow.id)
)
_LAST_CONTACTS = (
    select(InteractionRow.customer_id, func.max(InteractionRow.occurred_at))
    .where(InteractionRow.customer_id.in_(_IDS))
    .group_by(InteractionRow.customer_id)
)
Reader = (
    Session | Connection
)  # an ORM session or a plain connection (Store.reading): Core reads only


def _account(row: Any, name: str | None) -> Account | None:
    """The account of a ``_WHO`` row (customer id, name, then the account's columns), None when it has none."""
    if row is None or row[2] is None:
        return None
    columns = dict(zip((c.key for c in _ACCOUNT_COLUMNS), row[2:], strict=True))
    return Account.model_validate({**columns, "name": name})


def _signals(session: Reader, ids: list[str]) -> dict[str, list[tuple[RiskSignal, float]]]:
    """The stored signals of these customers' latest evaluation, largest contribution first (stored order)."""
    found: dict[str, list[tuple[RiskSignal, float]]] = {i: [] for i in ids}
    for *values, points in session.execute(_SIGNALS, {"ids": ids}).all():
        fields = dict(zip(_SIGNAL_FIELDS, values, strict=True))
        signal = RiskSignal.model_validate(
            fields
        )  # pydantic-core's validation: faster than model_construct
        found[signal.customer_id].append((signal, points or 0.0))
    return found


def _last_contacts(session: Reader, ids: list[str]) -> dict[str, datetime]:
    return {
        customer_id: moment
        for customer_id, moment in session.execute(_LAST_CONTACTS, {"ids": ids}).all()
    }


def _page_rows(session: Reader, keys: list[Any]) -> list[tuple[Any, ...]]:
    """(customer id, name, who row, snapshot row) of each key, in the keys' order: by primary key."""
    ids = [customer_id for customer_id, *_ in keys]
    who = {row[0]: row for row in session.execute(_WHO, {"ids": ids}).all()}
    wanted = [snapshot for _, snapshot, *_ in keys if snapshot is not None]
    snapshots = {row.id: row for row in session.execute(_SNAPSHOTS, {"ids": wanted}).all()}
    return [
        (c, who[c][1] if c in who else None, who.get(c), snapshots.get(h) if h else None)
        for c, h, *_ in keys
    ]


def _stored_health(
    row: Any, signals: dict[str, list[tuple[RiskSignal, float]]], last: dict[str, datetime]
) -> StoredHealth:
    customer_id, name, account, snapshot = row
    return StoredHealth(
        customer_id,
        name,
        _account(account, name),
        last.get(customer_id),
        snapshot.as_of if snapshot else None,
        snapshot.score if snapshot else None,
        snapshot.band if snapshot else "unknown",
        dict(snapshot.breakdown or {}) if snapshot else {},
        snapshot.raw_risk or 0.0 if snapshot else 0.0,
        bool(snapshot.churned) if snapshot else False,
        signals[customer_id] if snapshot else [],
    )


def page_cursor(keys: list[Any], limit: int | None) -> str | None:
    if limit is None or len(keys) < limit:
        return None
    rank, arr, raw_risk, customer_id = keys[-1][2:6]
    return Cursor(int(rank), float(arr), float(raw_risk), str(customer_id)).encode()


def health_page(
    store: Store,
    moment: datetime,
    wanted: HealthFilter | None = None,
    limit: int | None = None,
    offset: int = 0,
    cursor: Cursor | None = None,
    from_snapshots: bool = False,
) -> Slice[StoredHealth]:
    """The at-risk list from the stored health, riskiest first: each customer's latest evaluation at or before
    ``moment``, churned customers (outcomes) left out, customers never evaluated by then ``unknown`` and last.
    Read from the current-health rows (an index range) unless someone was evaluated after ``moment`` or
    ``from_snapshots`` asks for the snapshots themselves (the list before 0013: the benchmark's baseline). The
    page starts after ``cursor`` (a page's ``next_cursor``), then skips ``offset``; only its signals are read."""
    wanted = wanted or HealthFilter()
    from models.risk_lines import page_keys  # which imports this module

    with store.reading() as session:  # Core reads: no ORM session
        found = page_keys(session, moment, wanted, limit, offset, cursor, from_snapshots)
        rows = _page_rows(session, found.items)
        ids = [row[0] for row in rows]
        signals, last = _signals(session, ids), _last_contacts(session, ids)
        items = [_stored_health(row, signals, last) for row in rows]
        return Slice(found.total, items, found.next_cursor)


# -- C: one customer's stored health (issue 19; its history of evaluations: models/current_health.py) -----


def customer_health(store: Store, customer_id: str, moment: datetime) -> StoredHealth:
    """The customer's latest stored evaluation at or before ``moment`` with its signals, as a row of the
    at-risk list shows it (``unknown`` when none); by the (customer, as_of) index, nothing recomputed."""
    latest = (
        select(HealthSnapshotRow.id)
        .where(HealthSnapshotRow.customer_id == customer_id, HealthSnapshotRow.as_of <= moment)
        .order_by(HealthSnapshotRow.as_of.desc())
        .limit(1)
    )
    with store.reading() as session:
        rows = _page_rows(session, [(customer_id, session.scalar(latest))])
        signals, last = _signals(session, [customer_id]), _last_contacts(session, [customer_id])
        return _stored_health(rows[0], signals, last)
