from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models.records import Interaction, Sentiment, Speaker, Tag, Transcript, Utterance
from models.tables import HealthSnapshotRow, RiskSignalRow
from risk.config import load_config
from risk.engine import evaluate, list_alerts

pytestmark = pytest.mark.both_backends

CONFIG = load_config()
AS_OF = datetime(2026, 10, 31, 12, tzinfo=UTC)


def store_call(store, customer, days_ago, text, label=None, evidence=None):
    interaction = Interaction.from_content(
        f"{customer}{days_ago}{text}".encode(),
        customer_id=customer,
        kind="call",
        occurred_at=AS_OF - timedelta(days=days_ago),
        source="x",
        title="Call",
    )
    transcript = Transcript(
        interaction_id=interaction.id,
        engine="import",
        utterances=[
            Utterance(
                index=0, speaker=Speaker(role="customer", label="C"), start_s=3, end_s=6, text=text
            )
        ],
    )
    tags = (
        [
            Tag(
                label=label,
                score=0.97,
                start=0,
                end=len(evidence),
                evidence=evidence,
                speaker_role="customer",
            )
        ]
        if label
        else []
    )
    store.save_interaction(interaction, transcript, tags, [Sentiment(label="negative", score=0.9)])
    return interaction.id


def test_alerts_are_raised_once_with_their_reason(store):
    for days in (50, 35, 20):
        store_call(store, "acme", days, "All good.")
    store_call(store, "globex", 5, "All good.")
    first = {r.health.customer_id: r for r in evaluate(store, CONFIG, AS_OF)}
    assert first["acme"].alerts == [] and first["acme"].health.band == "green"
    cancel_id = store_call(
        store, "acme", 1, "We are terminating the contract.", "cancellation_intent", "terminating"
    )
    store_call(store, "acme", 1, "Export every recording.", "export_data_intent", "Export")
    (result,) = evaluate(store, CONFIG, AS_OF + timedelta(hours=1), ["acme"])
    kinds = sorted(a.kind for a in result.alerts)
    assert kinds == ["band_changed", "high_weight_signal"]
    band = next(a for a in result.alerts if a.kind == "band_changed")
    assert band.reason.startswith(
        f"Health fell to {result.health.score:.1f} ({result.health.band}) from "
        f"{first['acme'].health.score:.1f} (green) on 2026-10-31: "
    )
    assert '"terminating"' in band.reason
    signal = next(a for a in result.alerts if a.kind == "high_weight_signal")
    assert (
        signal.interaction_id == cancel_id and "We are terminating the contract." in signal.reason
    )
    again = evaluate(store, CONFIG, AS_OF + timedelta(hours=2), ["acme"])
    assert again[0].alerts == []  # the same band and the same signal: nothing new
    assert [a.kind for a in list_alerts(store, "acme")] == ["band_changed", "high_weight_signal"]


def test_evaluating_replaces_signals_and_keeps_one_snapshot_per_moment(store):
    store_call(store, "acme", 2, "Too expensive for us.", "price_objection", "Too expensive")
    for _ in range(2):
        evaluate(store, CONFIG, AS_OF)
    with store.transaction() as session:
        assert (
            session.scalar(select(func.count()).select_from(RiskSignalRow)) == 1
        )  # replaced, not added
        assert session.scalar(select(func.count()).select_from(HealthSnapshotRow)) == 1
        kinds = set(session.scalars(select(RiskSignalRow.kind)))
        keys = set(session.scalars(select(RiskSignalRow.key)))
    assert "price_objection" in kinds and all(k.startswith("acme:") for k in keys)
