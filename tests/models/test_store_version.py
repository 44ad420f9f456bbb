"""The store's version (models/store_version.py, migration 0019): one bump per committed transaction that
changed data, none for a read, a rolled-back transaction or a bookkeeping write."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, insert, select, text, update

from models.store import Store
from models.tables import ApiTokenRow, CustomerRow, StoreVersionRow


def _customer(store: Store, cid: str) -> None:
    with store.transaction() as session:
        session.add(CustomerRow(id=cid, name=cid))


@pytest.mark.both_backends
def test_a_transaction_that_writes_bumps_the_version_once(store, backend):
    start = store.store_version()
    _customer(store, "a")  # ORM objects, flushed at the commit
    assert store.store_version() == start + 1
    with store.transaction() as session:  # three statements, one transaction
        session.execute(insert(CustomerRow).values(id="b", name="b"))
        session.execute(update(CustomerRow).where(CustomerRow.id == "b").values(name="bee"))
        session.execute(text("DELETE FROM customers WHERE id = 'a'"))
    assert store.store_version() == start + 2
    with store.transaction() as session:
        session.execute(text("UPDATE customers SET name = 'b' WHERE id = 'b'"))  # text DML
    assert store.store_version() == start + 3
    with store.transaction() as session:
        assert session.scalar(select(StoreVersionRow.version)) == start + 3  # the row the reads see


@pytest.mark.both_backends
def test_reads_a_rolled_back_transaction_and_bookkeeping_do_not_bump(store, backend):
    _customer(store, "a")
    start = store.store_version()
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CustomerRow)) == 1
        session.execute(text("SELECT name FROM customers"))
        session.get(CustomerRow, "a")  # loaded, not changed
    with store.reads() as session:
        session.execute(select(CustomerRow.id)).all()
    with pytest.raises(RuntimeError), store.transaction() as session:
        session.execute(insert(CustomerRow).values(id="gone", name="gone"))
        raise RuntimeError("rolled back")
    store.write_quietly(update(ApiTokenRow).values(last_used_at=None), "a token's last use")
    assert store.store_version() == start
    with store.transaction() as session:
        assert session.get(CustomerRow, "gone") is None


def test_a_read_only_transaction_takes_no_write_lock_on_sqlite(store):
    """Another connection holds SQLite's write lock: a read-only transaction still commits, at once (with the
    version's bump it would wait for the lock)."""
    _customer(store, "a")
    start = store.store_version()
    holder = sqlite3.connect(store.engine.url.database, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        store.engine.dispose()  # fresh connections, with a short busy timeout below
        with store.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout=100")
        with store.transaction() as session:
            session.execute(text("PRAGMA busy_timeout=100"))
            assert session.get(CustomerRow, "a") is not None
    finally:
        holder.rollback()
        holder.close()
    assert store.store_version() == start


@contextmanager
def _statements(store: Store) -> Iterator[list[str]]:
    """The statements ``store``'s engine sends while the block runs."""
    sent: list[str] = []

    def noted(_connection, _cursor, statement: str, *_rest) -> None:
        sent.append(statement)

    event.listen(store.engine, "before_cursor_execute", noted)
    try:
        yield sent
    finally:
        event.remove(store.engine, "before_cursor_execute", noted)


def _two_statements(sent: list[str], first: Callable[[str], bool]) -> bool:
    return len(sent) == 2 and first(sent[0]) and sent[1].startswith("UPDATE store_version")


@pytest.mark.both_backends
def test_a_write_reads_no_catalogue_the_store_knows_its_schema(store, backend):
    """Migrated to the head when it opened, the store knows it has ``store_version``: a write's commit sends the
    write and the bump, and no catalogue read."""
    _customer(store, "warm")
    with _statements(store) as sent:
        _customer(store, "a")
    assert _two_statements(sent, lambda first: first.startswith("INSERT INTO customers")), sent


@pytest.mark.both_backends
def test_a_store_opened_below_0019_bumps_once_another_process_migrates_it(db_url, backend):
    """A store opened without migrating, below 0019: its writes commit (nothing to bump); once another process
    migrates it to the head, its writes bump the version, and having seen the table they read no catalogue."""
    with Store(db_url, migrate=False) as old:
        old.migrate("0018")
        _customer(old, "a")
        Store(db_url).close()  # another process opens it: migrated to the head
        _customer(old, "b")
        start = old.store_version()
        with _statements(old) as sent:
            _customer(old, "c")
        assert _two_statements(sent, lambda first: first.startswith("INSERT INTO customers")), sent
        assert old.store_version() == start + 1
