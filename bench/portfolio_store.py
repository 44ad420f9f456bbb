"""The synthetic portfolio (bench/make_portfolio.py) written straight into a store, through ingest's code paths.

    python bench/make_portfolio.py --customers 10000 --database-url sqlite:////tmp/p.db [--usage-days 180]
        [--chunk 50] [--refresh]

Each chunk of customers is one ``Store.save_batch`` (one transaction, as one ingested file is): the tickets as
ingest/tickets.py reads a tickets.jsonl row, the usage events, and the account data (accounts, contacts,
invoices, commercial events, surveys) through models/accounts_repo.py. The tickets' tags and sentiments are the
ones ``build`` precomputes (``Store.put_analysis``), and their pipeline jobs are marked done, so that no worker
re-tags them. Re-running is safe: what is stored already is skipped. ``--usage-days`` keeps only the usage of the
last N days before the portfolio's end (the year ``build`` makes is ~1,800 events a customer); ``--refresh``
then evaluates every customer's risk as of the portfolio's end (risk/refresh.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.make_portfolio import END, core_features, customer
from ingest.metadata import SourceMeta
from ingest.parsed import IngestItem
from ingest.tickets import ticket_from_value
from models import convert
from models.accounts_repo import AccountBatch, dialect_insert, ensure_customers, save_account_batch
from models.records import Sentiment, Tag, UsageEvent
from models.store import Store
from models.tables import InteractionRow, JobRow, UsageEventRow
from risk.history import CustomerHistory, InteractionFacts

__all__ = ["Written", "store_portfolio"]

SOURCE = Path("synthetic/tickets.jsonl")


@dataclass(frozen=True)
class Written:
    customers: int
    tickets: int
    usage_events: int
    account_rows: int
    seconds: float


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


def _usage(history: CustomerHistory, since: float | None) -> list[UsageEvent]:
    start = END - timedelta(days=since) if since else None
    return [
        UsageEvent(
            customer_id=history.customer_id, kind=u.kind, occurred_at=u.at, properties=u.properties
        )
        for u in history.usage
        if start is None or u.at >= start
    ]


def _accounts(histories: list[CustomerHistory]) -> AccountBatch:
    return AccountBatch(
        accounts=[h.account for h in histories if h.account is not None],
        contacts=[c for h in histories for c in h.contacts],
        invoices=[i for h in histories for i in h.invoices],
        commercial=[c for h in histories for c in h.commercial],
        surveys=[s for h in histories for s in h.surveys],
    )


def _interaction_rows(items: list[IngestItem], analysis: dict, stored: set[str]) -> list[Any]:
    """The rows Store._add_interaction writes (models/convert.py), with the precomputed analysis and a done
    job, for each ticket not stored yet."""
    rows: list[Any] = []
    for item in items:
        interaction = item.interaction
        if interaction.sha256 in stored or item.transcript is None:
            continue
        tags, sentiments = analysis[interaction.id]
        values = {**interaction.model_dump(exclude={"metadata"}), "meta": interaction.metadata}
        rows += [
            InteractionRow(**values),
            convert.transcript_row(item.transcript, interaction.id),
            *convert.utterance_rows(item.transcript, sentiments, interaction.id),
            *(convert.tag_row(tag, interaction.id) for tag in tags),
            JobRow(interaction_id=interaction.id, status="done", stage="summary", attempts=1),
        ]
    return rows


def _add_tickets(session: Session, items: list[IngestItem], analysis: dict) -> int:
    stored = set(
        session.scalars(
            select(InteractionRow.sha256).where(
                InteractionRow.sha256.in_([i.interaction.sha256 for i in items])
            )
        )
    )
    session.add_all(_interaction_rows(items, analysis, stored))
    session.flush()
    return len(items) - len(stored)


def _add_usage(session: Session, events: list[UsageEvent]) -> int:
    """Usage rows keyed as Store._add_usage_events keys them, inserted in batches of many rows a statement."""
    rows = {e.dedup_key(): e.model_dump() for e in events}
    if not rows:
        return 0
    statement = dialect_insert(session, UsageEventRow).on_conflict_do_nothing(
        index_elements=["dedup_key"]
    )
    ordered = [{**rows[k], "dedup_key": k} for k in sorted(rows)]
    return len(session.connection().execute(statement.returning(UsageEventRow.id), ordered).all())


def _write_chunk(store: Store, indexes: range, seed: int, share: float, days: float | None):
    """One chunk of customers in one transaction (as one ingested file is); (tickets, events, rows)."""
    core = core_features()
    histories, items, analysis = [], [], {}
    for index in indexes:
        _, history, _, ticket_rows = customer(index, seed, share, True, core)
        histories.append(history)
        for facts, row in zip(history.interactions, ticket_rows, strict=True):
            item: IngestItem = ticket_from_value(SOURCE, row, SourceMeta(), f"{row['ticket_id']}: ")
            items.append(item)
            analysis[item.interaction.id] = _analysis(facts, row["messages"][0]["text"])
    with store.transaction() as session:
        ensure_customers(session, [h.customer_id for h in histories])
        counts = save_account_batch(session, _accounts(histories))
        tickets = _add_tickets(session, items, analysis)
        events = _add_usage(session, [e for h in histories for e in _usage(h, days)])
    return tickets, events, counts.total()


def store_portfolio(
    url: str,
    customers: int,
    seed: int = 7,
    churn_share: float = 0.2,
    usage_days: float | None = 180,
    chunk: int = 50,
    progress: Callable[[str], None] = lambda _: None,
    first: int = 0,
) -> Written:
    """Write customers ``first``..customers-1 of the portfolio for ``seed`` into the store at ``url`` (a
    later ``first`` goes on where an interrupted run stopped)."""
    started = time.perf_counter()
    tickets = events = rows = 0
    with Store(url) as store:
        for start in range(first, customers, chunk):
            done = _write_chunk(
                store, range(start, min(customers, start + chunk)), seed, churn_share, usage_days
            )
            tickets, events, rows = tickets + done[0], events + done[1], rows + done[2]
            if (start // chunk) % 20 == 19:
                progress(
                    f"{start + chunk} customers written ({time.perf_counter() - started:.0f} s)"
                )
    return Written(customers - first, tickets, events, rows, time.perf_counter() - started)


def main(args) -> int:
    """make_portfolio.py --database-url: write, report, and (--refresh) evaluate every customer's risk."""
    written = store_portfolio(
        args.database_url,
        args.customers,
        args.seed,
        args.churn_share,
        args.usage_days,
        progress=print,
    )
    print(
        f"{written.customers} customers (seed {args.seed}) written in {written.seconds:.0f} s: "
        f"{written.tickets} tickets, {written.usage_events} usage events "
        f"({written.usage_events / written.customers:.0f} a customer over {args.usage_days:g} days), "
        f"{written.account_rows} account rows"
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
