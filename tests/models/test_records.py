from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from models.records import TAG_LABELS, Interaction, Tag, Transcript, UsageEvent, Utterance


def test_interaction_id_follows_content():
    a = Interaction.from_content(
        b"same", customer_id="c", kind="call", occurred_at=datetime(2026, 1, 1), source="a"
    )
    b = Interaction.from_content(
        b"same", customer_id="c", kind="ticket", occurred_at=datetime(2026, 2, 1), source="b"
    )
    c = Interaction.from_content(
        b"other", customer_id="c", kind="call", occurred_at=datetime(2026, 1, 1), source="a"
    )
    assert a.id == b.id != c.id
    assert a.occurred_at.tzinfo == UTC


def test_utterance_cannot_end_before_it_starts():
    with pytest.raises(ValidationError, match="ends"):
        Utterance(index=0, start_s=5, end_s=1, text="x")


def test_transcript_indexes_run_in_order():
    with pytest.raises(ValidationError, match="indexes"):
        Transcript(interaction_id="i", engine="import", utterances=[Utterance(index=1, text="x")])


def test_tag_vocabulary_is_closed():
    assert TAG_LABELS == (
        "price_objection",
        "competitor_mention",
        "export_data_intent",
        "cancellation_intent",
        "billing_question",
        "product_issue",
        "poor_fit",
        "usage_decline",
        "stakeholder_change",
        "expansion_interest",
    )
    with pytest.raises(ValidationError):
        Tag.model_validate(
            {"label": "happy_customer", "score": 0.5, "start": 0, "end": 1, "evidence": "x"}
        )
    with pytest.raises(ValidationError):
        Tag(label="price_objection", score=1.5, start=0, end=1, evidence="x")


def test_usage_dedup_key_ignores_nothing_that_matters():
    base = UsageEvent(customer_id="c", kind="login", occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert base.dedup_key() == base.model_copy().dedup_key()
    assert base.dedup_key() != base.model_copy(update={"properties": {"user": "u1"}}).dedup_key()
