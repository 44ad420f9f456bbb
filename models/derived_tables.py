"""Tables derived from the others, kept current by the database's triggers or the risk stage: customers to
re-evaluate, each customer's current health, the lists' kept totals and the managers' queue ranks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from models.table_base import Base

__all__ = [
    "CUSTOMER_HEALTH_INDEXES",
    "QUEUE_RANKS_ORDER",
    "CustomerHealthRow",
    "HealthCountRow",
    "InteractionCountRow",
    "QueueCountRow",
    "QueueRankDirtyRow",
    "QueueRankRow",
    "QueueRankStateRow",
    "RiskDirtyRow",
]


# -- H: incremental risk refresh (migration 0012) ----------------------------------------------------


class RiskDirtyRow(Base):
    """A customer whose data changed since their last evaluation: written by the database's triggers on the
    tables the risk engine reads (migration 0012), deleted by risk.refresh when it records their health."""

    __tablename__ = "risk_dirty"
    __table_args__ = (Index("ix_risk_dirty_customer", "customer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(128))


# -- C: the current health, one row per customer (issue 19; migration 0013) ------------------------------


class CustomerHealthRow(Base):
    """Each customer's latest stored evaluation with the account fields the at-risk list orders and filters
    by, so that a page of the list is one range of an index. The risk engine writes the evaluation's columns
    with the snapshot (models/current_health.py, called by risk.engine.record); the database copies the
    customer's name and the account's ARR, owner, renewal and status itself (migration 0013's triggers,
    whoever writes); a customer never evaluated has a row with band ``unknown``."""

    __tablename__ = "customer_health"
    __table_args__ = (Index("ix_customer_health_as_of", "as_of"),)

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str | None] = mapped_column(String(256))
    snapshot_id: Mapped[int | None] = mapped_column(Integer)  # health_snapshots.id; None: unknown
    as_of: Mapped[datetime | None] = mapped_column()
    band: Mapped[str] = mapped_column(String(16), default="unknown", server_default="unknown")
    band_rank: Mapped[int] = mapped_column(
        Integer, default=3, server_default="3"
    )  # red 0 .. unknown 3
    score: Mapped[float | None] = mapped_column(Float)
    raw_risk: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    churned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    arr: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")  # 0: unknown
    owner: Mapped[str | None] = mapped_column(String(256))
    renewal_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(24))  # the account's lifecycle status


def _at_risk_index(name: str, *leading: Any) -> Index:
    """An index in the at-risk order (models/pages.py): band, ARR and raw risk largest first, customer id."""
    h = CustomerHealthRow
    columns = (h.churned, h.band_rank, h.arr.desc(), h.raw_risk.desc(), h.customer_id)
    return Index(name, *leading, *columns)


CUSTOMER_HEALTH_INDEXES = (
    _at_risk_index("ix_customer_health_order"),
    _at_risk_index("ix_customer_health_owner", CustomerHealthRow.owner),
)


class InteractionCountRow(Base):
    """How many interactions there are of each kind, as rows to be summed per kind: the interaction list's
    total without counting the table (a count of 131,919 tickets was most of a page's cost). The database
    keeps them current itself, whoever writes (migration 0014's triggers): one row per kind on SQLite; on
    PostgreSQL each writing statement adds its own rows, folded into one per kind when no other writer is
    folding, so that concurrent writers never wait on each other for a count."""

    __tablename__ = "interaction_counts"
    __table_args__ = (Index("ix_interaction_counts_kind", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    n: Mapped[int] = mapped_column(Integer)


class HealthCountRow(Base):
    """How many customers the at-risk list shows (current-health rows not churned) for a band and owner, as
    rows to be summed: the list's total without counting customer_health on every page. The database keeps
    them current itself, whoever writes (migration 0017's triggers, as interaction_counts': one row per band
    and owner on SQLite, a statement's rows folded when no other writer is folding on PostgreSQL)."""

    __tablename__ = "customer_health_counts"
    __table_args__ = (Index("ix_customer_health_counts_band", "band_rank", "owner"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    band_rank: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(256))
    n: Mapped[int] = mapped_column(Integer)


class QueueRankRow(Base):
    """A flagged interaction's place in the managers' queue, stored (models/queue_rank.py, migration 0015):
    its strongest weight × score, customer tag count and account value, and ``rank_key`` = log2(strongest ×
    value) + days since 2000-01-01 / half-life, rounded: for times up to the queue's moment, most severe first
    is ``rank_key`` largest first at any moment, so a queue page is one range of the index. With its review
    state and rep copied (migration 0018): ``reviewed`` (marked reviewed: hidden unless asked), counted per kind
    in ``queue_rank_counts``; ``rep``, the interaction's, indexed so that a rep's queue reads only its ranks."""

    __tablename__ = "queue_ranks"

    interaction_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column()
    strongest: Mapped[float] = mapped_column(Float)
    tags: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    rank_key: Mapped[float] = mapped_column(Float)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rep: Mapped[str | None] = mapped_column(String(128))


def _queue_order(name: str, *leading: Any) -> Index:
    """An index in the queue's order per kind (after ``leading``): key and tag count largest first, oldest, id;
    then the reviewed state, so that a count of the unreviewed ones reads the index only (migration 0018)."""
    r = QueueRankRow
    order = (r.rank_key.desc(), r.tags.desc(), r.occurred_at, r.interaction_id)
    return Index(name, *leading, r.kind, *order, r.reviewed)


QUEUE_RANKS_ORDER = (
    _queue_order("ix_queue_ranks_order"),
    _queue_order("ix_queue_ranks_rep", QueueRankRow.rep),  # a rep's queue (migration 0018)
)


class QueueCountRow(Base):
    """How many stored queue ranks there are of a kind, reviewed or not, as rows to be summed: the queue's
    total with no label or rep filter without counting the kind's ranks on every page. The database keeps them
    current itself, whoever writes the ranks (migration 0018's triggers, as customer_health_counts': one row per
    kind and state on SQLite, a statement's rows folded when no other writer is folding on PostgreSQL)."""

    __tablename__ = "queue_rank_counts"
    __table_args__ = (Index("ix_queue_rank_counts_kind", "kind", "reviewed"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    reviewed: Mapped[bool] = mapped_column(Boolean)
    n: Mapped[int] = mapped_column(Integer)


class QueueRankStateRow(Base):
    """The ranking configuration the stored queue ranks were built with (its fingerprint): one row."""

    __tablename__ = "queue_rank_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


class QueueRankDirtyRow(Base):
    """An interaction (or every interaction of a customer) whose stored queue rank is stale: written by the
    database's triggers on tags, interactions and account ARR (migration 0015), whoever writes; the next queue
    read re-ranks them and deletes these rows. No unique key: concurrent writers never wait on each other."""

    __tablename__ = "queue_rank_dirty"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interaction_id: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64))
