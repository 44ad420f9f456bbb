"""A customer's contacts' last logins read by index seeks (issue 19).

``GET /api/customers/{id}`` shows each contact's last usage event by a moment. The grouped query over the
customer's events (models/history_repo.py before this) read every event's row and parsed its JSON to find
``properties.user``: 5.5 ms of SQLite's own work for the customer with the most usage on the 10k book. This
index holds the user per (customer, user, time): the read walks the customer's distinct users (one seek each)
and takes each one's latest event by the moment (one seek each), reading a few index entries, not the
customer's events. Partial: only the events whose ``properties.user`` is a JSON string (the only ones that
name a contact). PostgreSQL keeps the id in the index (a user's events at one moment, the last stored
first); SQLite's index entries end with the row id already.

The expression is the dialect's own (the read's SQL repeats it exactly: models/history_repo.py
``USER_COLUMN``), so the index is no table model: models/table_base.py ``include_object`` leaves it out of the
migrations-build-the-models check, as 0011's full-text index.

Chosen over a table of stored last logins kept by triggers: the page reads the logins by a moment (a stored
latest is wrong for a moment before it), ingest writes one index entry an event either way, and the index
needs no trigger and no backfill code. Its size on the 10k book: README, "The customer page".

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEX = "ix_usage_customer_user"
SQLITE = (
    f"CREATE INDEX {INDEX} ON usage_events "
    "(customer_id, json_extract(properties, '$.user'), occurred_at) "
    "WHERE json_type(properties, '$.user') = 'text'"
)
POSTGRESQL = (
    f"CREATE INDEX {INDEX} ON usage_events "
    "(customer_id, (properties ->> 'user'), occurred_at, id) "
    "WHERE json_typeof(properties -> 'user') = 'string'"
)


def upgrade() -> None:
    op.execute(POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE)


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
