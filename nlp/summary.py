"""The post-call summary a rep reads: key moments, the customer's questions, next steps, and an extractive overview.

- Key moments: every tag (objection, competitor, intent) with its evidence and time, and sentiment swings
  (the customer's sentiment turning between positive and negative from one of their utterances to a later one).
- Customer questions: sentences the customer asked (nlp.discourse).
- Next steps: commitments ("I'll send the proposal by Friday", "let me set up a call") found by a spaCy
  Matcher, with their due date resolved against the call date (nlp.dates).
- Overview: the sentences most central to the conversation: each sentence's embedding is compared with the
  conversation's mean embedding, and maximal marginal relevance keeps the picks from repeating each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np
from spacy.matcher import Matcher

from models.analysis import CallMetrics, KeyMoment, Moment, NextStep, Summary
from models.records import Interaction, Sentiment, Tag, Transcript, Utterance
from nlp.dates import due_date
from nlp.discourse import discourse
from nlp.metrics import call_metrics

__all__ = ["SummaryOptions", "summarise"]

COMMIT_VERBS = (
    "send",
    "share",
    "follow",
    "schedule",
    "set",
    "book",
    "get",
    "loop",
    "circle",
    "email",
    "call",
    "check",
    "prepare",
    "put",
    "draft",
    "review",
    "confirm",
    "introduce",
    "forward",
    "update",
    "reach",
    "sign",
    "ping",
    "talk",
    "run",
    "walk",
    "write",
    "finalize",
    "finalise",
    "connect",
    "arrange",
    "look",
)
MODALS = ("'ll", "will", "shall", "'m", "am", "are", "'re", "can")
Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class SummaryOptions:
    overview_sentences: int = 4
    min_overview_words: int = 6
    mmr_lambda: float = 0.7
    swing_min_score: float = 0.6


@lru_cache(maxsize=1)
def _commitment_matcher() -> Matcher:
    matcher = Matcher(discourse().nlp.vocab)
    verb = {"LOWER": {"IN": list(COMMIT_VERBS)}}
    gap = {
        "LOWER": {
            "IN": ["going", "to", "also", "just", "definitely", "quickly", "then", "personally"]
        },
        "OP": "*",
    }
    matcher.add(
        "COMMIT",
        [
            [{"LOWER": {"IN": ["i", "we"]}}, {"LOWER": {"IN": list(MODALS)}}, gap, verb],
            [{"LOWER": "let"}, {"LOWER": {"IN": ["me", "us", "'s"]}}, verb],
            [{"LOWER": "next"}, {"LOWER": {"IN": ["step", "steps"]}}],
        ],
    )
    return matcher


def _moment(u: Utterance, text: str | None = None) -> dict:
    return {
        "utterance_index": u.index,
        "start_s": u.start_s,
        "speaker_role": u.speaker.role,
        "text": text or u.text,
    }


def key_moments(
    transcript: Transcript,
    tags: Sequence[Tag],
    sentiments: Sequence[Sentiment | None],
    options: SummaryOptions = SummaryOptions(),
) -> list[KeyMoment]:
    by_index = {u.index: u for u in transcript.utterances}
    moments = [
        KeyMoment(
            **_moment(by_index[t.utterance_index]),
            kind=t.label,
            evidence=t.evidence,
            score=t.score,
            entity=t.entity,
        )
        for t in tags
        if t.utterance_index in by_index
    ]
    polarity = {"positive": 1, "negative": -1}
    last: tuple[Utterance, Sentiment] | None = None
    for utterance, sentiment in zip(transcript.utterances, sentiments, strict=False):
        if (
            utterance.speaker.role != "customer"
            or sentiment is None
            or sentiment.label not in polarity
        ):
            continue
        if sentiment.score < options.swing_min_score:
            continue
        if last is not None and polarity[last[1].label] != polarity[sentiment.label]:
            moments.append(
                KeyMoment(
                    **_moment(utterance),
                    kind="sentiment_swing",
                    evidence=utterance.text,
                    score=sentiment.score,
                    detail=f"{last[1].label} -> {sentiment.label}",
                )
            )
        last = (utterance, sentiment)
    return sorted(moments, key=lambda m: (m.utterance_index, m.kind))


def customer_questions(transcript: Transcript) -> list[Moment]:
    text = discourse()
    return [
        Moment(**_moment(u, question))
        for u in transcript.utterances
        if u.speaker.role != "rep"
        for question in text.questions(text.doc(u.text))
    ]


def next_steps(transcript: Transcript, said_on: date) -> list[NextStep]:
    text, matcher = discourse(), _commitment_matcher()
    steps = []
    for u in transcript.utterances:
        doc = text.doc(u.text)
        seen = set()
        for _, start, _ in matcher(doc):
            sentence = doc[start].sent
            if sentence.start in seen:
                continue
            seen.add(sentence.start)
            due = due_date(sentence.text, said_on)
            steps.append(
                NextStep(
                    **_moment(u),
                    commitment=sentence.text.strip(),
                    due=due[0] if due else None,
                    due_text=due[1] if due else None,
                )
            )
    return steps


def overview(
    transcript: Transcript, encode: Encode, options: SummaryOptions = SummaryOptions()
) -> list[Moment]:
    text = discourse()
    candidates = [
        (u, sentence)
        for u in transcript.utterances
        for _, _, sentence in text.sentences(text.doc(u.text))
        if len(sentence.split()) >= options.min_overview_words
    ]
    if not candidates:
        return []
    vectors = encode([sentence for _, sentence in candidates])
    centre = vectors.mean(axis=0)
    relevance = vectors @ (centre / (np.linalg.norm(centre) or 1.0))
    chosen: list[int] = []
    while len(chosen) < min(options.overview_sentences, len(candidates)):
        redundancy = (
            (vectors @ vectors[chosen].T).max(axis=1) if chosen else np.zeros(len(candidates))
        )
        score = options.mmr_lambda * relevance - (1 - options.mmr_lambda) * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return [Moment(**_moment(candidates[i][0], candidates[i][1])) for i in sorted(chosen)]


def summarise(
    interaction: Interaction,
    transcript: Transcript,
    tags: Sequence[Tag],
    sentiments: Sequence[Sentiment | None],
    encode: Encode,
    options: SummaryOptions = SummaryOptions(),
    metrics: CallMetrics | None = None,
) -> Summary:
    """The post-call summary; ``metrics`` when already computed (the pipeline's metrics stage stored them)."""
    return Summary(
        interaction_id=interaction.id,
        kind=interaction.kind,
        title=interaction.title,
        customer_id=interaction.customer_id,
        rep=interaction.rep,
        occurred_at=interaction.occurred_at,
        overview=overview(transcript, encode, options),
        key_moments=key_moments(transcript, tags, sentiments, options),
        customer_questions=customer_questions(transcript),
        next_steps=next_steps(transcript, interaction.occurred_at.date()),
        metrics=metrics if metrics is not None else call_metrics(transcript),
    )
