"""The summaries of bundled calls against the ones written by hand (data/expected_summaries/, see its README):
exact on the outcome's kind, the due dates and which next steps there are; on wording, only the words that carry
the point."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ingest.readers import read_source
from models.analysis import Summary
from nlp.outcome import Outcome
from nlp.summary import call_outcome, summarise

EXPECTED = Path(__file__).parent / "data" / "expected_summaries"
ROOT = Path(__file__).resolve().parents[2]
CASES = sorted(EXPECTED.glob("*.yaml"))


def test_at_least_six_calls_are_written_down():
    assert len(CASES) >= 6


@pytest.fixture(scope="module")
def summaries(tagger) -> dict[str, tuple[Summary, Outcome | None]]:
    made = {}
    for case in CASES:
        expected = yaml.safe_load(case.read_text(encoding="utf-8"))
        (item,) = read_source(ROOT / expected["source"]).items
        assert item.transcript is not None
        tags, sentiments = tagger.tag_transcript(item.transcript)
        summary = summarise(item.interaction, item.transcript, tags, sentiments, tagger.encode)
        made[case.stem] = (summary, call_outcome(item.transcript, tags, summary.next_steps))
    return made


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_outcome(summaries, case):
    whole = yaml.safe_load(case.read_text(encoding="utf-8"))
    expected = whole["outcome"]
    summary, outcome = summaries[case.stem]
    assert outcome is not None and outcome.kind == expected["kind"]
    assert outcome.due == expected["due"]
    assert summary.outcome == outcome.text
    for words in expected["says"]:
        assert words in summary.outcome, (words, summary.outcome)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_next_steps(summaries, case):
    expected = yaml.safe_load(case.read_text(encoding="utf-8"))["next_steps"]
    summary, _ = summaries[case.stem]
    got = [(s.utterance_index, s.speaker_role, s.due) for s in summary.next_steps]
    assert got == [(e["utterance"], e["owner"], e["due"]) for e in expected], [
        s.commitment for s in summary.next_steps
    ]
    for step, want in zip(summary.next_steps, expected, strict=True):
        assert want["says"] in step.commitment, (want["says"], step.commitment)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_key_moments(summaries, case):
    expected = yaml.safe_load(case.read_text(encoding="utf-8"))
    summary, _ = summaries[case.stem]
    got = {(m.utterance_index, m.kind) for m in summary.key_moments}
    assert {(e["utterance"], e["kind"]) for e in expected["key_moments"]} <= got
    swings = {m.utterance_index for m in summary.key_moments if m.kind == "sentiment_swing"}
    assert not swings & set(expected["not_key_moments"])


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_overview(summaries, case):
    whole = yaml.safe_load(case.read_text(encoding="utf-8"))
    expected = whole["overview_says"]
    summary, _ = summaries[case.stem]
    text = " ".join(m.text for m in summary.overview)
    for words in expected:
        assert words in text, (words, text)
