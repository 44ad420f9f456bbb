"""Pipeline: jobs (status, stage, attempts, lease), call metrics and post-call summaries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _owned_by_interaction() -> sa.Column:
    return sa.Column(
        "interaction_id",
        sa.String(64),
        sa.ForeignKey("interactions.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "jobs",
        _owned_by_interaction(),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(32)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("worker", sa.String(128)),
        sa.Column("lease_until", TZ),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_jobs_status", "jobs", ["status", "created_at"])
    op.create_table(
        "call_metrics", _owned_by_interaction(), sa.Column("data", sa.JSON, nullable=False)
    )
    op.create_table(
        "summaries", _owned_by_interaction(), sa.Column("data", sa.JSON, nullable=False)
    )


def downgrade() -> None:
    for table in ("summaries", "call_metrics", "jobs"):
        op.drop_table(table)
