"""Reads at size: full-text search over utterances, the stored health's ordering columns, indexes for the filters.

- SQLite: an FTS5 table ``utterances_fts`` (external content: the utterances table) kept current by triggers.
- PostgreSQL: a GIN index on ``to_tsvector('simple', text)``, which PostgreSQL keeps current itself.
- health_snapshots.raw_risk and .churned, risk_signals.points: what the at-risk list orders and shows, stored
  by the risk stage and the refresh (risk/engine.py record) so that the list is read, not recomputed.
- indexes for the interaction, queue, alert and at-risk filters (models/tables.py names them).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE utterances_fts USING fts5(text, content='utterances', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER utterances_fts_insert AFTER INSERT ON utterances BEGIN "
    "INSERT INTO utterances_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER utterances_fts_delete AFTER DELETE ON utterances BEGIN "
    "INSERT INTO utterances_fts(utterances_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER utterances_fts_update AFTER UPDATE OF text ON utterances BEGIN "
    "INSERT INTO utterances_fts(utterances_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO utterances_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO utterances_fts(utterances_fts) VALUES ('rebuild')",
]
POSTGRES_FTS = (
    "CREATE INDEX ix_utterances_fts ON utterances USING gin (to_tsvector('simple', text))"
)
INDEXES = [
    ("ix_interactions_kind_time", "interactions", ["kind", "occurred_at"]),
    ("ix_interactions_customer_time", "interactions", ["customer_id", "occurred_at"]),
    ("ix_interactions_rep_time", "interactions", ["rep", "occurred_at"]),
    ("ix_alerts_owner", "alerts", ["owner"]),
    ("ix_alerts_time", "alerts", ["occurred_at"]),
    ("ix_snapshots_moment", "health_snapshots", ["as_of"]),
]


def upgrade() -> None:
    with op.batch_alter_table("health_snapshots") as batch:
        batch.add_column(sa.Column("raw_risk", sa.Float))
        batch.add_column(
            sa.Column("churned", sa.Boolean, nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("risk_signals") as batch:
        batch.add_column(sa.Column("points", sa.Float))
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        op.execute(POSTGRES_FTS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS utterances_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS utterances_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_utterances_fts")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table)
    with op.batch_alter_table("risk_signals") as batch:
        batch.drop_column("points")
    with op.batch_alter_table("health_snapshots") as batch:
        batch.drop_column("churned")
        batch.drop_column("raw_risk")
