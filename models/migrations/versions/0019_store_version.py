"""The store's version: one row every data-changing transaction bumps (issue 19, item 5).

``store_version`` holds one row (id 1) whose ``version`` every transaction that writes through
``Database.transaction()`` adds one to, in the same transaction (models/store_version.py). A process that keeps
a computed answer (api/service.py's cache of the book-wide reports) reads the version first: the same version
means the same data, so the stored answer is exactly as fresh as the store.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "store_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("store_version")
