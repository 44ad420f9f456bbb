"""SQLAlchemy 2 table models: the stored records' tables here, the base and column type in table_base.py, the
tables derived from these in derived_tables.py (all re-exported here). API schemas and stage records live in
records.py."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from models.accounts import CommercialKind, ContactRole, LifecycleStatus, SurveyKind
from models.analysis import AlertOutcome, AlertStatus, JobStatus, Stage
from models.derived_tables import (
    CUSTOMER_HEALTH_INDEXES,
    QUEUE_RANKS_ORDER,
    CustomerHealthRow,
    HealthCountRow,
    InteractionCountRow,
    QueueRankDirtyRow,
    QueueRankRow,
    QueueRankStateRow,
    RiskDirtyRow,
)
from models.records import InteractionKind, Role, SentimentLabel, TagLabel, TokenRole
from models.table_base import (
    SEARCH_INDEX,
    USER_INDEX,
    Base,
    UtcDateTime,
    from_sqlite,
    include_object,
)

__all__ = [
    "AccountRow",
    "AlertRow",
    "ApiTokenRow",
    "Base",
    "CUSTOMER_HEALTH_INDEXES",
    "CallMetricsRow",
    "CommercialEventRow",
    "ContactRow",
    "CustomerHealthRow",
    "CustomerRow",
    "DashboardSessionRow",
    "HealthCountRow",
    "HealthSnapshotRow",
    "InteractionCountRow",
    "InteractionRow",
    "InvoiceRow",
    "JobRow",
    "QUEUE_RANKS_ORDER",
    "QueueCommentRow",
    "QueueRankDirtyRow",
    "QueueRankRow",
    "QueueRankStateRow",
    "QueueReviewRow",
    "RiskDirtyRow",
    "RiskSignalRow",
    "SEARCH_INDEX",
    "SECRET_CHARS",
    "StoreVersionRow",
    "SummaryRow",
    "SurveyResponseRow",
    "TagRow",
    "TaskRow",
    "TranscriptRow",
    "USER_INDEX",
    "UsageEventRow",
    "UtcDateTime",
    "UtteranceRow",
    "WebhookDeliveryRow",
    "WebhookSubscriptionRow",
    "from_sqlite",
    "include_object",
]


class CustomerRow(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(256))


class InteractionRow(Base):
    __tablename__ = "interactions"
    __table_args__ = (  # the interaction list's filters, each in the list's order: time, then id (0011, 0014)
        Index("ix_interactions_kind_time", "kind", "occurred_at", "id"),
        Index("ix_interactions_customer_time", "customer_id", "occurred_at", "id"),
        Index("ix_interactions_rep_time", "rep", "occurred_at", "id"),
        Index("ix_interactions_occurred_at", "occurred_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[InteractionKind] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column()
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    rep: Mapped[str | None] = mapped_column(String(128), index=True)
    title: Mapped[str | None] = mapped_column(String(512))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    ingested_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))

    transcript: Mapped[TranscriptRow | None] = relationship(
        back_populates="interaction", cascade="all, delete-orphan"
    )
    utterances: Mapped[list[UtteranceRow]] = relationship(
        order_by="UtteranceRow.idx", cascade="all, delete-orphan", back_populates="interaction"
    )
    tags: Mapped[list[TagRow]] = relationship(
        cascade="all, delete-orphan", back_populates="interaction"
    )


class TranscriptRow(Base):
    __tablename__ = "transcripts"

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(16))
    duration_s: Mapped[float | None] = mapped_column(Float)
    engine: Mapped[str] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(512))

    interaction: Mapped[InteractionRow] = relationship(back_populates="transcript")


class UtteranceRow(Base):
    __tablename__ = "utterances"
    __table_args__ = (UniqueConstraint("interaction_id", "idx", name="uq_utterance_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interaction_id: Mapped[str] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    idx: Mapped[int] = mapped_column(Integer)
    speaker_role: Mapped[Role] = mapped_column(String(16))
    speaker_label: Mapped[str] = mapped_column(String(64))
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    words: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    sentiment_label: Mapped[SentimentLabel | None] = mapped_column(String(16))
    sentiment_score: Mapped[float | None] = mapped_column(Float)

    interaction: Mapped[InteractionRow] = relationship(back_populates="utterances")


class TagRow(Base):
    __tablename__ = "tags"
    __table_args__ = (Index("ix_tags_label_score", "label", "score"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    utterance_index: Mapped[int] = mapped_column(Integer)
    label: Mapped[TagLabel] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)
    entity: Mapped[str | None] = mapped_column(String(128))
    speaker_role: Mapped[Role] = mapped_column(String(16))

    interaction: Mapped[InteractionRow] = relationship(back_populates="tags")


class RiskSignalRow(Base):
    __tablename__ = "risk_signals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    interaction_id: Mapped[str | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(64))
    weight: Mapped[float] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column()
    explanation: Mapped[str] = mapped_column(Text)
    key: Mapped[str | None] = mapped_column(String(256))
    points: Mapped[float | None] = mapped_column(Float)  # what it took off at the evaluation (0011)


class UsageEventRow(Base):
    __tablename__ = "usage_events"
    __table_args__ = (Index("ix_usage_customer_time", "customer_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column()
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)


class JobRow(Base):
    """One interaction's pipeline job: status, last completed stage, attempts, the worker holding its lease."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status", "status", "created_at"),)

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[JobStatus] = mapped_column(String(16))
    stage: Mapped[Stage | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))
    updated_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))


class CallMetricsRow(Base):
    __tablename__ = "call_metrics"

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class SummaryRow(Base):
    __tablename__ = "summaries"

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class HealthSnapshotRow(Base):
    """A customer's health as evaluated at ``as_of`` (the last one is compared with the next for band changes)."""

    __tablename__ = "health_snapshots"
    __table_args__ = (
        UniqueConstraint("customer_id", "as_of", name="uq_snapshot_moment"),
        Index("ix_snapshots_moment", "as_of"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    as_of: Mapped[datetime] = mapped_column()
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16))
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)
    # what the at-risk list orders by and leaves out, stored with the health (0011); None: an older snapshot
    raw_risk: Mapped[float | None] = mapped_column(Float)
    churned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_owner", "owner"), Index("ix_alerts_time", "occurred_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(256), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    band: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    interaction_id: Mapped[str | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))
    # the lifecycle: open -> acknowledged -> resolved (with an outcome); who owns it and what to do
    status: Mapped[AlertStatus] = mapped_column(
        String(16), default="open", server_default="open", index=True
    )
    owner: Mapped[str | None] = mapped_column(String(256))
    action: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[AlertOutcome | None] = mapped_column(String(16))
    resolution_note: Mapped[str | None] = mapped_column(Text)


class ApiTokenRow(Base):
    """An API token: only its SHA-256 is stored; the secret is shown once, when it is created."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[TokenRole] = mapped_column(String(16))
    rep: Mapped[str | None] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class DashboardSessionRow(Base):
    """A dashboard sign-in: only the SHA-256 of its cookie is stored; it lives while its token does, at most
    CALLINTEL_SESSION_HOURS from ``created_at`` and CALLINTEL_SESSION_IDLE_MINUTES from ``last_seen_at``."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))
    last_seen_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))
    expires_at: Mapped[datetime] = mapped_column(index=True)


SECRET_CHARS = 512  # a Fernet token of a 128-character secret has 268


class WebhookSubscriptionRow(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    # Fernet-encrypted (models/crypto.py). SQLite keeps VARCHAR(128) from 0005: it enforces no length, and widening
    # it there means rebuilding a table whose deliveries cascade (migration 0006).
    secret: Mapped[str] = mapped_column(String(SECRET_CHARS).with_variant(String(128), "sqlite"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))


class WebhookDeliveryRow(Base):
    """The outbox and the delivery log: one row per event per subscription, written with the event's cause."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_delivery_event"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(300))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column()
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))
    delivered_at: Mapped[datetime | None] = mapped_column()


class AccountRow(Base):
    """A customer's account data (one per customer); the name stays on ``customers``."""

    __tablename__ = "accounts"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    owner: Mapped[str | None] = mapped_column(String(256), index=True)
    plan: Mapped[str | None] = mapped_column(String(128))
    arr: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    start_date: Mapped[date | None] = mapped_column(Date)
    renewal_date: Mapped[date | None] = mapped_column(Date, index=True)
    segment: Mapped[str | None] = mapped_column(String(128), index=True)
    status: Mapped[LifecycleStatus] = mapped_column(String(24), default="active", index=True)
    status_at: Mapped[datetime | None] = mapped_column()
    status_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))

    customer: Mapped[CustomerRow] = relationship()


class ContactRow(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("customer_id", "user", name="uq_contact_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    user: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(256))
    role: Mapped[ContactRole] = mapped_column(String(24))


class InvoiceRow(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("customer_id", "invoice_id", name="uq_invoice"),
        Index("ix_invoices_customer_due", "customer_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    invoice_id: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column()
    amount: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)


class CommercialEventRow(Base):
    __tablename__ = "commercial_events"
    __table_args__ = (Index("ix_commercial_customer_time", "customer_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[CommercialKind] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column()
    amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    seats_before: Mapped[int | None] = mapped_column(Integer)
    seats_after: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)


class SurveyResponseRow(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_surveys_customer_time", "customer_id", "responded_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    kind: Mapped[SurveyKind] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    responded_at: Mapped[datetime] = mapped_column()
    respondent: Mapped[str | None] = mapped_column(String(320))
    comment: Mapped[str | None] = mapped_column(Text)
    # the comment, stored as a ticket interaction so that it is tagged like one
    interaction_id: Mapped[str | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL")
    )
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)


class QueueReviewRow(Base):
    """A flagged call's place in the managers' queue: reviewed (hidden by default) and who it is assigned to."""

    __tablename__ = "queue_reviews"

    interaction_id: Mapped[str] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    )
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by: Mapped[str | None] = mapped_column(String(256))
    assignee: Mapped[str | None] = mapped_column(String(256), index=True)


class QueueCommentRow(Base):
    """A comment on a call; ``visibility`` ``managers`` hides it from reps."""

    __tablename__ = "queue_comments"
    __table_args__ = (Index("ix_queue_comments_call", "interaction_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interaction_id: Mapped[str] = mapped_column(ForeignKey("interactions.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))
    visibility: Mapped[str] = mapped_column(String(16), default="all")


# -- E: follow-up tasks (models/tasks.py, portfolio/tasks.py; migration 0010) --


class TaskRow(Base):
    """A follow-up task: a next step promised on a call, or reaching out to a red customer no one contacted.

    ``key`` is stable per source (``step:<interaction>:<utterance>:<n>``, ``alert:<id>``): storing the same
    summary again updates the task instead of adding one. ``reminded_at`` is set once, with the task.overdue
    webhook, when the refresh finds it overdue."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_open_due", "status", "due"),
        Index("ix_tasks_unreminded", "status", "reminded_at", "due"),  # what a refresh looks for
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    interaction_id: Mapped[str | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True
    )
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    owner: Mapped[str | None] = mapped_column(String(256), index=True)
    title: Mapped[str] = mapped_column(Text)
    due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(UTC))
    done_at: Mapped[datetime | None] = mapped_column()
    done_by: Mapped[str | None] = mapped_column(String(256))
    note: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None] = mapped_column()


# -- the store's version (models/store_version.py; migration 0019) --


class StoreVersionRow(Base):
    """One row (id 1): ``version`` goes up by one with every transaction that changes data, so that an answer
    computed from the store can be kept until it changes (api/service.py's cache of the book-wide reports)."""

    __tablename__ = "store_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
