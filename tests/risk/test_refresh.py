"""Risk at scale (issue 19): the bounded usage read gives the assessments of the whole history, an incremental
refresh records what a full one does, and the pipeline's once-per-batch risk stage ends where one evaluation per
interaction does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bench.make_portfolio import END
from bench.portfolio_store import store_portfolio
from ingest.runner import ingest_paths
from models.records import Interaction, Sentiment, Speaker, Tag, Transcript, UsageEvent, Utterance
from models.settings import Settings
from models.store import Store
from models.tables import AlertRow, HealthSnapshotRow, JobRow, RiskDirtyRow, RiskSignalRow
from pipeline.stages import Engines, persist
from pipeline.stages import risk as risk_stage
from risk.config import load_config
from risk.engine import assess
from risk.history import load_histories
from risk.refresh import due_customers, refresh
from risk.window import Window, lookback_days
from samples import SAMPLES_DIR

pytestmark = pytest.mark.both_backends

CONFIG = load_config()


def _same_assessments(store: Store, moments: list[datetime]) -> int:
    """Assert that every customer's assessment from the windowed read equals the whole history's; how many
    usage events the windowed reads left out."""
    whole = load_histories(store)
    left_out = 0
    for as_of in moments:
        windowed = load_histories(store, None, Window.for_config(CONFIG, as_of))
        assert [h.customer_id for h in windowed] == [h.customer_id for h in whole]
        for full, bounded in zip(whole, windowed, strict=True):
            assert assess(bounded, as_of, CONFIG, None) == assess(full, as_of, CONFIG, None), (
                full.customer_id,
                as_of,
            )
            left_out += len(full.usage) - len(bounded.usage)
    return left_out


def test_the_windowed_history_assesses_the_samples_as_the_whole_history(store: Store):
    ingest_paths([SAMPLES_DIR], store)
    moments = [datetime(2026, 10, 30, 23, tzinfo=UTC) - timedelta(days=d) for d in (0, 20, 75)]
    _same_assessments(store, moments)


@pytest.mark.slow
def test_the_windowed_history_assesses_a_generated_portfolio_as_the_whole_history(db_url: str):
    store_portfolio(db_url, 80, seed=11, usage_days=0)  # a whole year of usage
    with Store(db_url) as store:
        moments = [END - timedelta(days=d) for d in (0, 150, 300)]
        assert _same_assessments(store, moments) > 0  # the read was bounded
    assert lookback_days(CONFIG) >= 90


def _state(store: Store) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any]]:
    with store.transaction() as session:
        snapshots = session.execute(
            select(
                HealthSnapshotRow.customer_id,
                HealthSnapshotRow.as_of,
                HealthSnapshotRow.score,
                HealthSnapshotRow.band,
            ).order_by(HealthSnapshotRow.customer_id, HealthSnapshotRow.as_of)
        ).all()
        signals = session.execute(
            select(
                RiskSignalRow.customer_id,
                RiskSignalRow.kind,
                RiskSignalRow.weight,
                RiskSignalRow.key,
            ).order_by(  # every column: two signals may share a key (PostgreSQL orders ties at will)
                RiskSignalRow.customer_id,
                RiskSignalRow.key,
                RiskSignalRow.kind,
                RiskSignalRow.weight,
            )
        ).all()
        alerts = session.execute(
            select(AlertRow.key, AlertRow.kind, AlertRow.band, AlertRow.score).order_by(
                AlertRow.key
            )
        ).all()
    return snapshots, signals, alerts


def _new_data(store: Store, count: int) -> None:
    """``count`` new tickets (half of them with a cancellation tag) and a login each, for as many customers."""
    for n in range(count):
        customer = f"cust{(n * 7) % 300:04d}"
        at = END - timedelta(hours=n % 48 + 1)
        text = "We want to cancel the contract." if n % 2 else "How do I export a call?"
        interaction = Interaction.from_content(
            f"new-{n}".encode(), customer_id=customer, kind="ticket", occurred_at=at, source="t"
        )
        transcript = Transcript(
            interaction_id=interaction.id,
            engine="import",
            utterances=[Utterance(index=0, speaker=Speaker(role="customer", label="C"), text=text)],
        )
        tags = (
            [Tag(label="cancellation_intent", score=0.95, start=12, end=18, evidence="cancel")]
            if n % 2
            else []
        )
        sentiment = Sentiment(label="negative" if n % 2 else "neutral", score=0.9)
        store.save_interaction(interaction, transcript, tags, [sentiment])
    store.save_usage_events(
        [UsageEvent(customer_id="cust0001", kind="login", occurred_at=END - timedelta(hours=2))]
    )


@pytest.mark.slow
def test_an_incremental_refresh_records_what_a_full_one_does(db_url: str, store_copy):
    store_portfolio(db_url, 300, seed=5, usage_days=30)
    with Store(db_url) as store:
        assert refresh(store, CONFIG, END, full=True).evaluated == 300
        assert due_customers(store, END) == []  # nothing changed, all evaluated today
    # two stores with the same data from here: one refreshed incrementally, one fully
    incremental, full = stores = [Store(url) for url in (db_url, store_copy(db_url))]
    try:
        for store in stores:
            _new_data(store, 100)
        changed = due_customers(incremental, END)
        assert len(changed) == 100
        done = refresh(incremental, CONFIG, END)
        assert done.evaluated == 100 and not done.full
        refresh(full, CONFIG, END, full=True)
        assert _state(incremental) == _state(full)
        assert due_customers(incremental, END) == []
        tomorrow = refresh(incremental, CONFIG, END + timedelta(days=1))  # the clock moved on
        assert tomorrow.evaluated == 300
    finally:
        for store in stores:
            store.close()


def test_writes_mark_their_customer_changed_and_a_refresh_clears_the_mark(store: Store):
    moment = datetime(2026, 10, 30, 12, tzinfo=UTC)
    store.save_usage_events(
        [UsageEvent(customer_id="acme", kind="login", occurred_at=moment - timedelta(days=1))]
    )
    with store.transaction() as session:
        assert set(session.scalars(select(RiskDirtyRow.customer_id))) == {"acme"}
    assert refresh(store, CONFIG, moment).evaluated == 1
    with store.transaction() as session:
        assert list(session.scalars(select(RiskDirtyRow.customer_id))) == []
    assert due_customers(store, moment) == []
    assert refresh(store, CONFIG, moment).evaluated == 0  # nothing changed since


def _ticket(store: Store, customer: str, days_ago: float, text: str, cancel: bool) -> str:
    at = datetime(2026, 10, 30, 12, tzinfo=UTC) - timedelta(days=days_ago)
    interaction = Interaction.from_content(
        f"{customer}{days_ago}{text}".encode(),
        customer_id=customer,
        kind="ticket",
        occurred_at=at,
        source="t",
    )
    transcript = Transcript(
        interaction_id=interaction.id,
        engine="import",
        utterances=[Utterance(index=0, speaker=Speaker(role="customer", label="C"), text=text)],
    )
    tags = (
        [
            Tag(
                label="cancellation_intent",
                score=0.97,
                start=0,
                end=6,
                evidence="cancel",
                speaker_role="customer",
            )
        ]
        if cancel
        else []
    )
    sentiment = Sentiment(label="negative" if cancel else "neutral", score=0.9)
    store.save_interaction(interaction, transcript, tags, [sentiment])
    return interaction.id


TICKETS = [
    ("acme", 40, "How do I share a clip?", False),
    ("acme", 10, "Please cancel our subscription.", True),
    ("acme", 3, "Where is the export?", False),
    ("globex", 20, "Thanks for the help.", False),
]


def _run_risk(store: Store, engines: Engines, interaction_id: str) -> bool:
    """The risk stage of one job, then the job marked done (as the runner does); whether it evaluated."""
    stored = store.get_interaction(interaction_id)
    assert stored is not None
    output = risk_stage(engines, stored)
    with store.transaction() as session:
        persist(session, "risk", interaction_id, output)
        row = session.get(JobRow, interaction_id)
        assert row is not None
        row.status, row.stage = "done", "risk"
    return output is not None


def test_once_per_batch_ends_where_once_per_interaction_does(tmp_path, db_url: str):
    settings = Settings(risk_as_of=datetime(2026, 10, 30, 12, tzinfo=UTC))
    each = Store(f"sqlite:///{tmp_path / 'each.db'}")
    batch = Store(db_url)
    try:
        for ticket in TICKETS:  # one interaction at a time, each evaluated as it comes
            _run_risk(each, Engines(settings, store=each), _ticket(each, *ticket))
        ids = [_ticket(batch, *ticket) for ticket in TICKETS]  # a batch: all queued first
        engines = Engines(settings, store=batch)
        outputs = [_run_risk(batch, engines, interaction_id) for interaction_id in ids]
        assert outputs == [False, False, True, True]  # acme's last job and globex's only one
        (snapshots, signals, alerts), (once, signals_once, alerts_once) = (
            _state(batch),
            _state(each),
        )
        assert snapshots == once and signals == signals_once
        # the same alerts; each one's score is the health when it was raised: after acme's cancel ticket one at
        # a time, at the end of the batch once per batch
        assert [a[:2] for a in alerts] == [a[:2] for a in alerts_once] and alerts
    finally:
        each.close()
        batch.close()
