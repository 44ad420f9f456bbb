"""Filtered, paged reads done in SQL: the interaction list and the flagged queue (the at-risk list's page:
models/health_pages.py).

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
    any_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float

from models import convert
from models.keyset import NewestFirst, QueuePlace
from models.store import FlaggedInteraction, Severity, Store
from models.tables import (
    AccountRow,
    InteractionCountRow,
    InteractionRow,
    QueueReviewRow,
    TagRow,
)

__all__ = [
    "FlagFilter",
    "InteractionLine",
    "LINE_COLUMNS",
    "Ranking",
    "Slice",
    "flagged_page",
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


@dataclass(frozen=True, slots=True)
class InteractionLine:
    """An interaction of the list as stored: ``models.records.Interaction``'s fields in its order, with the values
    its validation gives (``occurred_at`` aware UTC), so that the same serialiser writes the same JSON, read as
    plain columns without the ORM's row or the record's validation."""

    id: str
    customer_id: str
    kind: str
    occurred_at: datetime
    source: str
    sha256: str
    rep: str | None
    title: str | None
    metadata: dict[str, Any]


_I = InteractionRow
LINE_COLUMNS = (
    _I.id,
    _I.customer_id,
    _I.kind,
    _I.occurred_at,
    _I.source,
    _I.sha256,
    _I.rep,
    _I.title,
    _I.meta,
)


def interactions_query(
    customer: str | None = None, kind: str | None = None, rep: str | None = None
) -> Select:
    """The interaction list's rows (``LINE_COLUMNS``), newest first (an index per filter: models/tables.py,
    migration 0011)."""
    query = select(*LINE_COLUMNS).where(*_where(kind, rep, customer or None))
    return query.order_by(InteractionRow.occurred_at.desc(), InteractionRow.id.desc())


def interactions_page(
    store: Store,
    customer: str | None = None,
    kind: str | None = None,
    rep: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: NewestFirst | None = None,
) -> Slice[InteractionLine]:
    """Interactions newest first, narrowed by customer, kind and rep; after ``cursor`` (keyset: one range of
    the filter's index), then ``offset``; ``next_cursor`` on a full page. Read on a Core connection, as
    records (``InteractionLine``)."""
    where = _where(kind, rep, customer or None)
    query = interactions_query(customer, kind, rep)
    if cursor is not None:
        query = query.where(cursor.after(InteractionRow.occurred_at, InteractionRow.id))
    query = query.limit(limit).offset(offset)
    if offset and store.engine.dialect.name == "postgresql":
        query = skipped_by_index(query)
    with store.reading() as connection:
        total_of = _interaction_total(kind, where, kept=rep is None and not customer)
        found, total = page_and_total(connection, query, total_of)
        rows = [_line(*row) for row in found]
        full = rows and len(rows) == limit
        last = NewestFirst(rows[-1].occurred_at, rows[-1].id).encode() if full else None
        return Slice(total, rows, last)


def page_and_total(
    reads: Connection | Session, page: Select, total: Select
) -> tuple[list[Any], int]:
    """A page's rows (``page``'s columns) and the filter's total (``total``: one value) in one statement,
    the total an uncorrelated scalar subquery (computed once) as a last column; counted alone only when the
    page is empty (an offset or a cursor past the end)."""
    rows = reads.execute(page.add_columns(total.scalar_subquery().label("total"))).all()
    if not rows:
        return [], reads.scalar(total) or 0
    return [row[:-1] for row in rows], int(rows[0][-1] or 0)


def _line(
    id: str,
    customer_id: str,
    kind: str,
    occurred_at: datetime,
    source: str,
    sha256: str,
    rep: str | None,
    title: str | None,
    metadata: dict[str, Any] | None,
) -> InteractionLine:
    """A row of ``LINE_COLUMNS`` as its record (no metadata: an empty mapping, as ``convert.interaction``)."""
    return InteractionLine(
        id, customer_id, kind, occurred_at, source, sha256, rep, title, metadata or {}
    )


def skipped_by_index(page: Select) -> Select:
    """PostgreSQL: an interaction list's page at an offset (``page``: its rows, limit and offset) as the page's ids
    read from the filter's (filter, time, id) index alone, then their rows looked up by id. Read whole, each row
    an offset skips is fetched from the table (4,013 of them: 8 ms on the 10k book); and a join of the ids to
    the table, prepared (psycopg, after five runs) under a generic plan, expects a tenth of the table from an
    unknown limit and hashes every interaction. An id equal to any of an array is looked up by the primary key
    under any plan."""
    ids = page.with_only_columns(InteractionRow.id).scalar_subquery()
    rows = select(*LINE_COLUMNS).where(InteractionRow.id == any_(func.array(ids)))
    return rows.order_by(InteractionRow.occurred_at.desc(), InteractionRow.id.desc())


def _interaction_total(kind: str | None, where: list[ColumnElement[bool]], kept: bool) -> Select:
    """How many interactions match: with no filter but the kind (``kept``), the kept totals (migration 0014:
    the database keeps them, whoever writes); a customer's or a rep's, counted (an index range)."""
    if not kept:
        return select(func.count()).select_from(InteractionRow).where(*where)
    total = select(func.coalesce(func.sum(InteractionCountRow.n), 0))
    if kind:
        total = total.where(InteractionCountRow.kind == kind)
    return total


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


def _customer_tag(min_score: float | ColumnElement[float]) -> list[ColumnElement[bool]]:
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
    with store.reads() as session:
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


# A queue page's customer tags (``queue_slice``): plain rows, a tag's fields read without the ORM's objects;
# built once, the page's ids and the minimum score as parameters. An expanding IN, not an array (models/database.py
# ``among``): under a generic plan, ``= ANY($1)`` of an array of unknown length read the score index instead
# (an empty store, ``force_generic_plan``)
_PAGE_TAGS = select(*TagRow.__table__.c).where(
    TagRow.interaction_id.in_(bindparam("ids", expanding=True)),
    *_customer_tag(bindparam("min_score", type_=Float())),
)


def queue_slice(
    session: Session | Connection,
    rows: list[Any],
    total: int,
    wanted: FlagFilter,
    ranking: Ranking,
    limit: int | None,
) -> Slice[FlaggedInteraction]:
    """A queue page from its ranked rows (``page_columns``): each row's customer tags read in one query, its
    strongest flag and severity; ``next_cursor`` on a full page."""
    tags: dict[str, list[Any]] = {row.id: [] for row in rows}
    found = {"ids": list(tags), "min_score": wanted.min_score}
    for tag in session.execute(_PAGE_TAGS, found) if rows else ():
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
