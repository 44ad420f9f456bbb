"""The at-risk list's totals are kept (issue 19).

``customer_health_counts``: how many customers the list shows (current-health rows not churned) for each band
and owner, rows summed per (band, owner), so that a page's ``X-Total-Count`` for no filter, a band, an owner or
both is read from a few rows, not counted over 10,000 current-health rows on every page. Backfilled, then kept
by triggers on customer_health whoever writes (the risk engine, 0013's account triggers, a customer's delete
cascading), as 0014's interaction_counts: SQLite row triggers on one row per (band, owner) (one writer at a
time); PostgreSQL statement triggers over the statement's transition tables add one row per (band, owner) the
statement changed (+n, -n), then, if no other transaction is folding (a transaction-scoped advisory lock,
tried, never waited for), fold the committed rows and its own into one each; no unique key, so concurrent
writers never wait on each other. A statement that changed no band, owner or churned flag (most of the risk
engine's updates) adds no row and folds nothing.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OPERATIONS = ("insert", "update", "delete")
SQLITE_ADD = (
    "INSERT INTO customer_health_counts (band_rank, owner, n) SELECT NEW.band_rank, NEW.owner, 0 "
    "WHERE NOT NEW.churned AND NOT EXISTS (SELECT 1 FROM customer_health_counts c "
    "WHERE c.band_rank = NEW.band_rank AND c.owner IS NEW.owner); "
    "UPDATE customer_health_counts SET n = n + 1 "
    "WHERE NOT NEW.churned AND band_rank = NEW.band_rank AND owner IS NEW.owner;"
)
SQLITE_REMOVE = (
    "UPDATE customer_health_counts SET n = n - 1 "
    "WHERE NOT OLD.churned AND band_rank = OLD.band_rank AND owner IS OLD.owner;"
)
SQLITE_TRIGGERS = {
    "insert": ("AFTER INSERT", SQLITE_ADD),
    "update": ("AFTER UPDATE OF band_rank, owner, churned", SQLITE_REMOVE + " " + SQLITE_ADD),
    "delete": ("AFTER DELETE", SQLITE_REMOVE),
}
PG_ROWS = "SELECT band_rank, owner, {sign} AS n FROM {table} WHERE NOT churned"
PG_ADD = PG_ROWS.format(sign=1, table="new_rows")
PG_REMOVE = PG_ROWS.format(sign=-1, table="old_rows")
PG_NET = (
    "INSERT INTO customer_health_counts (band_rank, owner, n) SELECT band_rank, owner, sum(n) "
    "FROM ({rows}) AS changed GROUP BY band_rank, owner HAVING sum(n) <> 0;"
)  # an update that changes no band, owner or churned flag adds no row
FOLD_LOCK = 7243  # the advisory lock of the transaction folding the counts (7242: 0014's)
PG_FOLD = (
    "GET DIAGNOSTICS changed = ROW_COUNT; "
    f"IF changed > 0 AND pg_try_advisory_xact_lock({FOLD_LOCK}) THEN "
    "WITH gone AS (DELETE FROM customer_health_counts RETURNING band_rank, owner, n) "
    "INSERT INTO customer_health_counts (band_rank, owner, n) SELECT band_rank, owner, sum(n) "
    "FROM gone GROUP BY band_rank, owner HAVING sum(n) <> 0; END IF;"
)
PG_TRIGGERS = {
    "insert": ("REFERENCING NEW TABLE AS new_rows", PG_NET.format(rows=PG_ADD)),
    "update": (
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        PG_NET.format(rows=f"{PG_REMOVE} UNION ALL {PG_ADD}"),
    ),
    "delete": ("REFERENCING OLD TABLE AS old_rows", PG_NET.format(rows=PG_REMOVE)),
}
BACKFILL = (
    "INSERT INTO customer_health_counts (band_rank, owner, n) SELECT band_rank, owner, count(*) "
    "FROM customer_health WHERE NOT churned GROUP BY band_rank, owner"
)


def _triggers(postgresql: bool) -> None:
    for operation in OPERATIONS:
        name = f"customer_health_counts_{operation}"
        if not postgresql:
            when, body = SQLITE_TRIGGERS[operation]
            op.execute(f"CREATE TRIGGER {name} {when} ON customer_health BEGIN {body} END")
            continue
        tables, body = PG_TRIGGERS[operation]
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "DECLARE changed integer; BEGIN "
            f"{body} {PG_FOLD} RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON customer_health {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def upgrade() -> None:
    op.create_table(
        "customer_health_counts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("band_rank", sa.Integer, nullable=False),
        sa.Column("owner", sa.String(256)),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_customer_health_counts_band", "customer_health_counts", ["band_rank", "owner"]
    )
    op.execute(BACKFILL)
    _triggers(op.get_bind().dialect.name == "postgresql")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for operation in OPERATIONS:
        name = f"customer_health_counts_{operation}"
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON customer_health" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("customer_health_counts")
