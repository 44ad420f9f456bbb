"""The interaction list at size: its indexes end with the id, and its totals are kept (issue 19).

- The list is newest first, then by id (models/pages.py interactions_query). Its (filter, time) indexes from
  0011 left the id out, so a page deep in a filter's list made SQLite look up every row it skipped, to sort
  each moment's rows by id ("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"): at offset 4,013 of 131,919
  tickets, 4,033 table rows for a page of 20. With the id in the index the order is the index's and the rows
  skipped are index entries only. Each index is rebuilt under its own name.
- ``interaction_counts``: how many interactions of each kind, rows summed per kind, so that the list's total
  for no filter or a kind is read, not counted (PostgreSQL counted 131,919 tickets in about 45 ms with two
  parallel workers on every page). Backfilled, then kept by triggers whoever writes. SQLite: row triggers on
  one row per kind (one writer at a time). PostgreSQL: statement triggers over the statement's transition
  tables add one row per kind and statement (+n inserted, -n deleted), then, if no other transaction is
  folding (a transaction-scoped advisory lock, tried, never waited for), fold each kind's committed rows and
  its own into one; no unique key, so concurrent writers never wait on each other (as risk_dirty, 0012).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# (name, filter column or None): each becomes (filter, occurred_at, id)
INDEXES = [
    ("ix_interactions_kind_time", "kind"),
    ("ix_interactions_customer_time", "customer_id"),
    ("ix_interactions_rep_time", "rep"),
    ("ix_interactions_occurred_at", None),
]
OPERATIONS = ("insert", "update", "delete")
SQLITE_ADD = (
    "INSERT INTO interaction_counts (kind, n) SELECT NEW.kind, 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM interaction_counts c WHERE c.kind = NEW.kind); "
    "UPDATE interaction_counts SET n = n + 1 WHERE kind = NEW.kind;"
)
SQLITE_REMOVE = "UPDATE interaction_counts SET n = n - 1 WHERE kind = OLD.kind;"
SQLITE_TRIGGERS = {
    "insert": ("AFTER INSERT", SQLITE_ADD),
    "update": ("AFTER UPDATE OF kind", SQLITE_REMOVE + " " + SQLITE_ADD),
    "delete": ("AFTER DELETE", SQLITE_REMOVE),
}
PG_ADD = (
    "INSERT INTO interaction_counts (kind, n) SELECT kind, count(*) FROM new_rows GROUP BY kind;"
)
PG_REMOVE = (
    "INSERT INTO interaction_counts (kind, n) SELECT kind, -count(*) FROM old_rows GROUP BY kind;"
)
FOLD_LOCK = 7242  # the advisory lock of the transaction folding the counts (7241: the migrations')
PG_FOLD = (
    f"IF pg_try_advisory_xact_lock({FOLD_LOCK}) THEN "
    "WITH gone AS (DELETE FROM interaction_counts RETURNING kind, n) "
    "INSERT INTO interaction_counts (kind, n) SELECT kind, sum(n) FROM gone GROUP BY kind; END IF;"
)
PG_TRIGGERS = {
    "insert": ("REFERENCING NEW TABLE AS new_rows", PG_ADD),
    "update": ("REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", PG_REMOVE + " " + PG_ADD),
    "delete": ("REFERENCING OLD TABLE AS old_rows", PG_REMOVE),
}


def _rebuild(with_id: bool) -> None:
    for name, leading in INDEXES:
        columns = [c for c in (leading, "occurred_at") if c] + (["id"] if with_id else [])
        op.drop_index(name, table_name="interactions")
        op.create_index(name, "interactions", columns)


def _triggers(postgresql: bool) -> None:
    for operation in OPERATIONS:
        name = f"interaction_counts_{operation}"
        if not postgresql:
            when, body = SQLITE_TRIGGERS[operation]
            op.execute(f"CREATE TRIGGER {name} {when} ON interactions BEGIN {body} END")
            continue
        tables, body = PG_TRIGGERS[operation]
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{body} {PG_FOLD} RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON interactions {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def upgrade() -> None:
    _rebuild(with_id=True)
    op.create_table(
        "interaction_counts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_index("ix_interaction_counts_kind", "interaction_counts", ["kind"])
    op.execute(
        "INSERT INTO interaction_counts (kind, n) SELECT kind, count(*) FROM interactions GROUP BY kind"
    )
    _triggers(op.get_bind().dialect.name == "postgresql")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for operation in OPERATIONS:
        name = f"interaction_counts_{operation}"
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON interactions" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("interaction_counts")
    _rebuild(with_id=False)
