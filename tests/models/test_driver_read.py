"""``Database.first_row``: a prebuilt SELECT run on the driver's cursor gives what SQLAlchemy's own read gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, delete, select, update

from models.errors import StoreError
from models.store import Store
from models.tables import ApiTokenRow

_BY_HASH = select(
    ApiTokenRow.id, ApiTokenRow.name, ApiTokenRow.created_at, ApiTokenRow.last_used_at
).where(ApiTokenRow.token_hash == bindparam("token_hash"))
_BY_TIME = select(ApiTokenRow.id).where(ApiTokenRow.created_at < bindparam("before"))


@pytest.mark.both_backends
def test_a_driver_read_gives_the_row_sqlalchemy_gives(db_url, migrated_copy):
    with Store(migrated_copy(db_url)) as store:
        used = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
        with store.transaction() as session:
            session.add(ApiTokenRow(name="a", role="manager", prefix="ci_a", token_hash="h1"))
            session.flush()
            session.execute(update(ApiTokenRow).values(last_used_at=used))
        with store.reading() as connection:
            expected = tuple(connection.execute(_BY_HASH, {"token_hash": "h1"}).one())
        found = store.first_row(_BY_HASH, {"token_hash": "h1"})
        assert found == expected and found[3] == used and found[2].tzinfo is not None
        assert store.first_row(_BY_HASH, {"token_hash": "h1"}) == expected  # compiled once, reused
        assert store.first_row(_BY_HASH, {"token_hash": "nope"}) is None
        with (
            pytest.raises(RuntimeError),
            store.transaction() as session,
        ):  # the read's connection, again
            session.add(ApiTokenRow(name="b", role="manager", prefix="ci_b", token_hash="h2"))
            session.flush()
            raise RuntimeError  # rolled back: the driver read left no autocommit behind
        assert store.first_row(_BY_HASH, {"token_hash": "h2"}) is None


def test_a_parameter_the_driver_cannot_take_as_given_is_refused(tmp_path, migrated_copy):
    with Store(migrated_copy(f"sqlite:///{tmp_path / 'x.db'}")) as store:
        with pytest.raises(TypeError, match="cannot convert parameter 'before'"):
            store.first_row(_BY_TIME, {"before": datetime.now(UTC)})


def test_a_driver_read_that_fails_is_a_store_error_and_the_pool_still_serves(
    tmp_path, migrated_copy
):
    url = migrated_copy(f"sqlite:///{tmp_path / 'gone.db'}")
    with Store(url) as store:
        with store.transaction() as session:
            session.execute(delete(ApiTokenRow))
        with store.reading() as connection:
            connection.exec_driver_sql("ALTER TABLE api_tokens RENAME TO api_tokens_gone")
            connection.commit()
        with pytest.raises(StoreError, match="database error: no such table: api_tokens"):
            store.first_row(_BY_HASH, {"token_hash": "h1"})
        with store.reading() as connection:
            connection.exec_driver_sql("ALTER TABLE api_tokens_gone RENAME TO api_tokens")
            connection.commit()
        assert store.first_row(_BY_HASH, {"token_hash": "h1"}) is None
