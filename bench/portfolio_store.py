"""The synthetic portfolio (bench/make_portfolio.py) written straight into a store, through ingest's row builders.

    python bench/make_portfolio.py --customers 10000 --database-url sqlite:////tmp/p.db [--usage-days 180]
        [--jobs 2] [--refresh]

Each chunk of customers is one transaction (as one ingested file is). The rows are the ones the ingest path
builds: the tickets read as ingest/tickets.py reads a tickets.jsonl row and turned into rows by models/convert.py
(as ``models.interactions_repo.add_interaction`` does), the usage events validated as ``UsageEvent`` records and keyed by their
``dedup_key`` (the rows ``models.usage_repo.add_usage_events`` builds), and the account data (accounts, contacts, invoices,
commercial events, surveys) through models/accounts_repo.py. What differs is how they reach the database: one
bulk ``executemany`` per table and chunk (usage: ``INSERT ... ON CONFLICT (dedup_key) DO NOTHING``), no per-row
round trip, and, with ``--jobs N``, N processes generating and building the rows while this one writes (at most
2N chunks ahead, so memory stays bounded). The tickets' tags and sentiments are the ones ``build`` precomputes,
and their pipeline jobs are marked done, so that no worker re-tags them. Re-running is safe: what is stored
already is skipped. ``--usage-days`` keeps only the usage of the last N days before the portfolio's end (the year
``build`` makes is ~1,800 events a customer); ``--refresh`` then evaluates every customer's risk as of the
portfolio's end (risk/refresh.py).
"""

from __future__ import annotations

import json
import resource
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, text
from sqlalchemy.orm import Session

from bench.make_portfolio import END, core_features, customer
from ingest.metadata import SourceMeta
from ingest.parsed import IngestItem
from ingest.readers import DEFAULT_MAX_LINE_CHARS
from ingest.tickets import ticket_from_value
from models import convert
from models.accounts_repo import (
    AccountBatch,
    chunked,
    dialect_insert,
    ensure_customers,
    save_account_batch,
)
from models.records import Sentiment, Tag, UsageEvent
from models.store import USAGE_BATCH, Store, rowcount
from models.tables import (
    InteractionRow,
    JobRow,
    TagRow,
    TranscriptRow,
    UsageEventRow,
    UtteranceRow,
)
from risk.history import CustomerHistory, InteractionFacts

__all__ = ["Chunk", "TicketRows", "Written", "build_chunk", "store_portfolio", "write_chunk"]

SOURCE = Path("synthetic/tickets.jsonl")
TICKET_TABLES = (
    InteractionRow,
    TranscriptRow,
    UtteranceRow,
    TagRow,
    JobRow,
)  # in foreign-key order


@dataclass(frozen=True)
class Written:
    customers: int
    tickets: int
    usage_events: int
    account_rows: int
    seconds: float
    peak_rss_mb: float = 0.0


@dataclass(frozen=True)
class TicketRows:
    """One ticket's rows, table by table (TICKET_TABLES' order), as column values."""

    sha256: str
    rows: tuple[list[dict[str, Any]], ...]


@dataclass(frozen=True)
class Chunk:
    """A chunk of customers ready to write: picklable, so that another process can build it."""

    customers: list[str]
    accounts: AccountBatch
    tickets: list[TicketRows]
    usage: list[
        dict[str, Any]
    ]  # usage_events rows, in dedup-key order (concurrent writers never cycle)


def _analysis(facts: InteractionFacts, text: str) -> tuple[list[Tag], list[Sentiment | None]]:
    """The ticket's precomputed tags (on its one customer message) and that message's sentiment."""
    tags = [
        Tag(
            utterance_index=0,
            label=t.label,  # type: ignore[arg-type]
            score=t.score,
            start=max(0, text.find(t.evidence)),
            end=max(0, text.find(t.evidence)) + len(t.evidence),
            evidence=t.evidence,
            entity=t.entity,
            speaker_role="customer",
        )
        for t in facts.tags
    ]
    label = facts.customer_sentiments[0] if facts.customer_sentiments else "neutral"
    return tags, [Sentiment(label=label, score=0.9)]  # type: ignore[arg-type]


def usage_records(history: CustomerHistory, since: float | None) -> list[UsageEvent]:
    """The customer's usage events of the last ``since`` days before END (all of them when None or 0)."""
    start = END - timedelta(days=since) if since else None
    return [
        UsageEvent(
            customer_id=history.customer_id, kind=u.kind, occurred_at=u.at, properties=u.properties
        )
        for u in history.usage
        if start is None or u.at >= start
    ]


def account_batch(histories: list[CustomerHistory]) -> AccountBatch:
    return AccountBatch(
        accounts=[h.account for h in histories if h.account is not None],
        contacts=[c for h in histories for c in h.contacts],
        invoices=[i for h in histories for i in h.invoices],
        commercial=[c for h in histories for c in h.commercial],
        surveys=[s for h in histories for s in h.surveys],
    )


def ticket_items(
    history: CustomerHistory, ticket_rows: list[dict]
) -> Iterator[tuple[IngestItem, Any]]:
    """The customer's tickets as ingest/tickets.py reads a tickets.jsonl row, each with its precomputed
    (tags, sentiments)."""
    for facts, row in zip(history.interactions, ticket_rows, strict=True):
        item = ticket_from_value(
            SOURCE, row, SourceMeta(), DEFAULT_MAX_LINE_CHARS, f"{row['ticket_id']}: "
        )
        yield item, _analysis(facts, row["messages"][0]["text"])


def _values(row: Any) -> dict[str, Any]:
    """The attributes a row builder set (the ones it left out get their column default on insert)."""
    return {k: v for k, v in vars(row).items() if not k.startswith("_")}


def _ticket_rows(
    item: IngestItem, tags: list[Tag], sentiments: list[Sentiment | None]
) -> TicketRows:
    """The rows interactions_repo.add_interaction writes (models/convert.py), with the analysis and a done job."""
    interaction, transcript = item.interaction, item.transcript
    assert transcript is not None  # a ticket always has its messages
    rows = (
        [_values(convert.interaction_row(interaction))],
        [_values(convert.transcript_row(transcript, interaction.id))],
        [_values(r) for r in convert.utterance_rows(transcript, sentiments, interaction.id)],
        [_values(convert.tag_row(tag, interaction.id)) for tag in tags],
        [{"interaction_id": interaction.id, "status": "done", "stage": "summary", "attempts": 1}],
    )
    return TicketRows(interaction.sha256, rows)


def build_chunk(indexes: range, seed: int, share: float, days: float | None) -> Chunk:
    """Customers ``indexes`` of the portfolio for ``seed``, as rows (pure: any process can build it)."""
    core = core_features()
    histories: list[CustomerHistory] = []
    tickets: dict[str, TicketRows] = {}
    usage: dict[str, dict[str, Any]] = {}
    for index in indexes:
        _, history, _, ticket_rows = customer(index, seed, share, True, core)
        histories.append(history)
        for item, (tags, sentiments) in ticket_items(history, ticket_rows):
            tickets.setdefault(item.interaction.sha256, _ticket_rows(item, tags, sentiments))
        for event in usage_records(history, days):
            key = event.dedup_key()
            usage.setdefault(key, {**event.model_dump(), "dedup_key": key})  # as the Store keys it
    return Chunk(
        [h.customer_id for h in histories],
        account_batch(histories),
        [tickets[k] for k in sorted(tickets)],
        [usage[k] for k in sorted(usage)],
    )


def _stored_tickets(session: Session, shas: list[str]) -> set[str]:
    found: set[str] = set()
    for part in chunked(shas):
        query = select(InteractionRow.sha256).where(InteractionRow.sha256.in_(part))
        found.update(session.scalars(query))
    return found


def _add_tickets(session: Session, tickets: list[TicketRows]) -> int:
    """Each ticket not stored yet, one executemany per table (no RETURNING, no per-row round trip)."""
    stored = _stored_tickets(session, [t.sha256 for t in tickets])
    new = [t for t in tickets if t.sha256 not in stored]
    for position, table in enumerate(TICKET_TABLES):
        rows = [row for ticket in new for row in ticket.rows[position]]
        if rows:
            session.execute(insert(table), rows)
    return len(new)


# PostgreSQL: a batch is one JSON document turned into rows by the server (psycopg would parse a statement of
# 2,000 VALUES tuples, 10,000 placeholders, on every execution; and one row a statement fires the change trigger
# once per row)
POSTGRES_USAGE = text(
    "INSERT INTO usage_events (customer_id, kind, occurred_at, properties, dedup_key) "
    "SELECT customer_id, kind, occurred_at, properties, dedup_key FROM json_to_recordset(CAST(:rows AS json)) "
    "AS r(customer_id varchar, kind varchar, occurred_at timestamptz, properties json, dedup_key varchar) "
    "ON CONFLICT (dedup_key) DO NOTHING"
)


def _add_usage(session: Session, rows: list[dict[str, Any]]) -> int:
    """Usage rows not stored yet (by dedup key), USAGE_BATCH rows a statement; how many were new."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return sum(_add_usage_postgres(connection, part) for part in chunked(rows, USAGE_BATCH))
    statement = dialect_insert(session, UsageEventRow).on_conflict_do_nothing(
        index_elements=["dedup_key"]
    )
    return sum(rowcount(connection.execute(statement, p)) for p in chunked(rows, USAGE_BATCH))


def _add_usage_postgres(connection: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """One batch as one JSON document, the times in UTC as the table's column type binds them."""
    batch = [{**row, "occurred_at": row["occurred_at"].astimezone(UTC).isoformat()} for row in rows]
    return rowcount(connection.execute(POSTGRES_USAGE, {"rows": json.dumps(batch)}))


def write_chunk(store: Store, chunk: Chunk) -> tuple[int, int, int]:
    """One chunk in one transaction (as one ingested file is); (tickets, usage events, account rows) new."""
    with store.transaction() as session:
        ensure_customers(session, chunk.customers)
        counts = save_account_batch(session, chunk.accounts)
        tickets = _add_tickets(session, chunk.tickets)
        events = _add_usage(session, chunk.usage)
    return tickets, events, counts.total()


def _chunks(ranges: list[range], jobs: int, build: Callable[[range], Chunk]) -> Iterator[Chunk]:
    """The chunks in order: built here (jobs 0) or by ``jobs`` processes, at most 2 x jobs ahead."""
    if jobs <= 0:
        yield from map(build, ranges)
        return
    with ProcessPoolExecutor(jobs) as pool:
        pending: deque[Future[Chunk]] = deque()
        for part in ranges:
            pending.append(pool.submit(build, part))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def store_portfolio(
    url: str,
    customers: int,
    seed: int = 7,
    churn_share: float = 0.2,
    usage_days: float | None = 180,
    chunk: int = 100,
    progress: Callable[[str], None] = lambda _: None,
    first: int = 0,
    jobs: int = 0,
) -> Written:
    """Write customers ``first``..customers-1 of the portfolio for ``seed`` into the store at ``url`` (a
    later ``first`` goes on where an interrupted run stopped); ``jobs`` processes build the rows."""
    started = time.perf_counter()
    ranges = [range(s, min(customers, s + chunk)) for s in range(first, customers, chunk)]
    build = partial(build_chunk, seed=seed, share=churn_share, days=usage_days)
    tickets = events = rows = 0
    Store(url).close()  # migrated before any process starts
    with Store(url) as store:
        for number, part in enumerate(_chunks(ranges, jobs, build), start=1):
            done = write_chunk(store, part)
            tickets, events, rows = tickets + done[0], events + done[1], rows + done[2]
            if number % 10 == 0:
                elapsed = time.perf_counter() - started
                progress(f"{ranges[number - 1].stop} customers written ({elapsed:.0f} s)")
    seconds = time.perf_counter() - started
    return Written(customers - first, tickets, events, rows, seconds, peak_rss_mb())


def main(args) -> int:
    """make_portfolio.py --database-url: write, report, and (--refresh) evaluate every customer's risk."""
    written = store_portfolio(
        args.database_url,
        args.customers,
        args.seed,
        args.churn_share,
        args.usage_days,
        progress=print,
        first=args.first,
        jobs=args.jobs,
    )
    print(
        f"{written.customers} customers (seed {args.seed}) written in {written.seconds:.0f} s "
        f"({written.customers / written.seconds:.1f} a second, {args.jobs} build processes): "
        f"{written.tickets} tickets, {written.usage_events} usage events "
        f"({written.usage_events / written.customers:.0f} a customer over {args.usage_days:g} days), "
        f"{written.account_rows} account rows; peak RSS {written.peak_rss_mb:.0f} MB (writer)"
    )
    if args.refresh:
        from risk.config import load_config
        from risk.refresh import refresh

        with Store(args.database_url) as store:
            started = time.perf_counter()
            done = refresh(store, load_config(), END, full=True)
        print(
            f"risk refreshed as of {END:%Y-%m-%d}: {done.evaluated} customers in "
            f"{time.perf_counter() - started:.0f} s, {len(done.alerts)} new alerts"
        )
    return 0
