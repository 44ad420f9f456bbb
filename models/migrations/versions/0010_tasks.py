"""Follow-up tasks: next steps from post-call summaries and reach-outs to red customers, with their reminders.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "customer_id",
            sa.String(128),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "interaction_id", sa.String(64), sa.ForeignKey("interactions.id", ondelete="CASCADE")
        ),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE")),
        sa.Column("owner", sa.String(256)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("done_at", TZ),
        sa.Column("done_by", sa.String(256)),
        sa.Column("note", sa.Text),
        sa.Column("reminded_at", TZ),
    )
    op.create_index("ix_tasks_customer_id", "tasks", ["customer_id"])
    op.create_index("ix_tasks_interaction_id", "tasks", ["interaction_id"])
    op.create_index("ix_tasks_owner", "tasks", ["owner"])
    op.create_index("ix_tasks_open_due", "tasks", ["status", "due"])
    op.create_index("ix_tasks_unreminded", "tasks", ["status", "reminded_at", "due"])


def downgrade() -> None:
    for index in (
        "ix_tasks_unreminded",
        "ix_tasks_open_due",
        "ix_tasks_owner",
        "ix_tasks_interaction_id",
    ):
        op.drop_index(index, "tasks")
    op.drop_index("ix_tasks_customer_id", "tasks")
    op.drop_table("tasks")
