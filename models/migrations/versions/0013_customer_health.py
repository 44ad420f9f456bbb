"""The current health, one row per customer: the at-risk list as one range of an index (issue 19).

``customer_health`` holds each customer's latest stored evaluation (written with the snapshot by
risk.engine.record through models/current_health.py) and copies of the account fields the list orders and
filters by. The triggers here keep the copies current whoever writes: a new customer gets its row (band
``unknown``), a renamed one its name, and an account's insert, update of ARR, owner, renewal or status, or
delete is copied onto the row. Backfilled from every customer, their account and their latest snapshot.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ACCOUNT = (
    "arr = COALESCE({row}.arr, 0), owner = {row}.owner, renewal_date = {row}.renewal_date, "
    "status = {row}.status"
)
# name: (event, table, statement run for each row)
TRIGGERS = {
    "customer_health_customer_insert": (
        "INSERT ON customers",
        "INSERT INTO customer_health (customer_id, name) VALUES (NEW.id, NEW.name) "
        "ON CONFLICT (customer_id) DO NOTHING",
    ),
    "customer_health_customer_name": (
        "UPDATE OF name ON customers",
        "UPDATE customer_health SET name = NEW.name WHERE customer_id = NEW.id",
    ),
    "customer_health_account_insert": (
        "INSERT ON accounts",
        f"UPDATE customer_health SET {ACCOUNT.format(row='NEW')} WHERE customer_id = NEW.customer_id",
    ),
    "customer_health_account_update": (
        "UPDATE OF arr, owner, renewal_date, status ON accounts",
        f"UPDATE customer_health SET {ACCOUNT.format(row='NEW')} WHERE customer_id = NEW.customer_id",
    ),
    "customer_health_account_delete": (
        "DELETE ON accounts",
        "UPDATE customer_health SET arr = 0, owner = NULL, renewal_date = NULL, status = NULL "
        "WHERE customer_id = OLD.customer_id",
    ),
}
ORDER: list[str | sa.TextClause] = [
    "churned",
    "band_rank",
    sa.text("arr DESC"),
    sa.text("raw_risk DESC"),
    "customer_id",
]
BACKFILL = [
    "INSERT INTO customer_health (customer_id, name, arr, owner, renewal_date, status) "
    "SELECT c.id, c.name, COALESCE(a.arr, 0), a.owner, a.renewal_date, a.status "
    "FROM customers c LEFT JOIN accounts a ON a.customer_id = c.id",
    "UPDATE customer_health SET (snapshot_id, as_of, band, band_rank, score, raw_risk, churned) = "
    "(SELECT s.id, s.as_of, s.band, "
    "CASE s.band WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 WHEN 'green' THEN 2 ELSE 3 END, "
    "s.score, COALESCE(s.raw_risk, 0), s.churned FROM health_snapshots s "
    "WHERE s.customer_id = customer_health.customer_id ORDER BY s.as_of DESC LIMIT 1) "
    "WHERE EXISTS (SELECT 1 FROM health_snapshots s WHERE s.customer_id = customer_health.customer_id)",
]


def _table() -> None:
    op.create_table(
        "customer_health",
        sa.Column(
            "customer_id",
            sa.String(128),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("name", sa.String(256)),
        sa.Column("snapshot_id", sa.Integer),
        sa.Column("as_of", sa.DateTime(timezone=True)),
        sa.Column("band", sa.String(16), nullable=False, server_default="unknown"),
        sa.Column("band_rank", sa.Integer, nullable=False, server_default="3"),
        sa.Column("score", sa.Float),
        sa.Column("raw_risk", sa.Float, nullable=False, server_default="0"),
        sa.Column("churned", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("arr", sa.Float, nullable=False, server_default="0"),
        sa.Column("owner", sa.String(256)),
        sa.Column("renewal_date", sa.Date),
        sa.Column("status", sa.String(24)),
    )
    op.create_index("ix_customer_health_order", "customer_health", ORDER)
    op.create_index("ix_customer_health_owner", "customer_health", ["owner", *ORDER])
    op.create_index("ix_customer_health_as_of", "customer_health", ["as_of"])


def _create_trigger(name: str, event: str, statement: str, postgresql: bool) -> None:
    if not postgresql:
        op.execute(f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW BEGIN {statement}; END")
        return
    op.execute(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {statement}; "
        "RETURN NULL; END $$"
    )
    op.execute(f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW EXECUTE FUNCTION {name}()")


def upgrade() -> None:
    _table()
    for statement in BACKFILL:
        op.execute(statement)
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, (event, statement) in TRIGGERS.items():
        _create_trigger(name, event, statement, postgresql)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, (event, _) in TRIGGERS.items():
        table = event.split(" ON ")[1]
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
        if postgresql:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    for index in (
        "ix_customer_health_as_of",
        "ix_customer_health_owner",
        "ix_customer_health_order",
    ):
        op.drop_index(index, "customer_health")
    op.drop_table("customer_health")
