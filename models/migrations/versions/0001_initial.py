"""Initial schema: customers, interactions, transcripts, utterances, tags, risk signals, usage events.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("name", sa.String(256)),
    )
    op.create_table(
        "interactions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("customer_id", sa.String(128), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("rep", sa.String(128)),
        sa.Column("title", sa.String(512)),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("ingested_at", TZ, nullable=False),
    )
    op.create_index("ix_interactions_customer_id", "interactions", ["customer_id"])
    op.create_index("ix_interactions_occurred_at", "interactions", ["occurred_at"])
    op.create_index("ix_interactions_rep", "interactions", ["rep"])
    op.create_table(
        "transcripts",
        sa.Column(
            "interaction_id",
            sa.String(64),
            sa.ForeignKey("interactions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("duration_s", sa.Float),
        sa.Column("engine", sa.String(64), nullable=False),
        sa.Column("model", sa.String(512)),
    )
    op.create_table(
        "utterances",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "interaction_id",
            sa.String(64),
            sa.ForeignKey("interactions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("speaker_role", sa.String(16), nullable=False),
        sa.Column("speaker_label", sa.String(64), nullable=False),
        sa.Column("start_s", sa.Float),
        sa.Column("end_s", sa.Float),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("words", sa.JSON),
        sa.Column("sentiment_label", sa.String(16)),
        sa.Column("sentiment_score", sa.Float),
        sa.UniqueConstraint("interaction_id", "idx", name="uq_utterance_position"),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "interaction_id",
            sa.String(64),
            sa.ForeignKey("interactions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("utterance_index", sa.Integer, nullable=False),
        sa.Column("label", sa.String(32), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("entity", sa.String(128)),
        sa.Column("speaker_role", sa.String(16), nullable=False),
    )
    op.create_index("ix_tags_interaction_id", "tags", ["interaction_id"])
    op.create_index("ix_tags_label_score", "tags", ["label", "score"])
    op.create_table(
        "risk_signals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(128), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column(
            "interaction_id", sa.String(64), sa.ForeignKey("interactions.id", ondelete="CASCADE")
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
    )
    op.create_index("ix_risk_signals_customer_id", "risk_signals", ["customer_id"])
    op.create_table(
        "usage_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(128), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("properties", sa.JSON, nullable=False),
        sa.Column("dedup_key", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_usage_customer_time", "usage_events", ["customer_id", "occurred_at"])


def downgrade() -> None:
    for table in (
        "usage_events",
        "risk_signals",
        "tags",
        "utterances",
        "transcripts",
        "interactions",
        "customers",
    ):
        op.drop_table(table)
