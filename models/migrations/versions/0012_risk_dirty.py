"""Incremental risk refresh: which customers' data changed since their last evaluation.

The database marks them itself, whoever writes (ingest, the API, the pipeline, a script): a trigger on each
table the risk engine reads adds the customer to ``risk_dirty`` when a row is inserted, updated or deleted.
SQLite: row triggers, one marker per customer (INSERT ... WHERE NOT EXISTS). PostgreSQL: statement triggers
over the statement's transition table, one marker per customer and statement, and no unique key, so that
concurrent writers never wait on each other for a marker. ``risk.refresh`` evaluates the marked customers and
deletes their markers in the transaction that records their health.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

DIRECT = (
    "usage_events",
    "interactions",
    "accounts",
    "contacts",
    "invoices",
    "commercial_events",
    "survey_responses",
)
VIA_INTERACTION = (
    "tags",
    "utterances",
)  # rows of an interaction: its customer is the interaction's
OPERATIONS = {"INSERT": "NEW", "UPDATE": "NEW", "DELETE": "OLD"}


def _customers(table: str, rows: str) -> str:
    """SQL selecting the customer ids of ``rows`` (a row alias or a transition table) of ``table``."""
    if table in DIRECT:
        return f"SELECT {rows}.customer_id"
    return f"SELECT i.customer_id FROM interactions i WHERE i.id = {rows}.interaction_id"


def _sqlite() -> None:
    for table in (*DIRECT, *VIA_INTERACTION):
        for operation, row in OPERATIONS.items():
            source = _customers(table, row)
            source += " AND" if "WHERE" in source else " WHERE"
            op.execute(
                f"CREATE TRIGGER risk_dirty_{table}_{operation.lower()} AFTER {operation} ON {table} "
                f"BEGIN INSERT INTO risk_dirty (customer_id) {source} NOT EXISTS "
                f"(SELECT 1 FROM risk_dirty d WHERE d.customer_id = ({_customers(table, row)})); END"
            )


def _postgresql() -> None:
    for table in (*DIRECT, *VIA_INTERACTION):
        for operation, row in OPERATIONS.items():
            name = f"risk_dirty_{table}_{operation.lower()}"
            rows = "changed_rows"
            if table in DIRECT:
                select = f"SELECT DISTINCT customer_id FROM {rows}"
            else:
                select = (
                    f"SELECT DISTINCT i.customer_id FROM {rows} r "
                    "JOIN interactions i ON i.id = r.interaction_id"
                )
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"INSERT INTO risk_dirty (customer_id) {select} ORDER BY 1; RETURN NULL; END $$"
            )
            transition = "NEW" if row == "NEW" else "OLD"
            op.execute(
                f"CREATE TRIGGER {name} AFTER {operation} ON {table} "
                f"REFERENCING {transition} TABLE AS {rows} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )


def upgrade() -> None:
    op.create_table(
        "risk_dirty",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
    )
    op.create_index("ix_risk_dirty_customer", "risk_dirty", ["customer_id"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in (*DIRECT, *VIA_INTERACTION):
        for operation in OPERATIONS:
            name = f"risk_dirty_{table}_{operation.lower()}"
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
            if postgresql:
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_index("ix_risk_dirty_customer", "risk_dirty")
    op.drop_table("risk_dirty")
