"""The store's version: one number that every data-changing transaction adds one to, in that transaction.

``Database`` opens its sessions as ``VersionedSession``: a session notes that it wrote when it runs an INSERT,
UPDATE or DELETE (an ORM statement or text through ``session.execute``) or flushes new, changed or deleted
objects, and, if it did, bumps ``store_version`` (migration 0019) just before it commits. A transaction that only
reads bumps nothing (on SQLite it stays a read: no write lock); a rolled-back one leaves the version as it was,
its bump with it. The bookkeeping writes of ``Database.write_quietly`` (a token's last use) run on a plain
connection, not a session, and bump nothing. A reader that sees the same version twice has seen the same data:
api/service.py keeps the book-wide reports' answers by it.

Writes run on ``session.connection()`` directly are not seen here: the repositories read there, they write
through ``session.execute``.

Whether the schema has ``store_version`` is known once a Database (its ``StoreSchema``), not asked of the
catalogue on every commit: ``Database.migrate`` to the head says yes; a store opened without migrating (or
migrated to an older revision) is looked at on its writes until the table is there (another process may migrate
it meanwhile), then known. A table dropped under an open Database (Alembic's downgrade run directly, as a
migration's test does) is not seen: reopen the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Delete,
    Insert,
    TextClause,
    Update,
    bindparam,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from models.tables import StoreVersionRow

__all__ = ["VERSION", "StoreSchema", "VersionedSession"]

WROTE = "callintel.wrote"  # session.info's key: the open transaction changed data
VERSION = select(StoreVersionRow.version).where(
    StoreVersionRow.id == bindparam("id")
)  # the one row's version (Database.store_version: id 1)
_BUMP = (
    update(StoreVersionRow)
    .where(StoreVersionRow.id == 1)
    .values(version=StoreVersionRow.version + 1)
)


@dataclass
class StoreSchema:
    """What a Database knows of its schema: that it has ``store_version`` (False: not known, looked at by each
    commit that writes until it is)."""

    versioned: bool = False

    def has_version_table(self, session: Session) -> bool:
        if not self.versioned:
            self.versioned = _has_version_table(session)
        return self.versioned


class VersionedSession(Session):
    """A Session whose committed writes bump ``store_version`` (the listeners below: on this class only), when
    its Database's ``schema`` has that table."""

    def __init__(self, bind: Any, schema: StoreSchema, **options: Any) -> None:
        super().__init__(bind, **options)
        self.schema = schema


@event.listens_for(VersionedSession, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, Insert | Update | Delete) or _is_dml_text(statement):
        state.session.info[WROTE] = True


def _is_dml_text(statement: Any) -> bool:
    """Whether a ``text()`` statement writes: its first word INSERT, UPDATE, DELETE or REPLACE."""
    if not isinstance(statement, TextClause):
        return False
    words = statement.text.split(None, 1)
    return bool(words) and words[0].upper() in {"INSERT", "UPDATE", "DELETE", "REPLACE"}


@event.listens_for(VersionedSession, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[WROTE] = True


@event.listens_for(VersionedSession, "before_commit")
def _bump(session: VersionedSession) -> None:
    """Bump the version in the committing transaction (the outermost one only: a savepoint's commit is not the
    transaction's). Objects still pending flush after this hook, so they count as writes here."""
    if session.in_nested_transaction():
        return
    if session.new or session.dirty or session.deleted:
        session.info[WROTE] = True
    if session.info.pop(WROTE, False) and session.schema.has_version_table(session):
        session.execute(_BUMP)
        session.info.pop(WROTE, None)  # the bump's own UPDATE noted it again


def _has_version_table(session: Session) -> bool:
    """Whether the schema has ``store_version`` (not below migration 0019): one catalogue read."""
    return inspect(session.connection()).has_table(StoreVersionRow.__tablename__)


@event.listens_for(VersionedSession, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed or rolled back: nothing of it is pending any more
        session.info.pop(WROTE, None)
