"""Risk: signal keys, health snapshots, alerts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("risk_signals", sa.Column("key", sa.String(256)))
    op.create_table(
        "health_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(128), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("as_of", TZ, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("breakdown", sa.JSON, nullable=False),
        sa.UniqueConstraint("customer_id", "as_of", name="uq_snapshot_moment"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(256), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(128), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("band", sa.String(16)),
        sa.Column("score", sa.Float),
        sa.Column(
            "interaction_id", sa.String(64), sa.ForeignKey("interactions.id", ondelete="CASCADE")
        ),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_alerts_customer_id", "alerts", ["customer_id"])


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("health_snapshots")
    with op.batch_alter_table("risk_signals") as batch:
        batch.drop_column("key")
