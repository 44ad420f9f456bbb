"""``Database.reading`` and ``Database.reads``: on PostgreSQL the reads run in autocommit (no BEGIN before them,
no ROLLBACK when the connection goes back to the pool) and leave no autocommit behind for the transactions
that get the same connection next; on SQLite they read as before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.store import Store
from models.tables import ApiTokenRow


def _outside_a_transaction(raw) -> bool:
    """Whether the driver connection reads in autocommit with no transaction open (SQLite: always)."""
    if not hasattr(raw, "info"):  # sqlite3: begins none for a SELECT
        return True
    from psycopg.pq import TransactionStatus

    return raw.autocommit and raw.info.transaction_status == TransactionStatus.IDLE


@pytest.mark.both_backends
def test_reads_run_outside_a_transaction_and_leave_none_behind(db_url, migrated_copy):
    with Store(migrated_copy(db_url)) as store:
        with store.transaction() as session:
            session.add(ApiTokenRow(name="a", role="manager", prefix="ci_a", token_hash="h1"))
        with store.reads() as session:
            assert session.scalars(select(ApiTokenRow.name)).all() == ["a"]
            assert _outside_a_transaction(session.connection().connection.dbapi_connection)
        with store.reading() as connection:
            assert connection.scalars(select(ApiTokenRow.name)).all() == ["a"]
            assert _outside_a_transaction(connection.connection.dbapi_connection)
        with (
            pytest.raises(RuntimeError),
            store.transaction() as session,
        ):  # a read's connection, again
            session.add(ApiTokenRow(name="b", role="manager", prefix="ci_b", token_hash="h2"))
            session.flush()
            raise RuntimeError  # rolled back: the reads left no autocommit behind
        with store.reads() as session:
            assert session.scalars(select(ApiTokenRow.name)).all() == ["a"]
