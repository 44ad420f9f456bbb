"""Filtered, paged reads done in SQL: the interaction list and the flagged queue.

The database filters, counts, orders and cuts the page; only the page's rows are read and converted, however
many interactions the store holds. ``api/service.py`` serves these to the HTTP API and the dashboard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select

from models import convert
from models.records import Interaction
from models.store import FlaggedInteraction, Store
from models.tables import InteractionRow, TagRow

__all__ = ["FlagFilter", "Slice", "flagged_page", "interactions_page"]

T = TypeVar("T")


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One page of a longer list: ``total`` rows matched, ``items`` are those from the offset on."""

    total: int
    items: list[T]


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


def interactions_page(
    store: Store,
    customer: str | None = None,
    kind: str | None = None,
    rep: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Slice[Interaction]:
    """Interactions newest first, narrowed by customer, kind and rep."""
    where = _where(kind, rep, customer or None)
    query = select(InteractionRow).where(*where)
    query = query.order_by(InteractionRow.occurred_at.desc(), InteractionRow.id.desc())
    with store.transaction() as session:
        total = session.scalar(select(func.count()).select_from(InteractionRow).where(*where))
        rows = session.scalars(query.limit(limit).offset(offset))
        return Slice(total or 0, [convert.interaction(row) for row in rows])


def _ranked(wanted: FlagFilter) -> Select:
    """Per flagged interaction: its strongest tag's score and its tag count, with the filter applied."""
    where = _where(wanted.kind, wanted.rep, wanted.customer, wanted.since, wanted.until)
    query = (
        select(
            TagRow.interaction_id.label("id"),
            func.max(TagRow.score).label("top"),
            func.count().label("tags"),
        )
        .join(InteractionRow, TagRow.interaction_id == InteractionRow.id)
        .where(TagRow.score >= wanted.min_score, *where)
        .group_by(TagRow.interaction_id)
    )
    if wanted.label is not None:
        labelled = select(TagRow.interaction_id).where(
            TagRow.label == wanted.label, TagRow.score >= wanted.min_score
        )
        query = query.where(TagRow.interaction_id.in_(labelled))
    return query


def _flagged(row: InteractionRow, tags: list[TagRow]) -> FlaggedInteraction:
    return FlaggedInteraction(
        convert.interaction(row),
        dict(sorted(Counter(t.label for t in tags).items())),
        convert.tag(max(tags, key=lambda t: (t.score, -t.utterance_index))),
    )


def flagged_page(
    store: Store, wanted: FlagFilter, limit: int | None = 50, offset: int = 0
) -> Slice[FlaggedInteraction]:
    """The flagged queue, strongest evidence first (highest tag score, then most tags, then oldest)."""
    ranked = _ranked(wanted).subquery()
    page = (
        select(InteractionRow)
        .join(ranked, ranked.c.id == InteractionRow.id)
        .order_by(ranked.c.top.desc(), ranked.c.tags.desc(), InteractionRow.occurred_at)
        .order_by(InteractionRow.id)
        .offset(offset)
    )
    if limit is not None:
        page = page.limit(limit)
    with store.transaction() as session:
        total = session.scalar(select(func.count()).select_from(ranked)) or 0
        rows = list(session.scalars(page))
        tags: dict[str, list[TagRow]] = {row.id: [] for row in rows}
        found = select(TagRow).where(
            TagRow.interaction_id.in_(list(tags)), TagRow.score >= wanted.min_score
        )
        for tag in session.scalars(found):
            tags[tag.interaction_id].append(tag)
        return Slice(total, [_flagged(row, tags[row.id]) for row in rows])
