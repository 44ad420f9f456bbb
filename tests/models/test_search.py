"""Search through the full-text index (SQLite FTS5, PostgreSQL tsvector + GIN): words, any case, word starts,
newest call first, one rep's calls; the index follows inserts and replaced transcripts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.records import Interaction, Speaker, Transcript, Utterance
from models.store import Store, search_words

pytestmark = pytest.mark.both_backends


def _call(store: Store, name: str, day: int, lines: list[str], rep: str = "sam") -> str:
    interaction = Interaction.from_content(
        name.encode(),
        customer_id="acme",
        kind="call",
        occurred_at=datetime(2026, 9, day, 10, tzinfo=UTC),
        source=f"{name}.json",
        rep=rep,
    )
    utterances = [
        Utterance(
            index=i, speaker=Speaker(role="customer", label="C"), start_s=i, end_s=i + 1, text=t
        )
        for i, t in enumerate(lines)
    ]
    transcript = Transcript(interaction_id=interaction.id, engine="import", utterances=utterances)
    assert store.save_interaction(interaction, transcript)
    return interaction.id


def test_words_in_any_case_newest_call_first(store: Store):
    old = _call(store, "old", 1, ["Gong is cheaper.", "Nothing here."])
    new = _call(
        store, "new", 5, ["We looked at GONG last week.", "The pricing is too high."], rep="dana"
    )
    assert [(i, u.index) for i, u in store.search_utterances("gong")] == [(new, 0), (old, 0)]
    assert [(i, u.index) for i, u in store.search_utterances("price")] == []
    assert [(i, u.index) for i, u in store.search_utterances("pric")] == [
        (new, 1)
    ]  # a word's start
    assert [(i, u.index) for i, u in store.search_utterances("too HIGH")] == [
        (new, 1)
    ]  # every word
    assert store.search_utterances("too cheaper") == []
    assert [i for i, _ in store.search_utterances("gong", rep="sam")] == [old]
    assert len(store.search_utterances("gong", limit=1)) == 1


def test_punctuation_and_quotes_are_not_query_syntax(store: Store):
    call = _call(store, "quotes", 2, ['He said "export" AND then OR NOT*: data-dump (now)'])
    for query in [
        '"export"',
        "data-dump",
        "AND",
        "NOT*:",
        "(now)",
        "export'); DROP TABLE x; --"[:8],
    ]:
        assert [i for i, _ in store.search_utterances(query)] == [call], query
    assert store.search_utterances('"') == [] and search_words("-- !!") == []


def test_the_index_follows_a_replaced_transcript(store: Store):
    call = _call(store, "replaced", 3, ["Renewal talk."])
    replacement = Transcript(
        interaction_id=call,
        engine="whisper",
        utterances=[
            Utterance(
                index=0,
                speaker=Speaker(role="customer", label="C"),
                start_s=0,
                end_s=1,
                text="Churn risk.",
            )
        ],
    )
    with store.transaction() as session:
        Store.put_transcript(session, replacement)
    assert store.search_utterances("renewal") == []
    assert [u.text for _, u in store.search_utterances("churn")] == ["Churn risk."]
