"""The managers' queue read as one index range of its stored ranking (issue 19).

severity = strongest(weight × score) × 0.5 ** (age / half-life) × value, age = as_of − t (days). For t ≤ as_of
that is 2 ** (k − as_of / half-life) with the time-invariant key k = log2(strongest × value) + t / half-life
(t, as_of: days since 2000-01-01), so most severe first is k largest first at any moment. ``queue_ranks``
stores k (rounded to 1e-9, so that float noise does not order true ties) with the strongest flag, tag count
and value per flagged interaction; a page is a range of ``(kind, k DESC, tags DESC, occurred_at, id)`` and
only the page's severities are computed, with the same expression as the computed ranking (models/pages.py).

Kept current: the database's triggers (migration 0015) note each interaction whose tags, kind or time change,
and each customer whose ARR changes, in ``queue_rank_dirty``; a queue read first re-ranks those (set-based)
and, where the ranking configuration's fingerprint differs from the one the ranks were built with (or none
were built yet), rebuilds them all in one transaction. Views the key cannot serve (no kind, a rep, customer,
time range or minimum score filter, a kind with an interaction dated after the moment, a cursor whose row has
changed) are served by the computed ranking, ``flagged_page``.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Float,
    Numeric,
    Select,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

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
    queue_slice,
    recency_at,
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
LOCK = 7243  # PostgreSQL: the advisory lock of the transaction re-ranking (7241, 7242: 0013's and 0014's)


@dataclass(frozen=True)
class _Place:
    """The stored place of a cursor's interaction: the page goes on after it."""

    rank_key: float
    tags: int
    occurred_at: datetime
    interaction_id: str


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
    ranked = (
        select(
            flags.c.id,
            InteractionRow.kind,
            InteractionRow.occurred_at,
            flags.c.strongest,
            flags.c.tags,
            value,
            _key(flags.c.strongest * value, InteractionRow.occurred_at, ranking, dialect),
        )
        .select_from(flags)
        .join(InteractionRow, InteractionRow.id == flags.c.id)
        .outerjoin(AccountRow, AccountRow.customer_id == InteractionRow.customer_id)
    )
    columns = ["interaction_id", "kind", "occurred_at", "strongest", "tags", "value", "rank_key"]
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


def _place(session: Session, wanted: FlagFilter, as_of: datetime, cursor: QueuePlace | None) -> Any:
    """Where the page starts: None for the first page, a _Place after a cursor, False where the stored key
    cannot serve (an interaction of the kind dated after ``as_of``; the cursor's row changed or gone)."""
    moment = as_of.astimezone(UTC).replace(tzinfo=None) if as_of.tzinfo else as_of
    later = select(InteractionRow.id).where(
        InteractionRow.kind == wanted.kind, InteractionRow.occurred_at > moment
    )
    if session.scalar(later.limit(1)) is not None:
        return False
    if cursor is None:
        return None
    row = session.get(QueueRankRow, cursor.interaction_id)
    if row is None or row.tags != cursor.tags or row.occurred_at != cursor.occurred_at:
        return False
    return _Place(row.rank_key, row.tags, row.occurred_at, row.interaction_id)


def _filtered(wanted: FlagFilter) -> list[Any]:
    """The filter over the stored ranks, each part a lookup per ranked row (an anti- or semi-join, which
    PostgreSQL walks in the index's order, where an outer join's estimate led it to sort every rank)."""
    r, where = QueueRankRow, [QueueRankRow.kind == wanted.kind]
    review = select(QueueReviewRow.interaction_id).where(_reviews())
    if not wanted.include_reviewed:
        where.append(~exists(review.where(QueueReviewRow.reviewed_at.is_not(None))))
    if wanted.mine is not None:
        theirs = select(InteractionRow.id).where(
            InteractionRow.id == r.interaction_id, InteractionRow.rep == wanted.mine
        )
        where.append(exists(theirs) | exists(review.where(QueueReviewRow.assignee == wanted.mine)))
    if wanted.label is not None:  # the label's flags, read once from their index (as _flags does)
        labelled = select(TagRow.interaction_id).where(
            TagRow.label == wanted.label, *_customer_tag(wanted.min_score)
        )
        where.append(r.interaction_id.in_(labelled))
    return where


def _reviews() -> Any:
    return QueueReviewRow.interaction_id == QueueRankRow.interaction_id


def total_query(wanted: FlagFilter) -> Select:
    """How many stored ranks the filter keeps. With no label or rep scope: the kind's range of the index
    counted (its entries only) less the kind's reviewed ones (from the reviews); else each row's filter
    looked up."""
    if wanted.label is not None or wanted.mine is not None:
        return select(func.count()).select_from(QueueRankRow).where(*_filtered(wanted))
    ranked = select(func.count()).where(QueueRankRow.kind == wanted.kind).scalar_subquery()
    if wanted.include_reviewed:
        return select(ranked)
    reviewed = (
        select(func.count())
        .select_from(QueueReviewRow)
        .join(QueueRankRow, _reviews())
        .where(QueueReviewRow.reviewed_at.is_not(None), QueueRankRow.kind == wanted.kind)
    )
    return select(ranked - reviewed.scalar_subquery())


def stored_query(
    wanted: FlagFilter,
    ranking: Ranking,
    dialect: str,
    limit: int | None = 50,
    offset: int = 0,
    place: _Place | None = None,
) -> Select:
    """The page as ``flagged_page`` reads it (interaction, ranked columns, review), cut from the index range
    of the stored ranks after ``place``; the severity of the page's rows only, as the computed ranking's."""
    r, where = QueueRankRow, _filtered(wanted)
    if place is not None:
        keys = (r.rank_key, r.tags, r.occurred_at, r.interaction_id)
        start = (place.rank_key, place.tags, place.occurred_at, place.interaction_id)
        where.append(after(list(zip(keys, start, (True, True, False, False), strict=True))))
    recency = recency_at(ranking, dialect, r.occurred_at)
    columns = (r.interaction_id.label("id"), r.strongest, r.tags, r.occurred_at)
    severity = (r.strongest * recency * r.value).label("severity")
    cut = select(*columns, recency.label("recency"), r.value, severity, r.rank_key)
    cut = cut.select_from(r).where(*where)
    cut = cut.order_by(r.rank_key.desc(), r.tags.desc(), r.occurred_at, r.interaction_id)
    top = (cut.offset(offset) if limit is None else cut.offset(offset).limit(limit)).subquery("top")
    return (
        select(InteractionRow, top, QueueReviewRow)
        .join(top, top.c.id == InteractionRow.id)
        .outerjoin(QueueReviewRow, QueueReviewRow.interaction_id == InteractionRow.id)
        .order_by(top.c.rank_key.desc(), top.c.tags.desc(), top.c.occurred_at, top.c.id)
    )


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
    if not servable(wanted):
        return flagged_page(store, wanted, limit, offset, ranking, cursor)
    refresh(store, ranking)
    with store.transaction() as session:
        place = _place(session, wanted, ranking.as_of, cursor)
        if place is not False:
            page = stored_query(wanted, ranking, store.engine.dialect.name, limit, offset, place)
            rows = list(session.execute(page))
            total = session.scalar(total_query(wanted)) or 0
            return queue_slice(session, rows, total, wanted, ranking, limit)
    return flagged_page(store, wanted, limit, offset, ranking, cursor)
