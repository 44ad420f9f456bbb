"""The managers' queue read as one index range of its stored ranking (issue 19).

severity = strongest(weight × score) × 0.5 ** (age / half-life) × value, age = as_of − t (days). For t ≤ as_of
that is 2 ** (k − as_of / half-life) with the time-invariant key k = log2(strongest × value) + t / half-life
(t, as_of: days since 2000-01-01), so most severe first is k largest first at any moment. ``queue_ranks``
stores k (rounded to 1e-9, so that float noise does not order true ties) with the strongest flag, tag count
and value per flagged interaction; a page is a range of ``(kind, k DESC, tags DESC, occurred_at, id)`` and
only the page's severities are computed, with the same expression as the computed ranking (models/pages.py).

Each rank also holds whether the interaction is marked reviewed and its rep (migration 0018): the kind's
totals with no label or rep filter are then the kept ``queue_rank_counts`` (per kind and reviewed state, kept
by the database's triggers on the ranks), and a rep's queue is a range of ``ix_queue_ranks_rep``.

Kept current: the database's triggers (migrations 0015, 0018) note each interaction whose tags, kind, time,
rep or reviewed state change, and each customer whose ARR changes, in ``queue_rank_dirty``; a queue read first
re-ranks those (set-based) and, where the ranking configuration's fingerprint differs from the one the ranks
were built with (or none were built yet), rebuilds them all in one transaction. Views the key cannot serve
(no kind, a rep, customer, time range or minimum score filter, a kind with an interaction dated after the
moment, a cursor whose row has changed) are served by the computed ranking, ``flagged_page``.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Float,
    Integer,
    Numeric,
    Select,
    String,
    bindparam,
    case,
    cast,
    delete,
    exists,
    false,
    func,
    insert,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from models.derived_tables import QueueCountRow
from models.keyset import QueuePlace, after
from models.pages import (
    FlagFilter,
    Ranking,
    Slice,
    _AgeDays,
    _customer_tag,
    _flags,
    _moment,
    account_value,
    flagged_page,
    moment_value,
    page_columns,
    queue_slice,
    recency_of,
)
from models.store import FlaggedInteraction, Store
from models.tables import (
    AccountRow,
    InteractionRow,
    QueueRankDirtyRow,
    QueueRankRow,
    QueueRankStateRow,
    QueueReviewRow,
    TagRow,
)

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
FLOOR = -1.0e9  # the key of a zero severity (no logarithm): all tie, as their severities do
LOCK = 7245  # PostgreSQL: the re-ranking's advisory lock (7241-7244: the migrations')


def fingerprint(ranking: Ranking) -> str:
    """What the stored keys depend on in the ranking: the weights, the default weight, the half-life."""
    basis = [sorted(ranking.weights.items()), ranking.default_weight, ranking.half_life_days]
    return hashlib.sha256(json.dumps(basis).encode()).hexdigest()[:32]


def _key(product: Any, occurred_at: Any, ranking: Ranking, dialect: str) -> Any:
    days = -_AgeDays(_moment(EPOCH, dialect), occurred_at)
    exact = func.ln(product) / math.log(2) + days / ranking.half_life_days
    if dialect == "postgresql":  # round(double precision, int) does not exist there
        exact = cast(func.round(cast(exact, Numeric), 9), Float)
    else:
        exact = func.round(exact, 9)
    return case((product > 0, exact), else_=FLOOR)


def _rank(session: Session, ranking: Ranking, dialect: str, only: Any = None) -> None:
    """Store the rank of every flagged interaction (of ``only``: a selection of ids)."""
    flags = _flags(FlagFilter(kind=None), ranking, rare_kind=False, only=only)
    value = account_value(AccountRow.arr)
    review = select(QueueReviewRow.interaction_id).where(
        QueueReviewRow.interaction_id == flags.c.id
    )
    reviewed = exists(review.where(QueueReviewRow.reviewed_at.is_not(None)))
    ranked = (
        select(
            flags.c.id,
            InteractionRow.kind,
            InteractionRow.occurred_at,
            flags.c.strongest,
            flags.c.tags,
            value,
            _key(flags.c.strongest * value, InteractionRow.occurred_at, ranking, dialect),
            reviewed,
            InteractionRow.rep,
        )
        .select_from(flags)
        .join(InteractionRow, InteractionRow.id == flags.c.id)
        .outerjoin(AccountRow, AccountRow.customer_id == InteractionRow.customer_id)
    )
    columns = ["interaction_id", "kind", "occurred_at", "strongest", "tags", "value", "rank_key"]
    columns += ["reviewed", "rep"]
    session.execute(insert(QueueRankRow).from_select(columns, ranked))


def _stale(session: Session, wanted: str) -> bool:
    built = session.scalar(select(QueueRankStateRow.fingerprint))
    return built != wanted or session.scalar(select(QueueRankDirtyRow.id).limit(1)) is not None


def refresh(store: Store, ranking: Ranking) -> None:
    """Bring the stored ranks up to date: all rebuilt for a new configuration, else the noted ones re-ranked."""
    dialect = store.engine.dialect.name
    wanted = fingerprint(ranking)
    with store.transaction() as session:
        if not _stale(session, wanted):
            return
        if dialect == "postgresql":  # one re-ranker at a time; the others then find nothing to do
            session.execute(text(f"SELECT pg_advisory_xact_lock({LOCK})"))
        top = session.scalar(select(func.max(QueueRankDirtyRow.id)))
        noted = QueueRankDirtyRow.id <= (top or 0)
        if session.scalar(select(QueueRankStateRow.fingerprint)) != wanted:
            session.execute(delete(QueueRankRow))
            _rank(session, ranking, dialect)
            session.execute(delete(QueueRankStateRow))
            session.add(QueueRankStateRow(id=1, fingerprint=wanted))
            if (
                dialect == "postgresql"
            ):  # its planner's statistics for the new ranks, before autovacuum's
                session.execute(text("ANALYZE queue_ranks"))
        elif top is not None:
            customers = select(QueueRankDirtyRow.customer_id).where(noted)
            only = (
                select(QueueRankDirtyRow.interaction_id)
                .where(noted, QueueRankDirtyRow.interaction_id.is_not(None))
                .union(select(InteractionRow.id).where(InteractionRow.customer_id.in_(customers)))
            )
            session.execute(delete(QueueRankRow).where(QueueRankRow.interaction_id.in_(only)))
            _rank(session, ranking, dialect, only)
        session.execute(delete(QueueRankDirtyRow).where(noted))


def servable(wanted: FlagFilter) -> bool:
    """Whether the stored key can serve the filter: a kind, and no rep, customer, time or score filter."""
    plain = (wanted.rep, wanted.customer, wanted.since, wanted.until) == (None,) * 4
    return bool(wanted.kind) and plain and wanted.min_score == 0.0


@dataclass(frozen=True)
class Shape:
    """What a stored page's statement is built of (``stored_query``): the filter's parts present, the dialect,
    whether it starts after a place and whether it is the whole queue (no limit). Values come as parameters."""

    dialect: str
    label: bool = False
    mine: bool = False
    include_reviewed: bool = False
    after: bool = False
    whole: bool = False

    @classmethod
    def of(
        cls, wanted: FlagFilter, dialect: str, after: bool = False, whole: bool = False
    ) -> Shape:
        label, mine = wanted.label is not None, wanted.mine is not None
        return cls(dialect, label, mine, wanted.include_reviewed, after, whole)


@dataclass(frozen=True)
class _Read:
    """One stored page asked for: ``queue_page``'s arguments."""

    wanted: FlagFilter
    limit: int | None
    offset: int
    ranking: Ranking
    cursor: QueuePlace | None
    dialect: str


def parameters(
    wanted: FlagFilter, ranking: Ranking, dialect: str, limit: int | None, offset: int
) -> dict:
    """The values of ``stored_query``'s and ``total_query``'s parameters (the place's aside)."""
    moment = moment_value(ranking.as_of, dialect)
    found = {"kind": wanted.kind, "label": wanted.label, "mine": wanted.mine, "offset": offset}
    return found | {"as_of": moment, "half_life": ranking.half_life_days, "limit": limit}


def _parameters(read: _Read) -> dict:
    return parameters(read.wanted, read.ranking, read.dialect, read.limit, read.offset)


def _state_parameters(read: _Read) -> dict:
    moment = read.ranking.as_of
    moment = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    return {"kind": read.wanted.kind, "moment": moment}


# Whether the stored ranks can serve a kind's page, in one read: the configuration they were built with, whether
# any row is noted for re-ranking, and whether an interaction of the kind is dated after the moment.
_STATE = select(
    select(QueueRankStateRow.fingerprint).scalar_subquery().label("built"),
    exists(select(QueueRankDirtyRow.id)).label("dirty"),
    # the kind's newest time against the moment, not an EXISTS of a later one: PostgreSQL's generic plan of the
    # EXISTS (psycopg prepares a statement run five times) scanned every interaction, 19 ms on the 10k book; a
    # max is read from the end of the (kind, time) index whatever the plan
    func.coalesce(
        select(func.max(InteractionRow.occurred_at))
        .where(InteractionRow.kind == bindparam("kind"))
        .scalar_subquery()
        > bindparam("moment"),
        false(),
    ).label("later"),
)
# The stored place of a cursor's interaction.
_PLACE = select(QueueRankRow.rank_key, QueueRankRow.tags, QueueRankRow.occurred_at).where(
    QueueRankRow.interaction_id == bindparam("id")
)
# A cursor's page's check and its place in one read: the state's one row outer-joined to the place (its
# columns null when the interaction has none).
_STATE_ROW, _PLACE_ROW = _STATE.subquery("state"), _PLACE.subquery("place")
_STATE_AT = select(_STATE_ROW, _PLACE_ROW).select_from(_STATE_ROW.outerjoin(_PLACE_ROW, true()))


def _ranks(shape: Shape) -> Any:
    """The ranks a page reads: all of them, or for a rep's queue (parameters ``mine``, ``kind``) theirs of the
    kind, a range of ``ix_queue_ranks_rep``, and those assigned to them (the reviews' assignee index) that are
    not theirs, so that only the rep's ranks are read (an OR of the two in the filter walked the kind's whole
    range). The assigned ones' kind is matched as ``kind || ''``, which no index serves: SQLite, which has no
    statistics, else walked the kind's range of the order index to look each one's review up."""
    if not shape.mine:
        return QueueRankRow
    r = QueueRankRow
    mine: Any = bindparam("mine")
    kind: Any = bindparam("kind")
    own = select(r).where(r.rep == mine, r.kind == kind)
    theirs = select(QueueReviewRow.interaction_id).where(QueueReviewRow.assignee == mine)
    assigned = select(r).where(r.interaction_id.in_(theirs), r.rep.is_distinct_from(mine))
    assigned = assigned.where(r.kind.concat("") == kind)
    return aliased(QueueRankRow, union_all(own, assigned).subquery())


def _filtered(shape: Shape, r: Any) -> list[Any]:
    """The filter over the ranks ``r`` (``_ranks``; parameters ``kind``, ``label``): the kind and the
    reviewed state are the rank's own columns; a label's flags are read once from their index (as _flags)."""
    where = [] if shape.mine else [r.kind == bindparam("kind")]  # a rep's: of the kind already
    if not shape.include_reviewed:
        where.append(r.reviewed == false())
    if shape.label:
        labelled = select(TagRow.interaction_id).where(
            TagRow.label == bindparam("label"), *_customer_tag(0.0)
        )
        where.append(r.interaction_id.in_(labelled))
    return where


@lru_cache(maxsize=64)
def total_query(shape: Shape) -> Select:
    """How many stored ranks the filter keeps (uncorrelated: ``stored_query`` reads it as a column). With no
    label or rep scope: the kind's kept counts summed (migration 0018's ``queue_rank_counts``, the reviewed
    ones left out unless asked); else the kind's ranks of the label, or the rep's (``_ranks``), counted."""
    if shape.label or shape.mine:
        r = _ranks(shape)
        return select(func.count()).select_from(r).where(*_filtered(shape, r)).correlate(None)
    c, where = QueueCountRow, [QueueCountRow.kind == bindparam("kind")]
    if not shape.include_reviewed:
        where.append(c.reviewed == false())
    return select(func.coalesce(func.sum(c.n), 0)).where(*where).correlate(None)


@lru_cache(maxsize=64)
def stored_query(shape: Shape) -> Select:
    """The page as ``flagged_page`` reads it (``page_columns``, with the total), cut from the index
    range of the stored ranks (after the place ``p_*`` where ``shape.after``); the severity of the page's rows
    only, as the computed ranking's, at the moment ``as_of`` (``moment_value``). Built once a shape: the
    filter's values, the moment, the half-life, the place, ``limit`` and ``offset`` are parameters (``parameters``)."""
    r = _ranks(shape)
    where = _filtered(shape, r)
    if shape.after:
        keys = (r.rank_key, r.tags, r.occurred_at, r.interaction_id)
        start: list[Any] = [bindparam(f"p_{name}") for name in ("key", "tags", "at", "id")]
        where.append(after(list(zip(keys, start, (True, True, False, False), strict=True))))
    moment = bindparam("as_of", type_=String() if shape.dialect == "sqlite" else DateTime())
    recency = recency_of(moment, bindparam("half_life", type_=Float()), r.occurred_at)
    columns = (r.interaction_id.label("id"), r.strongest, r.tags, r.occurred_at)
    severity = (r.strongest * recency * r.value).label("severity")
    total = total_query(shape).scalar_subquery().label("total")
    cut = select(*columns, recency.label("recency"), r.value, severity, r.rank_key, total)
    cut = cut.select_from(r).where(*where)
    cut = cut.order_by(r.rank_key.desc(), r.tags.desc(), r.occurred_at, r.interaction_id)
    cut = cut.offset(bindparam("offset", type_=Integer()))
    top = (cut if shape.whole else cut.limit(bindparam("limit", type_=Integer()))).subquery("top")
    order = (top.c.rank_key.desc(), top.c.tags.desc(), top.c.occurred_at, top.c.id)
    return page_columns(top).order_by(*order)


def queue_page(
    store: Store,
    wanted: FlagFilter,
    limit: int | None = 50,
    offset: int = 0,
    ranking: Ranking | None = None,
    cursor: QueuePlace | None = None,
) -> Slice[FlaggedInteraction]:
    """The flagged queue as ``flagged_page`` ranks it, read from the stored ranking where it can serve."""
    ranking = replace(ranking or Ranking(), as_of=cursor.as_of) if cursor else ranking or Ranking()
    if servable(wanted):
        read = _Read(wanted, limit, offset, ranking, cursor, store.engine.dialect.name)
        page = _stored_page(store, read)
        if page is not None:
            return page
    return flagged_page(store, wanted, limit, offset, ranking, cursor)


def _stored_page(store: Store, read: _Read) -> Slice[FlaggedInteraction] | None:
    """The page from the stored ranks, None where they cannot serve. Read-only when they are current (checked
    in the page's own statement, ``checked_query``; a cursor's page, by a statement before it): only ranks
    that are not (a new configuration, noted rows) are brought up to date first, in their own write
    transaction (``refresh``), and the page read again."""
    with store.reading() as connection:
        if read.cursor is None:
            shape = Shape.of(read.wanted, read.dialect, False, read.limit is None)
            values = _parameters(read) | _state_parameters(read)
            rows = connection.execute(checked_query(shape), values).all()
            if rows[0].later:
                return None
            if _current(rows[0], read):
                page = [row for row in rows if row.id is not None]  # one row of nulls: none
                return _slice(connection, page, read, shape, values)
        else:
            values = _state_parameters(read) | {"id": read.cursor.interaction_id}
            state = connection.execute(_STATE_AT, values).one()
            # an interaction of the kind dated after the moment: the key cannot order it
            if state.later:
                return None
            if _current(state, read):
                return _page_at(connection, read, None if state.rank_key is None else state)
    refresh(store, read.ranking)
    with store.reading() as connection:
        return _page(connection, read)


def _current(state: Any, read: _Read) -> bool:
    """Whether the stored ranks are this ranking's and none is noted for re-ranking (``_STATE``'s columns)."""
    return bool(state.built == fingerprint(read.ranking) and not state.dirty)


@lru_cache(maxsize=64)
def checked_query(shape: Shape) -> Select:
    """``stored_query`` with ``_STATE``'s columns, so that the usual page is read with the check that the
    ranks can serve it (a round trip less): the state's one row outer-joined to the page (an empty page
    still answers it: one row, the page's columns null), in the page's order."""
    state = _STATE.subquery("state")
    page = stored_query(shape).subquery("page")
    order = (page.c.rank_key.desc(), page.c.tags.desc(), page.c.occurred_at, page.c.id)
    return select(state, page).select_from(state.outerjoin(page, true())).order_by(*order)


def _page(connection: Connection, read: _Read) -> Slice[FlaggedInteraction] | None:
    """The page after the cursor's stored place (None: its row changed or is gone), then the offset."""
    place = None
    if read.cursor is not None:
        place = connection.execute(_PLACE, {"id": read.cursor.interaction_id}).one_or_none()
    return _page_at(connection, read, place)


def _page_at(connection: Connection, read: _Read, place: Any) -> Slice[FlaggedInteraction] | None:
    """The page after ``place``, the cursor's stored place (None: its row is gone; None too where its row
    changed), then the offset."""
    parameters = _parameters(read)
    if read.cursor is not None:
        if place is None or (place.tags, place.occurred_at) != (
            read.cursor.tags,
            read.cursor.occurred_at,
        ):
            return None
        parameters |= {"p_key": place.rank_key, "p_tags": place.tags}
        parameters |= {"p_at": place.occurred_at, "p_id": read.cursor.interaction_id}
    shape = Shape.of(read.wanted, read.dialect, read.cursor is not None, read.limit is None)
    rows = list(connection.execute(stored_query(shape), parameters))
    return _slice(connection, rows, read, shape, parameters)


def _slice(
    connection: Connection, rows: list[Any], read: _Read, shape: Shape, parameters: dict
) -> Slice[FlaggedInteraction]:
    """The page of ``rows`` (``stored_query``'s) with its total (the rows', or counted for an empty page)."""
    if rows or read.offset or read.cursor:
        total = rows[0].total if rows else connection.scalar(total_query(shape), parameters)
    else:  # the first page is empty: nothing matches
        total = 0
    return queue_slice(connection, rows, total or 0, read.wanted, read.ranking, read.limit)
