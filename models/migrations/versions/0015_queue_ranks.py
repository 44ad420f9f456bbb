"""The managers' queue's stored ranking: ``queue_ranks`` read as one index range (issue 19).

- ``queue_ranks``: per flagged interaction its strongest weight × score, customer tag count, account value and
  time-invariant key (models/queue_rank.py), indexed in the queue's order per kind. The key depends on the
  ranking configuration (risk.yaml weights and half-life), which the migration does not read: the first queue
  read builds every rank in one set-based statement and stores the configuration's fingerprint in
  ``queue_rank_state``; a read under another configuration rebuilds them.
- ``queue_rank_dirty``: the interactions (or customers) whose ranks are stale, noted by triggers whoever
  writes: tags inserted, updated or deleted; an interaction's kind, time or customer changed; an interaction
  deleted; an account's ARR set or changed. Insert-only, no unique key, so writers never wait on each other;
  the next queue read re-ranks what they name. SQLite: row triggers; PostgreSQL: statement triggers over the
  statement's transition tables (as 0014's).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

NOTE = "INSERT INTO queue_rank_dirty ({column}) "
# name: (table, SQLite timing and body, PostgreSQL operation, transition tables and selection)
TRIGGERS = {
    "queue_rank_tags_insert": (
        "tags",
        ("AFTER INSERT", NOTE.format(column="interaction_id") + "VALUES (NEW.interaction_id);"),
        ("INSERT", "NEW TABLE AS n", "interaction_id", "SELECT DISTINCT interaction_id FROM n"),
    ),
    "queue_rank_tags_update": (
        "tags",
        (
            "AFTER UPDATE",
            NOTE.format(column="interaction_id")
            + "VALUES (NEW.interaction_id), (OLD.interaction_id);",
        ),
        (
            "UPDATE",
            "OLD TABLE AS o NEW TABLE AS n",
            "interaction_id",
            "SELECT interaction_id FROM n UNION SELECT interaction_id FROM o",
        ),
    ),
    "queue_rank_tags_delete": (
        "tags",
        ("AFTER DELETE", NOTE.format(column="interaction_id") + "VALUES (OLD.interaction_id);"),
        ("DELETE", "OLD TABLE AS o", "interaction_id", "SELECT DISTINCT interaction_id FROM o"),
    ),
    "queue_rank_interactions_update": (
        "interactions",
        (
            "AFTER UPDATE OF kind, occurred_at, customer_id",
            NOTE.format(column="interaction_id") + "VALUES (NEW.id);",
        ),
        (
            "UPDATE",
            "OLD TABLE AS o NEW TABLE AS n",
            "interaction_id",
            "SELECT n.id FROM n JOIN o ON o.id = n.id WHERE n.kind IS DISTINCT FROM o.kind "
            "OR n.occurred_at IS DISTINCT FROM o.occurred_at OR n.customer_id IS DISTINCT FROM o.customer_id",
        ),
    ),
    "queue_rank_interactions_delete": (
        "interactions",
        ("AFTER DELETE", NOTE.format(column="interaction_id") + "VALUES (OLD.id);"),
        ("DELETE", "OLD TABLE AS o", "interaction_id", "SELECT id FROM o"),
    ),
    "queue_rank_accounts_insert": (
        "accounts",
        ("AFTER INSERT", NOTE.format(column="customer_id") + "VALUES (NEW.customer_id);"),
        ("INSERT", "NEW TABLE AS n", "customer_id", "SELECT customer_id FROM n"),
    ),
    "queue_rank_accounts_update": (
        "accounts",
        (
            "AFTER UPDATE OF arr, customer_id",
            NOTE.format(column="customer_id") + "VALUES (NEW.customer_id), (OLD.customer_id);",
        ),
        (
            "UPDATE",
            "OLD TABLE AS o NEW TABLE AS n",
            "customer_id",
            "SELECT n.customer_id FROM n JOIN o ON o.customer_id = n.customer_id "
            "WHERE n.arr IS DISTINCT FROM o.arr",
        ),
    ),
    "queue_rank_accounts_delete": (
        "accounts",
        ("AFTER DELETE", NOTE.format(column="customer_id") + "VALUES (OLD.customer_id);"),
        ("DELETE", "OLD TABLE AS o", "customer_id", "SELECT customer_id FROM o"),
    ),
}


def _create_triggers(postgresql: bool) -> None:
    for name, (table, (when, body), (operation, tables, column, rows)) in TRIGGERS.items():
        if not postgresql:
            op.execute(f"CREATE TRIGGER {name} {when} ON {table} BEGIN {body} END")
            continue
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{NOTE.format(column=column)}{rows}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {operation} ON {table} REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def upgrade() -> None:
    op.create_table(
        "queue_ranks",
        sa.Column("interaction_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("strongest", sa.Float, nullable=False),
        sa.Column("tags", sa.Integer, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("rank_key", sa.Float, nullable=False),
    )
    op.create_index(
        "ix_queue_ranks_order",
        "queue_ranks",
        ["kind", sa.text("rank_key DESC"), sa.text("tags DESC"), "occurred_at", "interaction_id"],
    )
    op.create_table(
        "queue_rank_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )
    op.create_table(
        "queue_rank_dirty",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("interaction_id", sa.String(64)),
        sa.Column("customer_id", sa.String(64)),
    )
    _create_triggers(op.get_bind().dialect.name == "postgresql")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, (table, _sqlite, _pg) in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("queue_rank_dirty")
    op.drop_table("queue_rank_state")
    op.drop_table("queue_ranks")
