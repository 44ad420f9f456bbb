"""The interaction list's indexes end with the id, its order's tie-break (issue 19).

The list is newest first, then by id (models/pages.py interactions_query). Its (filter, time) indexes from
0011 left the id out, so a page deep in a filter's list made SQLite look up every row it skipped, to sort each
moment's rows by id ("USE TEMP B-TREE FOR RIGHT PART OF ORDER BY"): at offset 4,013 of 131,919 tickets, 4,033
table rows for a page of 20. With the id in the index the order is the index's and the rows skipped are index
entries only; PostgreSQL drops its Incremental Sort the same way. Each index is rebuilt under its own name.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""

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


def _rebuild(with_id: bool) -> None:
    for name, leading in INDEXES:
        columns = [c for c in (leading, "occurred_at") if c] + (["id"] if with_id else [])
        op.drop_index(name, table_name="interactions")
        op.create_index(name, "interactions", columns)


def upgrade() -> None:
    _rebuild(with_id=True)


def downgrade() -> None:
    _rebuild(with_id=False)
