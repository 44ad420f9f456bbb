"""The managers' queue: reviewed calls, assignees and comments.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _interaction(primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "interaction_id",
        sa.String(64),
        sa.ForeignKey("interactions.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "queue_reviews",
        _interaction(primary_key=True),
        sa.Column("reviewed_at", TZ),
        sa.Column("reviewed_by", sa.String(256)),
        sa.Column("assignee", sa.String(256)),
    )
    op.create_index("ix_queue_reviews_assignee", "queue_reviews", ["assignee"])
    op.create_table(
        "queue_comments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _interaction(),
        sa.Column("author", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
    )
    op.create_index("ix_queue_comments_call", "queue_comments", ["interaction_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_queue_comments_call", "queue_comments")
    op.drop_table("queue_comments")
    op.drop_index("ix_queue_reviews_assignee", "queue_reviews")
    op.drop_table("queue_reviews")
