"""The managers' queue's totals are kept, and a rep's queue is an index range (issue 19).

- ``queue_ranks.reviewed``: whether the ranked interaction is marked reviewed, written with the rank
  (models/queue_rank.py) from queue_reviews. Triggers on queue_reviews note an interaction whose reviewed state
  changes (marked, unmarked, its review deleted) in ``queue_rank_dirty``, as 0015's triggers do for tags, so
  the next queue read re-ranks it: the ranks' own table then holds everything the unfiltered totals need.
- ``queue_rank_counts``: how many ranks there are per (kind, reviewed), rows summed, so that a page's total
  with no label or rep filter is read from a few rows, not counted over the kind's ranks on every page.
  Backfilled, then kept by triggers on queue_ranks as 0017's customer_health_counts: SQLite row triggers on one
  row per (kind, reviewed); PostgreSQL statement triggers over the statement's transition tables add one row
  per (kind, reviewed) the statement changed (+n, -n), then, if no other transaction is folding (an advisory
  lock, tried, never waited for), fold the committed rows and its own into one each; no unique key, so
  concurrent writers never wait on each other.
- ``queue_ranks.rep``: the interaction's rep, written with the rank, indexed (rep, kind, then the queue's
  order), so that a rep's queue reads only that rep's ranks; an interaction whose rep changes is noted for
  re-ranking by a trigger on interactions. Both order indexes end with ``reviewed``, so that a count of a
  label's or a rep's unreviewed ranks reads the index only.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

OPERATIONS = ("insert", "update", "delete")
SQLITE_ADD = (
    "INSERT INTO queue_rank_counts (kind, reviewed, n) SELECT NEW.kind, NEW.reviewed, 0 "
    "WHERE NOT EXISTS (SELECT 1 FROM queue_rank_counts c "
    "WHERE c.kind = NEW.kind AND c.reviewed = NEW.reviewed); "
    "UPDATE queue_rank_counts SET n = n + 1 WHERE kind = NEW.kind AND reviewed = NEW.reviewed;"
)
SQLITE_REMOVE = (
    "UPDATE queue_rank_counts SET n = n - 1 WHERE kind = OLD.kind AND reviewed = OLD.reviewed;"
)
SQLITE_COUNTS = {
    "insert": ("AFTER INSERT", SQLITE_ADD),
    "update": ("AFTER UPDATE OF kind, reviewed", SQLITE_REMOVE + " " + SQLITE_ADD),
    "delete": ("AFTER DELETE", SQLITE_REMOVE),
}
PG_ROWS = "SELECT kind, reviewed, {sign} AS n FROM {table}"
PG_ADD = PG_ROWS.format(sign=1, table="new_rows")
PG_REMOVE = PG_ROWS.format(sign=-1, table="old_rows")
PG_NET = (
    "INSERT INTO queue_rank_counts (kind, reviewed, n) SELECT kind, reviewed, sum(n) "
    "FROM ({rows}) AS changed GROUP BY kind, reviewed HAVING sum(n) <> 0;"
)  # an update that changes no kind or reviewed state adds no row
FOLD_LOCK = (
    7244  # the advisory lock of the transaction folding the counts (7242, 7243: 0014's, 0017's)
)
PG_FOLD = (
    "GET DIAGNOSTICS changed = ROW_COUNT; "
    f"IF changed > 0 AND pg_try_advisory_xact_lock({FOLD_LOCK}) THEN "
    "WITH gone AS (DELETE FROM queue_rank_counts RETURNING kind, reviewed, n) "
    "INSERT INTO queue_rank_counts (kind, reviewed, n) SELECT kind, reviewed, sum(n) "
    "FROM gone GROUP BY kind, reviewed HAVING sum(n) <> 0; END IF;"
)
PG_COUNTS = {
    "insert": ("REFERENCING NEW TABLE AS new_rows", PG_NET.format(rows=PG_ADD)),
    "update": (
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        PG_NET.format(rows=f"{PG_REMOVE} UNION ALL {PG_ADD}"),
    ),
    "delete": ("REFERENCING OLD TABLE AS old_rows", PG_NET.format(rows=PG_REMOVE)),
}
COUNTS_BACKFILL = (
    "INSERT INTO queue_rank_counts (kind, reviewed, n) SELECT kind, reviewed, count(*) "
    "FROM queue_ranks GROUP BY kind, reviewed"
)
RANKS_BACKFILL = (
    "UPDATE queue_ranks SET rep = (SELECT i.rep FROM interactions i WHERE i.id = queue_ranks.interaction_id), "
    "reviewed = EXISTS (SELECT 1 FROM queue_reviews q WHERE q.interaction_id = queue_ranks.interaction_id "
    "AND q.reviewed_at IS NOT NULL)"
)
NOTE = "INSERT INTO queue_rank_dirty (interaction_id) "
REVIEWED_O = "SELECT interaction_id FROM o WHERE reviewed_at IS NOT NULL"
REVIEWED_N = "SELECT interaction_id FROM n WHERE reviewed_at IS NOT NULL"
# name: (table, SQLite timing, condition and values, PostgreSQL operation, transition tables and selection)
NOTES = {
    "queue_rank_reviews_insert": (
        "queue_reviews",
        ("AFTER INSERT", "NEW.reviewed_at IS NOT NULL", "(NEW.interaction_id)"),
        ("INSERT", "NEW TABLE AS n", REVIEWED_N),
    ),
    "queue_rank_reviews_update": (
        "queue_reviews",
        (
            "AFTER UPDATE OF reviewed_at, interaction_id",
            "(OLD.reviewed_at IS NULL) <> (NEW.reviewed_at IS NULL) "
            "OR OLD.interaction_id <> NEW.interaction_id",
            "(NEW.interaction_id), (OLD.interaction_id)",
        ),  # the reviewed sets' difference: marked, unmarked
        (
            "UPDATE",
            "OLD TABLE AS o NEW TABLE AS n",
            f"({REVIEWED_N} EXCEPT {REVIEWED_O}) UNION ({REVIEWED_O} EXCEPT {REVIEWED_N})",
        ),
    ),
    "queue_rank_reviews_delete": (
        "queue_reviews",
        ("AFTER DELETE", "OLD.reviewed_at IS NOT NULL", "(OLD.interaction_id)"),
        ("DELETE", "OLD TABLE AS o", REVIEWED_O),
    ),
    "queue_rank_interactions_rep": (
        "interactions",
        ("AFTER UPDATE OF rep", "OLD.rep IS NOT NEW.rep", "(NEW.id)"),
        (
            "UPDATE",
            "OLD TABLE AS o NEW TABLE AS n",
            "SELECT n.id FROM n JOIN o ON o.id = n.id WHERE n.rep IS DISTINCT FROM o.rep",
        ),
    ),
}


def _plpgsql(name: str, body: str, declare: str = "") -> None:
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"{declare}BEGIN {body} RETURN NULL; END $$"
    )


def _count_triggers(postgresql: bool) -> None:
    for operation in OPERATIONS:
        name = f"queue_rank_counts_{operation}"
        if not postgresql:
            when, body = SQLITE_COUNTS[operation]
            op.execute(f"CREATE TRIGGER {name} {when} ON queue_ranks BEGIN {body} END")
            continue
        tables, body = PG_COUNTS[operation]
        _plpgsql(name, f"{body} {PG_FOLD}", "DECLARE changed integer; ")
        op.execute(
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON queue_ranks {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def _note_triggers(postgresql: bool) -> None:
    for name, (table, (when, condition, values), (operation, tables, rows)) in NOTES.items():
        if not postgresql:
            op.execute(
                f"CREATE TRIGGER {name} {when} ON {table} WHEN {condition} "
                f"BEGIN {NOTE}VALUES {values}; END"
            )
            continue
        _plpgsql(name, f"{NOTE}{rows};")
        op.execute(
            f"CREATE TRIGGER {name} AFTER {operation} ON {table} REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def _order_index(name: str, leading: list[str], reviewed: bool) -> None:
    """An index in the queue's order (0015's), after ``leading``, then the reviewed state where ``reviewed``."""
    order: list[str | sa.TextClause] = [sa.text("rank_key DESC"), sa.text("tags DESC")]
    columns = [*leading, "kind", *order, "occurred_at", "interaction_id"]
    op.create_index(name, "queue_ranks", columns + (["reviewed"] if reviewed else []))


def _order_indexes(reviewed: bool) -> None:
    """0015's order index with the reviewed state last (a count of the unreviewed ones reads the index
    only) and the rep's; or, not ``reviewed``, back to 0015's alone."""
    op.drop_index("ix_queue_ranks_order", "queue_ranks")
    _order_index("ix_queue_ranks_order", [], reviewed)
    if reviewed:
        _order_index("ix_queue_ranks_rep", ["rep"], reviewed)
    else:
        op.drop_index("ix_queue_ranks_rep", "queue_ranks")


def upgrade() -> None:
    reviewed = sa.Column("reviewed", sa.Boolean, nullable=False, server_default=sa.false())
    op.add_column("queue_ranks", reviewed)
    op.add_column("queue_ranks", sa.Column("rep", sa.String(128)))
    op.execute(RANKS_BACKFILL)
    _order_indexes(reviewed=True)
    op.create_table(
        "queue_rank_counts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reviewed", sa.Boolean, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_index("ix_queue_rank_counts_kind", "queue_rank_counts", ["kind", "reviewed"])
    op.execute(COUNTS_BACKFILL)
    postgresql = op.get_bind().dialect.name == "postgresql"
    _count_triggers(postgresql)
    _note_triggers(postgresql)
    if postgresql:  # the new columns' statistics (the reviewed share), before autovacuum's
        op.execute("ANALYZE queue_ranks")


def _drop_trigger(name: str, table: str, postgresql: bool) -> None:
    op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, (table, _sqlite, _pg) in NOTES.items():
        _drop_trigger(name, table, postgresql)
    for operation in OPERATIONS:
        _drop_trigger(f"queue_rank_counts_{operation}", "queue_ranks", postgresql)
    op.drop_table("queue_rank_counts")
    _order_indexes(reviewed=False)
    for column in (
        "rep",
        "reviewed",
    ):  # SQLite 3.35+ drops a column in place (no copy of the table)
        op.execute(f"ALTER TABLE queue_ranks DROP COLUMN {column}")
