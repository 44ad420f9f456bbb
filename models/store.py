"""The store: one SQLAlchemy engine, Alembic-migrated schema, transactional writes.

Every write method runs in a single transaction: it commits whole or not at
all, so a crash mid-write leaves nothing half-written. Re-ingesting content
whose sha256 is already stored is a no-op.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    create_engine,
    delete,
    event,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.engine import CursorResult, Engine, Result, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from models import convert
from models.accounts_repo import AccountBatch, AccountCounts, dialect_insert, save_account_batch
from models.analysis import CallMetrics, Summary
from models.errors import StoreError
from models.private_files import FILE_MODE, create_private_file, make_private_dir
from models.records import Interaction, Sentiment, Tag, Transcript, UsageEvent, Utterance
from models.tables import (
    SEARCH_INDEX,
    CallMetricsRow,
    CustomerRow,
    InteractionRow,
    JobRow,
    SummaryRow,
    TagRow,
    TranscriptRow,
    UsageEventRow,
    UtteranceRow,
)

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "BatchResult",
    "CustomerCounts",
    "FlaggedInteraction",
    "NewInteraction",
    "Severity",
    "Store",
    "StoredInteraction",
    "rowcount",
    "search_query",
    "search_words",
]

logger = logging.getLogger("callintel.store")
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class StoredInteraction:
    interaction: Interaction
    transcript: Transcript | None
    tags: list[Tag]
    sentiments: list[Sentiment | None]


class NewInteraction(Protocol):
    """What save_batch needs of each item (ingest.parsed.IngestItem, a frozen dataclass, fits): read-only."""

    @property
    def interaction(self) -> Interaction: ...
    @property
    def transcript(self) -> Transcript | None: ...
    @property
    def customer_name(self) -> str | None: ...


@dataclass(frozen=True)
class BatchResult:
    created: list[str]
    skipped: int
    usage_events: int
    accounts: AccountCounts = AccountCounts()


@dataclass(frozen=True)
class FlaggedInteraction:
    """One row of the managers' queue: an interaction, how often each label fired, and its strongest tag."""

    interaction: Interaction
    label_counts: dict[str, int]
    top: Tag
    severity: Severity | None = None
    assignee: str | None = None
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None


@dataclass(frozen=True)
class Severity:
    """Why a call ranks where it does: ``total = weight × score × recency × value`` (models/pages.py)."""

    total: float
    weight: float
    score: float
    recency: float
    value: float


@dataclass(frozen=True)
class CustomerCounts:
    customer_id: str
    name: str | None
    calls: int
    tickets: int
    usage_events: int


USAGE_BATCH = 2_000  # usage events per INSERT statement: bounded whatever the file's size
BUSY_TIMEOUT_MS = 30_000  # SQLite: how long a writer waits for another process's write lock


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
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


def describe_error(exc: SQLAlchemyError) -> str:
    """One line on a database failure, with a hint where SQLite's own message is cryptic."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return SQLITE_HINTS.get(message, message)


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


_insert = dialect_insert  # the dialect's INSERT, with ON CONFLICT (SQLite and PostgreSQL both)


def batched(values: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``values`` in lists of ``size`` (the last one shorter); itertools.batched is Python 3.12."""
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


def search_words(text: str) -> list[str]:
    """The words a search looks for, lower-cased, as both full-text indexes split text (letters and digits)."""
    return re.findall(r"[^\W_]+", text.lower())


def _matches(dialect: str, words: list[str]) -> ColumnElement[bool]:
    """Utterances holding every word (or a word it starts), through the dialect's full-text index."""
    if dialect == "sqlite":
        phrase = " ".join(f'"{w}"*' for w in words)
        found = select(literal_column("rowid", Integer)).select_from(table(SEARCH_INDEX))
        return UtteranceRow.id.in_(found.where(literal_column(SEARCH_INDEX).op("MATCH")(phrase)))
    vector = func.to_tsvector(literal("simple", REGCONFIG), UtteranceRow.text)
    query = func.to_tsquery(literal("simple", REGCONFIG), " & ".join(f"{w}:*" for w in words))
    return vector.op("@@")(query)


def search_query(dialect: str, words: list[str], rep: str | None = None, limit: int = 50) -> Select:
    """(interaction id, utterance row) holding every word, newest interaction first, only ``rep``'s if given."""
    query = (
        select(UtteranceRow.interaction_id, UtteranceRow)
        .join(InteractionRow, InteractionRow.id == UtteranceRow.interaction_id)
        .where(_matches(dialect, words))
        .order_by(InteractionRow.occurred_at.desc(), UtteranceRow.idx)
        .limit(limit)
    )
    return query.where(InteractionRow.rep == rep) if rep is not None else query


def _customer_names(items: Sequence[NewInteraction]) -> dict[str, str | None]:
    """Each item's customer with the first name any item gives it."""
    names: dict[str, str | None] = {}
    for item in items:
        customer_id = item.interaction.customer_id
        names[customer_id] = names.get(customer_id) or item.customer_name
    return names


class Store:
    """Typed records in, typed records out; SQLite or PostgreSQL behind one URL."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = _create_engine(url)
        self.display_url = self.engine.url.render_as_string(hide_password=True)
        if migrate:
            self.migrate()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def alembic_config(self) -> Config:
        from alembic.config import Config  # on first use: most commands never migrate

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
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
                config.attributes["connection"] = connection
                from alembic import command

                command.upgrade(config, revision)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot migrate the database: {describe_error(exc)}", self.display_url
            ) from None

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """SQLite: an exclusive lock on ``<database>.lock`` while migrating (its DDL is not otherwise serialised)."""
        database = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
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
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any error."""
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {describe_error(exc)}", self.display_url) from None

    # -- writes -------------------------------------------------------------------------

    def save_interaction(
        self,
        interaction: Interaction,
        transcript: Transcript | None = None,
        tags: Sequence[Tag] = (),
        sentiments: Sequence[Sentiment | None] = (),
        customer_name: str | None = None,
    ) -> bool:
        """Store an interaction with its transcript; False when its content is already stored."""
        with self.transaction() as session:
            self._ensure_customers(session, {interaction.customer_id: customer_name})
            return self._add_interaction(session, interaction, transcript, tags, sentiments)

    def save_batch(
        self,
        items: Sequence[NewInteraction],
        usage_events: Sequence[UsageEvent] = (),
        accounts: AccountBatch = AccountBatch(),
    ) -> BatchResult:
        """Store interactions, usage events and account data (models/accounts_repo.py) from one source in a
        single transaction; a survey comment's ticket is among ``items``, linked by ``accounts.survey_links``.

        Safe under concurrency: processes storing the same content race on the database's unique sha256, and
        exactly one creates it; the others find it already stored. Rows are written in a fixed order (customers
        by id, interactions by sha256) so that two transactions never wait on each other in a cycle.
        """
        with self.transaction() as session:
            more = [*(event.customer_id for event in usage_events), *accounts.customer_ids()]
            self._ensure_customers(session, _customer_names(items), more)
            ordered = sorted(items, key=lambda item: item.interaction.sha256)
            new = {
                item.interaction.id
                for item in ordered
                if self._add_interaction(session, item.interaction, item.transcript, (), ())
            }
            events = self._add_usage_events(session, usage_events)
            counts = save_account_batch(session, accounts)
        created = [item.interaction.id for item in items if item.interaction.id in new]
        return BatchResult(created, len(items) - len(created), events, counts)

    def _add_interaction(
        self,
        session: Session,
        interaction: Interaction,
        transcript: Transcript | None,
        tags: Sequence[Tag],
        sentiments: Sequence[Sentiment | None],
    ) -> bool:
        """Insert the interaction unless its sha256 is stored (by this or a concurrent transaction), then its rows."""
        values = {**interaction.model_dump(exclude={"metadata"}), "meta": interaction.metadata}
        stored = (
            _insert(session, InteractionRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["sha256"])
        )
        if session.scalar(stored.returning(InteractionRow.id)) is None:
            return False
        if transcript is not None:
            session.add(convert.transcript_row(transcript, interaction.id))
            session.add_all(convert.utterance_rows(transcript, sentiments, interaction.id))
        session.add_all(convert.tag_row(tag, interaction.id) for tag in tags)
        session.add(
            JobRow(interaction_id=interaction.id, status="queued", attempts=0)
        )  # analysed by the pipeline
        session.flush()
        return True

    def replace_analysis(
        self, interaction_id: str, tags: Sequence[Tag], sentiments: Sequence[Sentiment | None]
    ) -> None:
        """Replace an interaction's tags and utterance sentiments in one transaction (re-runnable)."""
        with self.transaction() as session:
            self.put_analysis(session, interaction_id, tags, sentiments)

    # Writers inside a caller's transaction (the pipeline commits a stage's output with its job's progress).

    @staticmethod
    def put_transcript(session: Session, transcript: Transcript) -> None:
        """Replace an interaction's transcript; its utterances and tags go with the old one."""
        row = session.get(InteractionRow, transcript.interaction_id)
        if row is None:
            raise StoreError(f"no interaction {transcript.interaction_id}")
        session.execute(delete(TagRow).where(TagRow.interaction_id == row.id))
        session.execute(delete(UtteranceRow).where(UtteranceRow.interaction_id == row.id))
        session.execute(delete(TranscriptRow).where(TranscriptRow.interaction_id == row.id))
        session.add(convert.transcript_row(transcript, row.id))
        session.add_all(convert.utterance_rows(transcript, (), row.id))
        session.flush()
        session.expire(row)

    @staticmethod
    def put_analysis(
        session: Session,
        interaction_id: str,
        tags: Sequence[Tag],
        sentiments: Sequence[Sentiment | None],
    ) -> None:
        row = session.get(
            InteractionRow, interaction_id, options=[selectinload(InteractionRow.utterances)]
        )
        if row is None:
            raise StoreError(f"no interaction {interaction_id}")
        row.tags = [convert.tag_row(tag, interaction_id) for tag in tags]
        for utterance, sentiment in zip(row.utterances, sentiments, strict=False):
            utterance.sentiment_label = sentiment.label if sentiment else None
            utterance.sentiment_score = sentiment.score if sentiment else None

    @staticmethod
    def put_metrics(session: Session, metrics: CallMetrics) -> None:
        session.merge(
            CallMetricsRow(
                interaction_id=metrics.interaction_id, data=metrics.model_dump(mode="json")
            )
        )

    @staticmethod
    def put_summary(session: Session, summary: Summary) -> None:
        session.merge(
            SummaryRow(interaction_id=summary.interaction_id, data=summary.model_dump(mode="json"))
        )

    def save_usage_events(self, events: Iterable[UsageEvent]) -> int:
        """Store usage events, skipping ones already stored; returns how many were new."""
        events = list(events)
        with self.transaction() as session:
            self._ensure_customers(session, {}, (event.customer_id for event in events))
            return self._add_usage_events(session, events)

    @staticmethod
    def _add_usage_events(session: Session, events: Iterable[UsageEvent]) -> int:
        """Insert the events whose dedup key is not stored yet (here or by a concurrent transaction), in
        statements of USAGE_BATCH rows (a file of 440,000 events is one transaction of many bounded INSERT ...
        ON CONFLICT DO NOTHING statements); keys in sorted order, so concurrent writers never wait in a cycle."""
        by_key = {event.dedup_key(): event for event in events}
        statement = _insert(session, UsageEventRow).on_conflict_do_nothing(
            index_elements=["dedup_key"]
        )
        new = 0
        for keys in batched(sorted(by_key), USAGE_BATCH):
            rows = [{**by_key[key].model_dump(), "dedup_key": key} for key in keys]
            new += len(session.scalars(statement.returning(UsageEventRow.id), rows).all())
        return new

    @staticmethod
    def _ensure_customers(
        session: Session, names: dict[str, str | None], more: Iterable[str] = ()
    ) -> None:
        """Create each customer not stored yet (concurrent creators do not clash) and fill in a missing name."""
        for customer_id in sorted({*names, *more}):
            session.execute(
                _insert(session, CustomerRow)
                .values(id=customer_id, name=names.get(customer_id))
                .on_conflict_do_nothing(index_elements=["id"])
            )
            if names.get(customer_id):
                session.execute(
                    update(CustomerRow)
                    .where(CustomerRow.id == customer_id, CustomerRow.name.is_(None))
                    .values(name=names[customer_id])
                )

    # -- reads --------------------------------------------------------------------------

    def get_interaction(self, interaction_id: str) -> StoredInteraction | None:
        with self.transaction() as session:
            row = session.get(
                InteractionRow,
                interaction_id,
                options=[
                    selectinload(InteractionRow.utterances),
                    selectinload(InteractionRow.tags),
                    selectinload(InteractionRow.transcript),
                ],
            )
            return convert.stored_interaction(row) if row else None

    def get_metrics(self, interaction_id: str) -> CallMetrics | None:
        with self.transaction() as session:
            row = session.get(CallMetricsRow, interaction_id)
            return CallMetrics.model_validate(row.data) if row else None

    def get_summary(self, interaction_id: str) -> Summary | None:
        with self.transaction() as session:
            row = session.get(SummaryRow, interaction_id)
            return Summary.model_validate(row.data) if row else None

    def latest_event_time(self) -> datetime | None:
        """When the newest interaction or usage event happened (None in an empty store)."""
        with self.transaction() as session:
            latest = [
                session.scalar(select(func.max(InteractionRow.occurred_at))),
                session.scalar(select(func.max(UsageEventRow.occurred_at))),
            ]
        times = [t.replace(tzinfo=UTC) if t.tzinfo is None else t for t in latest if t is not None]
        return max(times, default=None)

    def search_utterances(
        self, text: str, rep: str | None = None, limit: int = 50
    ) -> list[tuple[str, Utterance]]:
        """(interaction id, utterance) holding every word of ``text`` (case-insensitive; each word also matches
        as the start of a longer one: ``price`` finds "pricing"), newest interaction first. The database's
        full-text index answers (SQLite FTS5, PostgreSQL tsvector + GIN: migration 0011), not a scan."""
        words = search_words(text)
        if not words:
            return []
        query = search_query(self.engine.dialect.name, words, rep, limit)
        with self.transaction() as session:
            return [
                (interaction_id, convert.utterance(row))
                for interaction_id, row in session.execute(query)
            ]

    def find_interaction_ids(self, prefix: str) -> list[str]:
        """Stored interaction ids starting with ``prefix`` (users type a few characters of an id)."""
        with self.transaction() as session:
            query = select(InteractionRow.id).where(
                InteractionRow.id.startswith(prefix, autoescape=True)
            )
            return list(session.scalars(query.order_by(InteractionRow.id).limit(10)))

    def list_interactions(
        self,
        customer_id: str | None = None,
        kind: str | None = None,
        ids: Iterable[str] | None = None,
    ) -> list[Interaction]:
        """Interactions in time order, of one customer, one kind or with these ids (all when none is given)."""
        query = select(InteractionRow).order_by(InteractionRow.occurred_at, InteractionRow.id)
        if customer_id:
            query = query.where(InteractionRow.customer_id == customer_id)
        if kind:
            query = query.where(InteractionRow.kind == kind)
        if ids is not None:
            query = query.where(InteractionRow.id.in_(list(ids)))
        with self.transaction() as session:
            return [convert.interaction(row) for row in session.scalars(query)]

    def list_reps(self, kind: str | None = None) -> list[str]:
        """The reps named on interactions (of one kind), sorted."""
        query = (
            select(InteractionRow.rep)
            .where(InteractionRow.rep.is_not(None))
            .distinct()
            .order_by(InteractionRow.rep)
        )
        if kind:
            query = query.where(InteractionRow.kind == kind)
        with self.transaction() as session:
            return list(session.scalars(query))

    def list_usage_events(self, customer_id: str | None = None) -> list[UsageEvent]:
        query = select(UsageEventRow).order_by(UsageEventRow.occurred_at, UsageEventRow.id)
        if customer_id:
            query = query.where(UsageEventRow.customer_id == customer_id)
        with self.transaction() as session:
            return [convert.usage_event(row) for row in session.scalars(query)]

    def flagged_queue(
        self, kind: str | None = "call", min_score: float = 0.0, limit: int = 50
    ) -> list[FlaggedInteraction]:
        """Interactions with customer tags (any speaker but the rep), strongest first: highest tag score, then
        most tags. The severity-ranked, paged queue is models/pages.py's flagged_page."""
        query = (
            select(TagRow, InteractionRow)
            .join(InteractionRow, TagRow.interaction_id == InteractionRow.id)
            .where(TagRow.score >= min_score, TagRow.speaker_role != "rep")
        )
        if kind:
            query = query.where(InteractionRow.kind == kind)
        grouped: dict[str, tuple[InteractionRow, list[TagRow]]] = {}
        with self.transaction() as session:
            for tag_row, interaction_row in session.execute(query):
                grouped.setdefault(interaction_row.id, (interaction_row, []))[1].append(tag_row)
            rows = [
                FlaggedInteraction(
                    convert.interaction(row),
                    dict(sorted(Counter(t.label for t in tags).items())),
                    convert.tag(max(tags, key=lambda t: (t.score, -t.utterance_index))),
                )
                for row, tags in grouped.values()
            ]
        rows.sort(
            key=lambda f: (-f.top.score, -sum(f.label_counts.values()), f.interaction.occurred_at)
        )
        return rows[:limit]

    def customer_counts(self) -> list[CustomerCounts]:
        """Per customer: calls, tickets and usage events stored, ordered by id."""
        with self.transaction() as session:
            kinds = session.execute(
                select(InteractionRow.customer_id, InteractionRow.kind, func.count()).group_by(
                    InteractionRow.customer_id, InteractionRow.kind
                )
            ).all()
            usage = dict(
                session.execute(
                    select(UsageEventRow.customer_id, func.count()).group_by(
                        UsageEventRow.customer_id
                    )
                ).all()
            )
            customers = session.execute(
                select(CustomerRow.id, CustomerRow.name).order_by(CustomerRow.id)
            ).all()
        per_kind = {(cid, kind): n for cid, kind, n in kinds}
        return [
            CustomerCounts(
                cid,
                name,
                per_kind.get((cid, "call"), 0),
                per_kind.get((cid, "ticket"), 0),
                usage.get(cid, 0),
            )
            for cid, name in customers
        ]
