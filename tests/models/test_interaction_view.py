"""``GET /api/interactions/{id}``'s read (models/interactions_repo.py interaction_view: three prebuilt
statements as rows, one transaction) gives what the ORM read it replaced gave, field for field and, as the
API's response model, byte for byte: a call with words, sentiments, tied tags, metrics and a summary, in
unicode; a ticket with no transcript and nothing computed; a transcript without utterances (both backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import TypeAdapter
from sqlalchemy.orm import selectinload

from api.queries import public_interaction
from api.schemas import InteractionDetail
from models import convert
from models.analysis import KeyMoment, Moment, NextStep, Summary
from models.interactions_repo import InteractionView, get_metrics, get_summary
from models.records import Interaction, Sentiment, Speaker, Tag, Transcript, Utterance, Word
from models.store import Store
from models.tables import InteractionRow
from nlp.metrics import call_metrics
from tests.helpers import known

pytestmark = pytest.mark.both_backends
UNICODE = 'Zoë & Söhne — 東京 "quoted" \\ ✓'
AT = datetime(2026, 9, 1, 10, 30, tzinfo=UTC)
DETAIL = TypeAdapter(InteractionDetail)


def _orm_view(store: Store, interaction_id: str) -> InteractionView | None:
    """The read before: the ORM object with its relationships loaded, then metrics and summary apart."""
    options = [
        selectinload(InteractionRow.utterances),
        selectinload(InteractionRow.tags),
        selectinload(InteractionRow.transcript),
    ]
    with store.transaction() as session:
        row = session.get(InteractionRow, interaction_id, options=options)
        if row is None:
            return None
        stored = convert.stored_interaction(row)
        return InteractionView(
            stored, get_metrics(session, interaction_id), get_summary(session, interaction_id)
        )


def _json(view: InteractionView) -> bytes:
    stored = view.stored
    detail = InteractionDetail(
        interaction=public_interaction(stored.interaction),
        transcript=stored.transcript,
        sentiments=stored.sentiments,
        tags=stored.tags,
        metrics=view.metrics,
        summary=view.summary,
    )
    return DETAIL.dump_json(detail)


def _call(store: Store) -> str:
    interaction = Interaction.from_content(
        b"call-unicode",
        customer_id="acme",
        kind="call",
        occurred_at=AT,
        source="/srv/in/call.json",
        rep="Zoë",
        title=UNICODE,
        metadata={"audio_path": "/srv/audio/a.wav", "note": UNICODE, "n": [1, 2.5, None]},
    )
    words = [
        Word(text="Hallo", start_s=0.0, end_s=0.4, probability=0.9),
        Word(text="ä", start_s=0.5, end_s=1e-5 + 0.5),
    ]
    utterances = [
        Utterance(
            index=0,
            speaker=Speaker(role="rep", label="REP"),
            start_s=0,
            end_s=1.5,
            text="Hallo — wie geht's?",
            words=words,
        ),
        Utterance(
            index=1, speaker=Speaker(role="customer", label="C"), start_s=1.5, end_s=3, text=UNICODE
        ),
        Utterance(index=2, text="no times, no speaker"),
    ]
    transcript = Transcript(
        interaction_id=interaction.id,
        language="de",
        duration_s=3.25,
        engine="import",
        model="m/ü",
        utterances=utterances,
    )
    tags = [
        Tag(
            label="price_objection",
            score=0.9,
            start=0,
            end=4,
            evidence="Zoë",
            utterance_index=1,
            speaker_role="customer",
            entity="€",
        ),
        Tag(
            label="competitor_mention", score=0.5, start=0, end=4, evidence="Zoë", utterance_index=1
        ),
        Tag(
            label="cancellation_intent",
            score=1e-05,
            start=2,
            end=5,
            evidence="llo",
            utterance_index=0,
        ),
    ]
    sentiments = [
        Sentiment(label="positive", score=0.75),
        None,
        Sentiment(label="negative", score=1.0),
    ]
    store.save_interaction(interaction, transcript, tags, sentiments, customer_name=UNICODE)
    metrics = known(call_metrics(transcript.model_copy(update={"utterances": utterances[:2]})))
    moment = Moment(utterance_index=1, start_s=1.5, speaker_role="customer", text=UNICODE)
    summary = Summary(
        interaction_id=interaction.id,
        kind="call",
        title=UNICODE,
        customer_id="acme",
        rep="Zoë",
        occurred_at=AT,
        outcome="—",
        overview=[moment],
        key_moments=[
            KeyMoment(**moment.model_dump(), kind="price_objection", evidence="Zoë", score=0.9)
        ],
        customer_questions=[],
        next_steps=[NextStep(**moment.model_dump(), commitment="send ✓", due=date(2026, 9, 4))],
        metrics=metrics,
    )
    with store.transaction() as session:
        store.put_metrics(session, metrics)
        store.put_summary(session, summary)
    return interaction.id


def _ticket(store: Store, transcript: bool) -> str:
    interaction = Interaction.from_content(
        f"ticket-{transcript}".encode(),
        customer_id="beta",
        kind="ticket",
        occurred_at=AT,
        source="t.jsonl",
    )
    text = (
        Transcript(interaction_id=interaction.id, engine="import", utterances=[])
        if transcript
        else None
    )
    store.save_interaction(interaction, text)
    return interaction.id


def test_the_rows_read_is_the_orm_read_field_for_field_and_byte_for_byte(store: Store):
    for made in (_call(store), _ticket(store, False), _ticket(store, True)):
        before, now = known(_orm_view(store, made)), known(store.interaction_view(made))
        assert now == before
        assert _json(now) == _json(before)
        assert store.get_interaction(made) == before.stored
    empty = known(store.interaction_view(made))  # the last: a transcript without utterances
    assert known(empty.stored.transcript).utterances == [] and empty.metrics is None


def test_the_call_keeps_its_tags_order_words_sentiments_metrics_and_summary(store: Store):
    view = known(store.interaction_view(_call(store)))
    tags = [(t.utterance_index, t.start, t.label) for t in view.stored.tags]
    assert tags == sorted(tags) and len(tags) == 3
    assert known(view.stored.transcript).utterances[0].words is not None
    assert view.stored.sentiments[1] is None and view.metrics is not None
    assert known(view.summary).next_steps[0].due == date(2026, 9, 4)


def test_no_such_interaction_is_none(store: Store):
    assert store.interaction_view("int_missing") is None and store.get_interaction("x") is None
