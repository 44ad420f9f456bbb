"""The database: one SQLAlchemy engine, its Alembic-migrated schema, and transactions.

``Database`` knows nothing of interactions, jobs or tokens: it opens the engine (SQLite or PostgreSQL behind one
URL), migrates the schema, and hands out transactions. What is stored and how it is read is the repositories'
(``models/*_repo.py``): functions over the caller's Session, so that one operation (an ingested file, a pipeline
stage with its job's progress, an API request) is one transaction that commits whole or not at all.
``models/queue.py`` and ``models/tasks.py`` (and models/pages.py's lists) still open their own transactions from
a Store. ``models/store.py``'s ``Store`` is a Database with the older one-call methods.
"""

from __future__ import annotations

import fcntl
import functools
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Executable,
    Select,
    String,
    any_,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Connection, CursorResult, Dialect, Engine, Result, make_url
from sqlalchemy.exc import ArgumentError, DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from models.errors import StoreError
from models.private_files import FILE_MODE, create_private_file, make_private_dir
from models.store_version import VERSION, StoreSchema, VersionedSession

if TYPE_CHECKING:
    from alembic.config import Config

    from models.settings import Settings

__all__ = [
    "BUSY_TIMEOUT_MS",
    "Database",
    "DriverRead",
    "among",
    "batched",
    "dialect_of",
    "describe_error",
    "rejected_row",
    "rowcount",
]

logger = logging.getLogger("callintel.store")
MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 30_000  # SQLite: how long a writer waits for another process's write lock
# SQLite: each connection's page cache, KiB (its default is 2 MiB: a large book's index lookups then read
# most pages again from the OS on every request); allocated as pages are read, so a small store stays small
CACHE_KIB = 65_536


def among(column: Any, name: str, dialect: str) -> ColumnElement[bool]:
    """``column`` (a text column) equal to one of the list parameter ``name``: on PostgreSQL ``= ANY(:name)``,
    one array parameter (one statement text whatever the list's length, so psycopg prepares it once a
    connection, and one value to adapt, not one a member); elsewhere an expanding ``IN (...)``."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(String())))
    return column.in_(bindparam(name, expanding=True))


def dialect_of(reads: Session | Connection) -> str:
    """The dialect's name of a session's or a connection's database."""
    return reads.dialect.name if isinstance(reads, Connection) else reads.get_bind().dialect.name


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.execute(
        "PRAGMA journal_mode=WAL"
    )  # readers do not wait for the writer (worker processes share the file)
    cursor.close()


SQLITE_HINTS = {  # SQLite's terse messages, with what to check
    "unable to open database file": "cannot open the database file: check that its folder exists and is writable",
    "attempt to write a readonly database": "the database is read-only: check that the file and its folder are writable",
}


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched (Session.execute is typed to return a plain Result)."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"a row count needs the result of an UPDATE or DELETE, not {result!r}")
    return result.rowcount


def describe_error(exc: Exception) -> str:
    """One line on a database failure, with a hint where SQLite's own message is cryptic."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return SQLITE_HINTS.get(message, message)


def rejected_row(exc: StoreError) -> bool:
    """Whether a StoreError came from a row the database refused (a value too long for its column, a broken
    constraint): that one write failed, the database itself is usable."""
    return isinstance(exc.__context__, DataError | IntegrityError)


def batched(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``values`` in lists of ``size`` (the last one shorter); itertools.batched is Python 3.12."""
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _prepare_sqlite_file(database: str) -> None:
    """The database's folder (0700 when created here) and file (0600 when created here: SQLite gives its -wal and
    -shm files the same mode)."""
    path = Path(database).expanduser()
    try:
        make_private_dir(path.parent)
    except OSError as exc:
        raise StoreError(
            f"cannot create the database folder: {exc.strerror or exc}", database
        ) from None
    try:
        create_private_file(path)
    except OSError as exc:
        raise StoreError(
            f"cannot create the database file: {exc.strerror or exc} (is its folder writable?)",
            database,
        ) from None


@dataclass(frozen=True)
class DriverRead:
    """A Core SELECT compiled once for one dialect, to run on the driver's cursor without SQLAlchemy's execution
    and result layers (about 0.1 ms less a read: what every API request's token lookup saves). Its bound values
    go to the driver as given, so it takes only statements whose parameters need no conversion (strings,
    numbers); each column's value is converted as SQLAlchemy would (SQLite's text dates to aware datetimes)."""

    sql: str
    order: (
        tuple[str, ...] | None
    )  # the parameters' order for a positional driver (SQLite), else by name
    convert: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def of(cls, statement: Select, dialect: Dialect) -> DriverRead:
        compiled = statement.compile(dialect=dialect)
        for bind in compiled.binds.values():
            if bind.type._cached_bind_processor(dialect) is not None:
                raise TypeError(f"a driver read cannot convert parameter {bind.key!r}")
        return cls(
            str(compiled),
            tuple(compiled.positiontup or ()) if compiled.positional else None,
            tuple(
                column.type._cached_result_processor(dialect, None)
                for column in statement.selected_columns
            ),
        )

    def row(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            value if convert is None else convert(value)
            for convert, value in zip(self.convert, values, strict=True)
        )


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError("not a database URL (expected e.g. sqlite:///path/to.db)", url) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        _prepare_sqlite_file(parsed.database)
    try:
        engine = create_engine(parsed, future=True)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(
            f"cannot use database URL: {exc}", parsed.render_as_string(hide_password=True)
        ) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _scripts_config() -> Config:
    """An Alembic configuration naming the migration scripts (on first use: most commands never migrate)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def _head_revision() -> str | None:
    """The newest migration's revision, read from the scripts once per process."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_scripts_config()).get_current_head()


def _at_head(connection: Connection) -> bool:
    """Whether the database on ``connection`` is at the newest migration already."""
    from alembic.runtime.migration import MigrationContext

    heads = MigrationContext.configure(connection).get_current_heads()
    return heads == (_head_revision(),)


class Database:
    """The engine, the migrations and transactions; SQLite or PostgreSQL behind one URL."""

    def __init__(self, url: str, *, migrate: bool = True, settings: Settings | None = None) -> None:
        self.url = url
        self._settings = settings  # what a migration needs of them (0006: the secret key)
        self.engine = _create_engine(url)
        self.display_url = self.engine.url.render_as_string(hide_password=True)
        self._driver_reads: dict[Select, DriverRead] = {}  # see first_row
        self.schema = StoreSchema()  # has it store_version? (models/store_version.py)
        # the reads' engine (the same pool): PostgreSQL's connections in autocommit, without the BEGIN before
        # the first statement and the pool's ROLLBACK on return (two round trips, and 0.3-1 ms of the server's
        # CPU a request on the 10k book); under READ COMMITTED each statement of a transaction reads its own
        # snapshot anyway, so the reads see what they saw in one. SQLite begins no transaction for a SELECT.
        self._reader = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "postgresql"
            else self.engine
        )
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def alembic_config(self) -> Config:
        config = _scripts_config()
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        config.attributes["settings"] = self._migration_settings  # read by migration 0006
        return config

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic (idempotent; processes starting together take turns)."""
        config = self.alembic_config()
        try:
            with self._migration_lock(), self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(7241)")
                    )  # one migrator at a time
                if revision == "head" and _at_head(connection):
                    self.schema.versioned = True
                    return  # nothing to run: skips loading every migration script again
                config.attributes["connection"] = connection
                from alembic import command

                command.upgrade(config, revision)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot migrate the database: {describe_error(exc)}", self.display_url
            ) from None
        self.schema.versioned = revision == "head"  # an older revision: looked at on a write

    def _migration_settings(self) -> Settings:
        """The settings a migration reads (0006: CALLINTEL_SECRET_KEY), called only when one needs them: those
        this Database was opened with, else the process's (the environment's CALLINTEL_* variables)."""
        if self._settings is not None:
            return self._settings
        from models.settings import get_settings

        return get_settings()

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """SQLite: an exclusive lock on ``<database>.lock`` while migrating (its DDL is not otherwise serialised)."""
        database = self.engine.url.database
        if self.dialect != "sqlite" or database in (None, "", ":memory:"):
            yield
            return
        try:
            descriptor = os.open(f"{database}.lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
        except OSError as exc:
            raise StoreError(
                f"cannot create the migration lock {database}.lock: {exc.strerror or exc} "
                "(is the database folder writable?)",
                self.display_url,
            ) from None
        with os.fdopen(descriptor) as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for Core reads, without an ORM session (a few tenths of a ms less a read; the token
        lookup every API request makes is cheaper still: ``first_row``); SQLAlchemy's errors as StoreError, as
        in ``transaction``. PostgreSQL's in autocommit (``_reader``)."""
        try:
            with self._reader.connect() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {describe_error(exc)}", self.display_url) from None

    def reads(self) -> AbstractContextManager[Session]:
        """A session for reads only (one that writes nothing: a write here would commit at once on
        PostgreSQL), as ``transaction`` gives one; PostgreSQL's in autocommit (``_reader``)."""
        return self._session(self._reader)

    def first_row(self, statement: Select, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """The first row of a prebuilt ``statement`` (built once, at import: compiled on its first use here) as a
        ``DriverRead``, on a connection from the engine's pool; the driver's errors as StoreError (a lost
        connection is dropped from the pool, as SQLAlchemy's own execution does)."""
        read = self._driver_reads.get(statement)
        if read is None:
            read = self._driver_reads[statement] = DriverRead.of(statement, self.engine.dialect)
        bound = params if read.order is None else tuple(params[name] for name in read.order)
        driver_error = self.engine.dialect.loaded_dbapi.Error
        try:
            connection = self.engine.raw_connection()
        except (SQLAlchemyError, driver_error) as exc:
            raise StoreError(f"database error: {describe_error(exc)}", self.display_url) from None
        try:
            found = self._fetch_one(connection.dbapi_connection, read.sql, bound)
        except driver_error as exc:
            if self.engine.dialect.is_disconnect(exc, connection.dbapi_connection, None):
                connection.invalidate(exc)
            raise StoreError(f"database error: {describe_error(exc)}", self.display_url) from None
        finally:
            connection.close()  # back to the pool
        return None if found is None else read.row(tuple(found))

    def store_version(self) -> int:
        """The store's version (models/store_version.py): it changes when, and only when, a transaction that
        changed data commits. One driver read, as the token lookup is."""
        found = self.first_row(VERSION, {"id": 1})
        if found is None:
            raise StoreError("the store has no version row (migration 0019)", self.display_url)
        return int(found[0])

    def _fetch_one(self, raw: Any, sql: str, bound: Any) -> Any:
        """PostgreSQL reads in autocommit: one round trip, where a transaction's BEGIN and the pool's ROLLBACK on
        return are two more (half the read's CPU and wall time); SQLite begins none for a SELECT."""
        postgres = self.dialect == "postgresql"
        if postgres:
            raw.autocommit = True
        cursor = raw.cursor()
        try:
            cursor.execute(sql, bound)
            return cursor.fetchone()
        finally:
            cursor.close()
            if postgres:
                raw.autocommit = (
                    False  # as the pool hands connections out (on a lost one: an error)
                )

    def transaction(self) -> AbstractContextManager[Session]:
        """A session whose work commits on success and rolls back on any error."""
        return self._session(self.engine)

    @contextmanager
    def _session(self, bind: Engine) -> Iterator[Session]:
        """A session on ``bind`` (the engine, or the reads' ``_reader``) that commits on success and rolls back
        on any error; SQLAlchemy's errors as StoreError. A commit that changed data bumps the store's version
        (``VersionedSession``)."""
        try:
            with (
                VersionedSession(bind, self.schema, expire_on_commit=False) as session,
                session.begin(),
            ):
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {describe_error(exc)}", self.display_url) from None

    def write_quietly(self, statement: Executable, what: str) -> None:
        """Run a bookkeeping write (a token's last use) if the database takes it at once: a read never waits on
        it, and a busy database only costs the write (logged at debug level)."""
        sqlite = self.dialect == "sqlite"
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql(
                    "PRAGMA busy_timeout=0" if sqlite else "SET lock_timeout = '100ms'"
                )
                try:
                    connection.execute(statement)
                    connection.commit()
                finally:
                    connection.rollback()
                    connection.exec_driver_sql(
                        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}" if sqlite else "RESET lock_timeout"
                    )
                    connection.commit()
        except SQLAlchemyError:
            logger.debug("%s not recorded (the database is busy)", what)
