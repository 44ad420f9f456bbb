"""Account data, contacts, invoices, commercial events, survey responses; the alert lifecycle.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _customer(primary_key: bool = False) -> sa.Column:
    return sa.Column(
        "customer_id",
        sa.String(128),
        sa.ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def _accounts() -> None:
    op.create_table(
        "accounts",
        _customer(primary_key=True),
        sa.Column("owner", sa.String(256)),
        sa.Column("plan", sa.String(128)),
        sa.Column("arr", sa.Float),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("start_date", sa.Date),
        sa.Column("renewal_date", sa.Date),
        sa.Column("segment", sa.String(128)),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("status_at", TZ),
        sa.Column("status_reason", sa.Text),
        sa.Column("updated_at", TZ, nullable=False),
    )
    for column in ("owner", "renewal_date", "segment", "status"):
        op.create_index(f"ix_accounts_{column}", "accounts", [column])
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _customer(),
        sa.Column("user", sa.String(320), nullable=False),
        sa.Column("name", sa.String(256)),
        sa.Column("role", sa.String(24), nullable=False),
        sa.UniqueConstraint("customer_id", "user", name="uq_contact_user"),
    )


def _commercial() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _customer(),
        sa.Column("invoice_id", sa.String(128), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("paid_at", TZ),
        sa.Column("amount", sa.Float, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.UniqueConstraint("customer_id", "invoice_id", name="uq_invoice"),
    )
    op.create_index("ix_invoices_customer_due", "invoices", ["customer_id", "due_at"])
    op.create_table(
        "commercial_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _customer(),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("occurred_at", TZ, nullable=False),
        sa.Column("amount", sa.Float),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("seats_before", sa.Integer),
        sa.Column("seats_after", sa.Integer),
        sa.Column("note", sa.Text),
        sa.Column("dedup_key", sa.String(64), nullable=False, unique=True),
    )
    op.create_index(
        "ix_commercial_customer_time", "commercial_events", ["customer_id", "occurred_at"]
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _customer(),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("responded_at", TZ, nullable=False),
        sa.Column("respondent", sa.String(320)),
        sa.Column("comment", sa.Text),
        sa.Column(
            "interaction_id", sa.String(64), sa.ForeignKey("interactions.id", ondelete="SET NULL")
        ),
        sa.Column("dedup_key", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_surveys_customer_time", "survey_responses", ["customer_id", "responded_at"])


def _alert_columns() -> list[sa.Column]:
    return [
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("owner", sa.String(256)),
        sa.Column("action", sa.Text),
        sa.Column("acknowledged_at", TZ),
        sa.Column("acknowledged_by", sa.String(128)),
        sa.Column("resolved_at", TZ),
        sa.Column("resolved_by", sa.String(128)),
        sa.Column("outcome", sa.String(16)),
        sa.Column("resolution_note", sa.Text),
    ]


def upgrade() -> None:
    _accounts()
    _commercial()
    with op.batch_alter_table("alerts") as batch:
        for column in _alert_columns():
            batch.add_column(column)
    op.create_index("ix_alerts_status", "alerts", ["status"])


def downgrade() -> None:
    op.drop_index("ix_alerts_status", "alerts")
    with op.batch_alter_table("alerts") as batch:
        for column in _alert_columns():
            batch.drop_column(column.name)
    for table in ("survey_responses", "commercial_events", "invoices", "contacts", "accounts"):
        op.drop_table(table)
