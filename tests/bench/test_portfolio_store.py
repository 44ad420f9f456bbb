"""The fast store writer (bench/portfolio_store.py) stores what the ingest path stores, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Integer, select, update

from bench.make_portfolio import core_features, customer
from bench.portfolio_store import (
    account_batch,
    build_chunk,
    store_portfolio,
    ticket_items,
    usage_records,
)
from models.store import Store
from models.tables import (
    AccountRow,
    CommercialEventRow,
    ContactRow,
    CustomerRow,
    InteractionRow,
    InvoiceRow,
    JobRow,
    SurveyResponseRow,
    TagRow,
    TranscriptRow,
    UsageEventRow,
    UtteranceRow,
)

CUSTOMERS, SEED, DAYS = 7, 3, 45
TABLES = (
    CustomerRow,
    InteractionRow,
    TranscriptRow,
    UtteranceRow,
    TagRow,
    JobRow,
    UsageEventRow,
    AccountRow,
    ContactRow,
    InvoiceRow,
    CommercialEventRow,
    SurveyResponseRow,
)
CLOCK = {"ingested_at", "created_at", "updated_at"}  # the clock at write time


def _ingest_path(url: str) -> None:
    """Each customer as `callintel ingest` stores a file (Store.save_batch), then the tags and sentiments as the
    pipeline stores them (Store.put_analysis) and its job done."""
    core = core_features()
    with Store(url) as store:
        for index in range(CUSTOMERS):
            _, history, _, rows = customer(index, SEED, 0.2, True, core)
            tickets = list(ticket_items(history, rows))
            store.save_batch(
                [item for item, _ in tickets],
                usage_records(history, DAYS),
                account_batch([history]),
            )
            with store.transaction() as session:
                for item, (tags, sentiments) in tickets:
                    Store.put_analysis(session, item.interaction.id, tags, sentiments)
                    session.execute(
                        update(JobRow)
                        .where(JobRow.interaction_id == item.interaction.id)
                        .values(status="done", stage="summary", attempts=1)
                    )


def _contents(url: str) -> dict[str, list[tuple]]:
    """Every row of every table the writer fills, without row numbers and write-time clocks, in a fixed order."""
    found = {}
    with Store(url) as store, store.transaction() as session:
        for table in TABLES:
            columns = [
                c
                for c in table.__table__.columns
                if c.name not in CLOCK and not (c.primary_key and isinstance(c.type, Integer))
            ]
            found[table.__tablename__] = sorted(
                map(tuple, session.execute(select(*columns))), key=repr
            )
    return found


@pytest.mark.both_backends
def test_the_fast_writer_stores_what_the_ingest_path_stores(
    db_url: str, tmp_path: Path, migrated_copy
):
    written = store_portfolio(migrated_copy(db_url), CUSTOMERS, seed=SEED, usage_days=DAYS, chunk=3)
    reference = migrated_copy(f"sqlite:///{tmp_path / 'ingested.db'}")
    _ingest_path(reference)

    fast, ingested = _contents(db_url), _contents(reference)
    assert fast == ingested
    assert written.tickets == len(fast["interactions"]) > 0
    assert written.usage_events == len(fast["usage_events"]) > 100 * CUSTOMERS
    assert {r[0] for r in fast["customers"]} == {f"cust{i:04d}" for i in range(CUSTOMERS)}


@pytest.mark.both_backends
def test_rewriting_stores_nothing_twice_and_other_processes_build_the_same_rows(
    db_url: str, migrated_copy
):
    store_portfolio(migrated_copy(db_url), 4, seed=SEED, usage_days=DAYS, chunk=2)
    again = store_portfolio(db_url, 6, seed=SEED, usage_days=DAYS, chunk=2, jobs=2)

    assert again.tickets == len(build_chunk(range(4, 6), SEED, 0.2, DAYS).tickets)
    assert again.usage_events == len(build_chunk(range(4, 6), SEED, 0.2, DAYS).usage)
    assert store_portfolio(db_url, 6, seed=SEED, usage_days=DAYS, chunk=4).usage_events == 0
