"""Tokens on a store: the last use is recorded without ever holding a read up."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from api.auth import create_token, list_tokens, verify_token
from models.errors import StoreError
from models.store import Store
from models.tables import ApiTokenRow
from tests.helpers import known


def _last_used(store: Store, token_id: int) -> datetime | None:
    return next(t.last_used_at for t in list_tokens(store) if t.id == token_id)


def test_a_read_does_not_wait_for_another_writer_to_record_the_last_use(tmp_path):
    path = tmp_path / "auth.db"
    with Store(f"sqlite:///{path}") as store:
        token, secret = create_token(store, "manager", "laptop")
        old = datetime(2026, 1, 1, tzinfo=UTC)
        with store.transaction() as session:  # idle for a long time: this use would be recorded
            session.execute(
                update(ApiTokenRow).where(ApiTokenRow.id == token.id).values(last_used_at=old)
            )
        holder = sqlite3.connect(path, timeout=0.1)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            assert (
                known(verify_token(store, secret)).id == token.id
            )  # at once, not after the 30 s busy timeout
            assert (
                _last_used(store, token.id) == old
            )  # the database was busy: not recorded this time
        finally:
            holder.rollback()
            holder.close()
        verify_token(store, secret)
        assert datetime.now(UTC) - known(_last_used(store, token.id)) < timedelta(
            minutes=1
        )  # and now it is
        assert verify_token(store, "ci_not-a-token") is None


def test_a_token_read_that_fails_is_a_store_error(tmp_path):
    """The token lookup reads on a plain connection (Database.reading): a database failure there is still our
    StoreError (the API's 503), not SQLAlchemy's own exception."""
    path = tmp_path / "broken.db"
    with Store(f"sqlite:///{path}") as store:
        _, secret = create_token(store, "manager", "laptop")
        holder = sqlite3.connect(path)
        holder.execute("ALTER TABLE api_tokens RENAME TO api_tokens_gone")
        holder.commit()
        holder.close()
        with pytest.raises(StoreError, match="database error"):
            verify_token(store, secret)
