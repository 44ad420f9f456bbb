"""`callintel backtest`: the engine replayed over a stored portfolio whose answer is known."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from models.records import (
    Interaction,
    Sentiment,
    SentimentLabel,
    Speaker,
    Tag,
    TagLabel,
    Transcript,
    UsageEvent,
    Utterance,
)
from models.store import Store
from models.tables import AccountRow
from tests.helpers import one_line_error

DAY0 = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday
CHURN = DAY0 + timedelta(days=100)
pytestmark = pytest.mark.both_backends


def _call(store: Store, customer: str, day: int, text: str, *tags: tuple[TagLabel, str]) -> None:
    interaction = Interaction.from_content(
        f"{customer}{day}{text}".encode(),
        customer_id=customer,
        kind="call",
        occurred_at=DAY0 + timedelta(days=day),
        source="x",
        title="Call",
    )
    speaker = Speaker(role="customer", label="C")
    transcript = Transcript(
        interaction_id=interaction.id,
        engine="import",
        utterances=[Utterance(index=0, speaker=speaker, start_s=1, end_s=4, text=text)],
    )
    found = [
        Tag(
            label=label,
            score=0.97,
            start=0,
            end=len(evidence),
            evidence=evidence,
            speaker_role="customer",
        )
        for label, evidence in tags
    ]
    mood: SentimentLabel = "negative" if tags else "positive"
    store.save_interaction(interaction, transcript, found, [Sentiment(label=mood, score=0.9)])


def _portfolio(store: Store) -> None:
    """leaver: says it is leaving 3 weeks before it churns; stayer: happy all along; gone: churned before."""
    for customer in ("leaver", "stayer", "gone"):
        store.save_usage_events(
            UsageEvent(customer_id=customer, kind="login", occurred_at=DAY0 + timedelta(days=d))
            for d in range(0, 140 if customer == "stayer" else 99)
        )
        _call(store, customer, 10, "All good, thanks.")
    _call(store, "stayer", 120, "Still all good.")
    _call(
        store,
        "leaver",
        75,
        "We are cancelling, moving to Gong, you are too expensive.",
        ("cancellation_intent", "cancelling"),
        ("competitor_mention", "Gong"),
        ("price_objection", "too expensive"),
    )
    _call(store, "leaver", 76, "Export every recording.", ("export_data_intent", "Export"))
    with store.transaction() as session:
        session.add(
            AccountRow(
                customer_id="leaver", status="churned", status_at=CHURN, status_reason="left"
            )
        )
        session.add(
            AccountRow(customer_id="gone", status="churned", status_at=DAY0 - timedelta(days=1))
        )


def test_backtest_catches_the_leaver_and_reports_it_as_a_table_and_as_json(cli, store, db_url):
    _portfolio(store)
    run = cli("backtest", "--horizon", "60", "--database-url", db_url)
    assert run.returncode == 0, run.stderr
    assert "precision" in run.stdout and "recall" in run.stdout and "median lead time" in run.stdout
    assert "1 of 1 churners red within 60 days before churning" in run.stdout
    assert "cancellation_intent" in run.stdout  # the lift table
    data = json.loads(cli("backtest", "--json", "--database-url", db_url).stdout)
    assert (
        data["customers"] == 2 and data["churners"] == 1 and data["caught"] == 1
    )  # gone is out of scope
    assert data["recall"] == 1.0 and data["precision"] == 1.0 and data["false_alarm_rate"] == 0.0
    leaver = next(o for o in data["outcomes"] if o["customer_id"] == "leaver")
    # red from the first weekly moment after the calls (days 75, 76 -> day 77); churn at day 100
    assert leaver["lead_days"] == 23.0 and data["median_lead_days"] == 23.0
    assert (
        leaver["churned_at"].startswith("2026-06-10") and "cancellation_intent" in leaver["kinds"]
    )
    assert data["start"].startswith("2026-03-02") and data["horizon_days"] == 60


def test_a_window_and_horizon_change_what_counts(cli, store, db_url):
    _portfolio(store)
    short = json.loads(
        cli("backtest", "--json", "--horizon", "14", "--database-url", db_url).stdout
    )
    # red every week from the calls (day 77) to the churn (day 100): within 14 days, 9 days before it
    # (the leaving talk, price and competitor evidence are two families of evidence while they last)
    leaver = next(o for o in short["outcomes"] if o["customer_id"] == "leaver")
    assert short["caught"] == 1 and leaver["lead_days"] == 9.0 and leaver["red_moments"] == 4
    # a horizon shorter than the two days from the last weekly moment (day 98) to the churn catches nothing
    one = json.loads(cli("backtest", "--json", "--horizon", "1", "--database-url", db_url).stdout)
    assert one["caught"] == 0 and one["recall"] == 0.0
    cut = json.loads(
        cli(
            "backtest",
            "--json",
            "--from",
            "2026-03-02",
            "--to",
            "2026-05-01",
            "--database-url",
            db_url,
        ).stdout
    )
    assert cut["churners"] == 0 and cut["end"].startswith("2026-05-01T23:59:59")


def test_bad_dates_and_an_empty_store_are_one_line(cli):
    assert "--from 'soon' is not an ISO date" in one_line_error(
        run := cli("backtest", "--from", "soon")
    )
    assert run.returncode == 2
    backwards = cli("backtest", "--from", "2026-05-01", "--to", "2026-04-01")
    assert "--to 2026-04-01 is before --from 2026-05-01" in one_line_error(backwards)
    assert backwards.returncode == 2
    empty = cli("backtest")
    assert "nothing to backtest" in one_line_error(empty) and empty.returncode == 1
