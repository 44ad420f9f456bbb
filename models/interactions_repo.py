"""Interactions and what the pipeline makes of them: transcripts, utterances (and their search), tags, call
metrics, summaries; the customers they belong to.

Functions over the caller's Session (one operation, one transaction: see models/database.py). An interaction is
inserted ``ON CONFLICT DO NOTHING`` on its content's sha256, so re-ingesting the same content is a no-op and of
several processes storing it at once exactly one creates it; with it goes its job (queued for the pipeline).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    delete,
    func,
    literal_column,
    select,
    table,
    update,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import BindParameter

from models import convert
from models.accounts_repo import dialect_insert
from models.accounts_repo import ensure_customers as ensure_customer_ids
from models.analysis import CallMetrics, Summary
from models.errors import StoreError
from models.records import Interaction, Sentiment, Tag, Transcript, Utterance
from models.tables import (
    SEARCH_INDEX,
    Base,
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

__all__ = [
    "TEXT_LIMITS",
    "CustomerCounts",
    "FlaggedInteraction",
    "NewInteraction",
    "Severity",
    "StoredInteraction",
    "add_interaction",
    "customer_counts",
    "ensure_customers",
    "find_interaction_ids",
    "flagged_queue",
    "InteractionView",
    "get_interaction",
    "interaction_view",
    "get_metrics",
    "get_summary",
    "latest_interaction_time",
    "list_interactions",
    "list_reps",
    "put_analysis",
    "put_metrics",
    "put_summary",
    "put_transcript",
    "search_phrase",
    "search_query",
    "search_utterances",
    "search_words",
    "upload_references",
]


@dataclass(frozen=True)
class StoredInteraction:
    interaction: Interaction
    transcript: Transcript | None
    tags: list[Tag]
    sentiments: list[Sentiment | None]


class NewInteraction(Protocol):
    """What a batch write needs of each item (ingest.parsed.IngestItem, a frozen dataclass, fits): read-only."""

    @property
    def interaction(self) -> Interaction: ...
    @property
    def transcript(self) -> Transcript | None: ...
    @property
    def customer_name(self) -> str | None: ...


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


def _length(row: type[Base], column: str) -> int:
    kind = row.__table__.c[column].type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{row.__name__}.{column} is not a String of a given length")
    return kind.length


# The sizes of the text columns a source fills (ingest/validation.py refuses longer values before storing).
TEXT_LIMITS: dict[str, int] = {
    "rep": _length(InteractionRow, "rep"),
    "title": _length(InteractionRow, "title"),
    "kind": _length(InteractionRow, "kind"),
    "speaker_label": _length(UtteranceRow, "speaker_label"),
    "customer_name": _length(CustomerRow, "name"),
    "language": _length(TranscriptRow, "language"),
}


# -- writes -------------------------------------------------------------------------------------------


def customer_names(items: Sequence[NewInteraction]) -> dict[str, str | None]:
    """Each item's customer with the first name any item gives it."""
    names: dict[str, str | None] = {}
    for item in items:
        customer_id = item.interaction.customer_id
        names[customer_id] = names.get(customer_id) or item.customer_name
    return names


def ensure_customers(
    session: Session, names: dict[str, str | None], more: Iterable[str] = ()
) -> None:
    """Create each customer not stored yet (concurrent creators do not clash) and fill in a missing name."""
    ensure_customer_ids(session, {*names, *more})
    for customer_id in sorted(names):
        if names[customer_id]:
            session.execute(
                update(CustomerRow)
                .where(CustomerRow.id == customer_id, CustomerRow.name.is_(None))
                .values(name=names[customer_id])
            )


def add_interaction(
    session: Session,
    interaction: Interaction,
    transcript: Transcript | None = None,
    tags: Sequence[Tag] = (),
    sentiments: Sequence[Sentiment | None] = (),
) -> bool:
    """Insert the interaction unless its sha256 is stored (by this or a concurrent transaction), then its rows
    and its queued job; False when it was stored already. Its customer must exist (``ensure_customers``)."""
    values = {**interaction.model_dump(exclude={"metadata"}), "meta": interaction.metadata}
    stored = (
        dialect_insert(session, InteractionRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    if session.scalar(stored.returning(InteractionRow.id)) is None:
        return False
    if transcript is not None:
        session.add(convert.transcript_row(transcript, interaction.id))
        session.add_all(convert.utterance_rows(transcript, sentiments, interaction.id))
    session.add_all(convert.tag_row(tag, interaction.id) for tag in tags)
    session.add(JobRow(interaction_id=interaction.id, status="queued", attempts=0))
    session.flush()
    return True


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


def put_analysis(
    session: Session,
    interaction_id: str,
    tags: Sequence[Tag],
    sentiments: Sequence[Sentiment | None],
) -> None:
    """Replace an interaction's tags and its utterances' sentiments."""
    row = session.get(
        InteractionRow, interaction_id, options=[selectinload(InteractionRow.utterances)]
    )
    if row is None:
        raise StoreError(f"no interaction {interaction_id}")
    row.tags = [convert.tag_row(tag, interaction_id) for tag in tags]
    for utterance, sentiment in zip(row.utterances, sentiments, strict=False):
        utterance.sentiment_label = sentiment.label if sentiment else None
        utterance.sentiment_score = sentiment.score if sentiment else None


def put_metrics(session: Session, metrics: CallMetrics) -> None:
    session.merge(
        CallMetricsRow(interaction_id=metrics.interaction_id, data=metrics.model_dump(mode="json"))
    )


def put_summary(session: Session, summary: Summary) -> None:
    session.merge(
        SummaryRow(interaction_id=summary.interaction_id, data=summary.model_dump(mode="json"))
    )


# -- reads --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InteractionView:
    """What ``GET /api/interactions/{id}`` shows: the interaction with its transcript, tags and sentiments,
    its call metrics and its summary (None where not computed)."""

    stored: StoredInteraction
    metrics: CallMetrics | None
    summary: Summary | None


_IID: BindParameter[str] = bindparam("interaction_id")
_HEAD = (
    select(
        *(c for c in InteractionRow.__table__.c if c.name != "metadata"),
        InteractionRow.__table__.c.metadata.label("meta"),
        TranscriptRow.interaction_id.label("transcribed"),
        TranscriptRow.language,
        TranscriptRow.duration_s,
        TranscriptRow.engine,
        TranscriptRow.model,
        CallMetricsRow.data.label("metrics"),
        SummaryRow.data.label("summary"),
    )
    .outerjoin(TranscriptRow, TranscriptRow.interaction_id == InteractionRow.id)
    .outerjoin(CallMetricsRow, CallMetricsRow.interaction_id == InteractionRow.id)
    .outerjoin(SummaryRow, SummaryRow.interaction_id == InteractionRow.id)
    .where(InteractionRow.id == _IID)
)  # built once, as the two below: a statement built per request costs SQLAlchemy more than the read
_UTTERANCES = (
    select(UtteranceRow.__table__)
    .where(UtteranceRow.interaction_id == _IID)
    .order_by(UtteranceRow.idx)
)
_TAGS = select(TagRow.__table__).where(TagRow.interaction_id == _IID).order_by(TagRow.id)


def interaction_view(session: Session, interaction_id: str) -> InteractionView | None:
    """The interaction, its transcript, metrics and summary (one joined row), its utterances and its tags:
    three prebuilt statements read as rows, no ORM objects; None if there is no such interaction."""
    wanted = {"interaction_id": interaction_id}
    run = (
        session.connection().execute
    )  # rows: no ORM result handling, which costs more than the read
    head = run(_HEAD, wanted).first()
    if head is None:
        return None
    utterances = run(_UTTERANCES, wanted).all()
    tags = run(_TAGS, wanted).all()
    transcript = head if head.transcribed is not None else None
    return InteractionView(
        convert.stored_of(head, transcript, utterances, tags),
        None if head.metrics is None else CallMetrics.model_validate(head.metrics),
        None if head.summary is None else Summary.model_validate(head.summary),
    )


def get_interaction(session: Session, interaction_id: str) -> StoredInteraction | None:
    found = interaction_view(session, interaction_id)
    return found.stored if found else None


def get_metrics(session: Session, interaction_id: str) -> CallMetrics | None:
    row = session.get(CallMetricsRow, interaction_id)
    return CallMetrics.model_validate(row.data) if row else None


def get_summary(session: Session, interaction_id: str) -> Summary | None:
    row = session.get(SummaryRow, interaction_id)
    return Summary.model_validate(row.data) if row else None


def latest_interaction_time(session: Session) -> datetime | None:
    """When the newest interaction happened (as stored: SQLite gives it back without a time zone)."""
    return session.scalar(select(func.max(InteractionRow.occurred_at)))


def search_words(text: str) -> list[str]:
    """The words a search looks for, lower-cased, as both full-text indexes split text (letters and digits)."""
    return re.findall(r"[^\W_]+", text.lower())


def search_phrase(dialect: str, words: list[str]) -> str:
    """The full-text query holding every word (or a word it starts) in the dialect's syntax: FTS5's quoted
    prefixes, PostgreSQL's tsquery."""
    if dialect == "sqlite":
        return " ".join(f'"{w}"*' for w in words)
    return " & ".join(f"{w}:*" for w in words)


# The text search configuration, written into the SQL: ix_utterances_fts is an index on to_tsvector('simple',
# text), which a plan made without the parameters' values (PostgreSQL's generic plan, once psycopg prepares a
# statement run five times) cannot match to to_tsvector($1, text): it read every utterance (1.3 s a search).
SIMPLE = literal_column("'simple'::regconfig", REGCONFIG)


def _matches(dialect: str, phrase: BindParameter[str]) -> ColumnElement[bool]:
    """Utterances matching ``phrase`` (``search_phrase``), through the dialect's full-text index."""
    if dialect == "sqlite":
        found = select(literal_column("rowid", Integer)).select_from(table(SEARCH_INDEX))
        return UtteranceRow.id.in_(found.where(literal_column(SEARCH_INDEX).op("MATCH")(phrase)))
    vector = func.to_tsvector(SIMPLE, UtteranceRow.text)
    return vector.op("@@")(func.to_tsquery(SIMPLE, phrase))


SEARCH_HIT = (UtteranceRow.interaction_id, UtteranceRow)  # search_query's default columns


def search_query(
    dialect: str,
    words: list[str],
    rep: str | None = None,
    limit: int = 50,
    columns: Sequence[Any] = SEARCH_HIT,
) -> Select:
    """``columns`` (by default the interaction id and the utterance row) of the utterances holding every word,
    newest interaction first, only ``rep``'s if given; the values are named parameters (``phrase``, ``rep``,
    ``limit``), so a statement built once serves every search of its shape (models/search_lines.py).
    On PostgreSQL the matches are a materialised CTE, so they come from the GIN index: left to itself the
    planner walks the interactions newest first and computes each utterance's tsvector (it over-estimates
    what a prefix query matches), 162 ms against 66 ms for a rare word in a 130,000-utterance book."""
    phrase: BindParameter[str] = bindparam("phrase", search_phrase(dialect, words))
    query = select(*columns).join(InteractionRow, InteractionRow.id == UtteranceRow.interaction_id)
    if dialect == "postgresql":
        found = select(UtteranceRow.id).where(_matches(dialect, phrase))
        matches = found.cte("matches").prefix_with("MATERIALIZED")
        query = query.join(matches, matches.c.id == UtteranceRow.id)
    else:
        query = query.where(_matches(dialect, phrase))
    query = query.order_by(InteractionRow.occurred_at.desc(), UtteranceRow.idx)
    query = query.limit(bindparam("limit", limit))
    return query.where(InteractionRow.rep == bindparam("rep", rep)) if rep is not None else query


def search_utterances(
    session: Session, text: str, rep: str | None = None, limit: int = 50
) -> list[tuple[str, Utterance]]:
    """(interaction id, utterance) holding every word of ``text`` (case-insensitive; each word also matches
    as the start of a longer one: ``price`` finds "pricing"), newest interaction first. The database's
    full-text index answers (SQLite FTS5, PostgreSQL tsvector + GIN: migration 0011), not a scan."""
    words = search_words(text)
    if not words:
        return []
    query = search_query(session.get_bind().dialect.name, words, rep, limit)
    return [
        (interaction_id, convert.utterance(row)) for interaction_id, row in session.execute(query)
    ]


def find_interaction_ids(session: Session, prefix: str) -> list[str]:
    """Stored interaction ids starting with ``prefix`` (users type a few characters of an id)."""
    query = select(InteractionRow.id).where(InteractionRow.id.startswith(prefix, autoescape=True))
    return list(session.scalars(query.order_by(InteractionRow.id).limit(10)))


def list_interactions(
    session: Session,
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
    return [convert.interaction(row) for row in session.scalars(query)]


def list_reps(session: Session, kind: str | None = None) -> list[str]:
    """The reps named on interactions (of one kind), sorted. The distinct reps come from the rep index and each
    is then checked for an interaction of ``kind``: filtering by kind first walked every interaction of that kind
    (SQLite chose the kind index: 130-220 ms on the 10k book's 136,872 tickets, against 1 ms)."""
    reps = select(InteractionRow.rep).where(InteractionRow.rep.is_not(None)).distinct()
    if not kind:
        return list(session.scalars(reps.order_by(InteractionRow.rep)))
    named = reps.subquery()
    of_kind = (
        select(InteractionRow.id)
        .where(InteractionRow.rep == named.c.rep, InteractionRow.kind == kind)
        .exists()
    )
    return list(session.scalars(select(named.c.rep).where(of_kind).order_by(named.c.rep)))


def flagged_queue(
    session: Session, kind: str | None = "call", min_score: float = 0.0, limit: int = 50
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


def customer_counts(session: Session) -> list[CustomerCounts]:
    """Per customer: calls, tickets and usage events stored, ordered by id."""
    kinds = session.execute(
        select(InteractionRow.customer_id, InteractionRow.kind, func.count()).group_by(
            InteractionRow.customer_id, InteractionRow.kind
        )
    ).all()
    usage = dict(
        session.execute(
            select(UsageEventRow.customer_id, func.count()).group_by(UsageEventRow.customer_id)
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


def upload_references(session: Session) -> Iterator[str]:
    """Every file stored interactions refer to: their source and, for a recording, its audio path."""
    for source, meta in session.execute(select(InteractionRow.source, InteractionRow.meta)):
        yield from (where for where in (source, (meta or {}).get("audio_path")) if where)
