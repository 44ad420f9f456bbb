"""Mapping between records (records.py) and table rows (tables.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row

from models.records import (
    Interaction,
    Sentiment,
    Speaker,
    Tag,
    Transcript,
    UsageEvent,
    Utterance,
    Word,
)
from models.tables import InteractionRow, TagRow, TranscriptRow, UsageEventRow, UtteranceRow

if TYPE_CHECKING:
    from typing import TypeAlias

    from models.store import StoredInteraction

    AnyRow: TypeAlias = Row[*tuple[Any, ...]]  # a Core row of any columns


def aware(value: datetime | str) -> datetime:
    """A time read back from a column that lost its type (an aggregate or a union's column: SQLite gives its
    text, some drivers a naive datetime) as a UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def interaction_row(record: Interaction) -> InteractionRow:
    return InteractionRow(**record.model_dump(exclude={"metadata"}), meta=record.metadata)


def interaction(row: InteractionRow | AnyRow) -> Interaction:
    return Interaction(
        id=row.id,
        customer_id=row.customer_id,
        kind=row.kind,
        occurred_at=row.occurred_at,
        source=row.source,
        sha256=row.sha256,
        rep=row.rep,
        title=row.title,
        metadata=row.meta or {},
    )


def transcript_row(record: Transcript, interaction_id: str | None = None) -> TranscriptRow:
    return TranscriptRow(
        interaction_id=interaction_id,
        language=record.language,
        duration_s=record.duration_s,
        engine=record.engine,
        model=record.model,
    )


def utterance_rows(
    record: Transcript, sentiments: Sequence[Sentiment | None], interaction_id: str | None = None
) -> list[UtteranceRow]:
    rows = []
    for position, utt in enumerate(record.utterances):
        sentiment = sentiments[position] if position < len(sentiments) else None
        rows.append(
            UtteranceRow(
                interaction_id=interaction_id,
                idx=utt.index,
                speaker_role=utt.speaker.role,
                speaker_label=utt.speaker.label,
                start_s=utt.start_s,
                end_s=utt.end_s,
                text=utt.text,
                words=[w.model_dump() for w in utt.words] if utt.words is not None else None,
                sentiment_label=sentiment.label if sentiment else None,
                sentiment_score=sentiment.score if sentiment else None,
            )
        )
    return rows


def utterance(row: UtteranceRow | AnyRow) -> Utterance:
    return Utterance(
        index=row.idx,
        speaker=Speaker(role=row.speaker_role, label=row.speaker_label),
        start_s=row.start_s,
        end_s=row.end_s,
        text=row.text,
        words=[Word(**w) for w in row.words] if row.words is not None else None,
    )


def sentiment(row: UtteranceRow | AnyRow) -> Sentiment | None:
    if row.sentiment_label is None or row.sentiment_score is None:
        return None
    return Sentiment(label=row.sentiment_label, score=row.sentiment_score)


def tag_row(record: Tag, interaction_id: str) -> TagRow:
    return TagRow(**record.model_dump(exclude={"interaction_id"}), interaction_id=interaction_id)


def tag(row: TagRow | AnyRow) -> Tag:
    return Tag.model_validate(row, from_attributes=True)


def usage_row(record: UsageEvent, dedup_key: str) -> UsageEventRow:
    return UsageEventRow(**record.model_dump(), dedup_key=dedup_key)


def usage_event(row: UsageEventRow) -> UsageEvent:
    return UsageEvent.model_validate(row, from_attributes=True)


def stored_interaction(row: InteractionRow) -> StoredInteraction:
    return stored_of(row, row.transcript, row.utterances, row.tags)


def stored_of(
    row: InteractionRow | AnyRow,
    transcript: TranscriptRow | AnyRow | None,
    utterances: Sequence[UtteranceRow | AnyRow],
    tags: Iterable[TagRow | AnyRow],
) -> StoredInteraction:
    """The interaction with its transcript, tags (by utterance, place, label) and sentiments, from its rows:
    ORM objects or rows of the same columns (``meta`` for the metadata; the transcript's columns, or None)."""
    from models.store import StoredInteraction

    made = None
    if transcript is not None:
        made = Transcript(
            interaction_id=row.id,
            language=transcript.language,
            duration_s=transcript.duration_s,
            engine=transcript.engine,
            model=transcript.model,
            utterances=[utterance(u) for u in utterances],
        )
    found = sorted((tag(t) for t in tags), key=lambda t: (t.utterance_index, t.start, t.label))
    return StoredInteraction(interaction(row), made, found, [sentiment(u) for u in utterances])
