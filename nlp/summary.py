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
from spacy.tokens import Doc

from models.analysis import CallMetrics, KeyMoment, Moment, NextStep, Summary
from models.records import Interaction, Sentiment, Tag, Transcript, Utterance
from nlp.dates import due_date
from nlp.discourse import discourse, is_courtesy
from nlp.metrics import call_metrics
from nlp.outcome import call_outcome

__all__ = ["SummaryOptions", "call_outcome", "summarise"]

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
    "ask",
    "see",
    "try",
    "find",
    "come",
    "give",
    "invite",
    "take",
    "work",
    "dig",
    "investigate",
    "refund",
    "fix",
    "escalate",
    "raise",
    "chase",
    "sort",
    "think",
    "discuss",
    "speak",
    "meet",
    "show",
    "revert",
    "touch",
    "double",
)
# "I'll ...", "we can ...", hedged "I might / should be able to ..."; "I'm / we're going to ..."; "let me / let's ...";
# "I've asked finance to ..."; the customer's "ready to sign".
MODALS = ("'ll", "will", "shall", "can", "could", "should", "might", "may")
GOING = ("'m", "am", "are", "'re")
GAP_WORDS = [
    "also",
    "just",
    "definitely",
    "quickly",
    "then",
    "personally",
    "certainly",
    "be",
    "able",
    "to",
    "try",
]
ARRANGED = ("asked", "told", "arranged", "booked", "scheduled", "requested")
READY = ("ready", "able", "happy")
CUSTOMER_ACTS = ("sign", "renew", "proceed", "go", "move", "start", "countersign")
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
    gap = {"LOWER": {"IN": GAP_WORDS}, "OP": "*"}
    subject = {"LOWER": {"IN": ["i", "we"]}}
    matcher.add(
        "COMMIT",
        [
            [subject, {"LOWER": {"IN": list(MODALS)}}, gap, verb],
            [
                subject,
                {"LOWER": {"IN": list(GOING)}},
                {"LOWER": "going"},
                {"LOWER": "to"},
                gap,
                verb,
            ],
            [{"LOWER": "let"}, {"LOWER": {"IN": ["me", "us", "'s"]}}, gap, verb],
            [subject, {"LOWER": {"IN": ["'ve", "have"]}}, {"LOWER": {"IN": list(ARRANGED)}}],
            [
                {"LOWER": {"IN": list(READY)}},
                {"LOWER": "to"},
                {"LOWER": {"IN": list(CUSTOMER_ACTS)}},
            ],
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


def _evaluative(doc: Doc) -> bool:
    """Some sentence of ``doc`` says how the customer finds things: not only courtesies ("Thanks."),
    arrangements ("Let's talk again next week.") and requests ("Please make sure the data is complete.")."""
    matcher = _commitment_matcher()
    return any(
        not (is_courtesy(s) or s[0].lower_ == "please" or matcher(s.as_doc()))
        for s in doc.sents
        if s.text.strip()
    )


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
    text = discourse()
    for utterance, sentiment in zip(transcript.utterances, sentiments, strict=False):
        if (
            utterance.speaker.role != "customer"
            or sentiment is None
            or sentiment.label not in polarity
        ):
            continue
        if not _evaluative(text.doc(utterance.text)):
            continue  # thanks, sign-offs and arrangements are not a turn in how the customer feels
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
    transcript: Transcript,
    encode: Encode,
    options: SummaryOptions = SummaryOptions(),
    pinned: Sequence[tuple[int, str]] = (),
) -> list[Moment]:
    """The most central sentences; ``pinned`` (utterance index, sentence) ones are always in (the outcome's)."""
    text = discourse()
    candidates = [
        (u, sentence.text.strip())
        for u in transcript.utterances
        for sentence in text.doc(u.text).sents
        if len(sentence.text.split()) >= options.min_overview_words and not is_courtesy(sentence)
    ]
    if not candidates:
        return []
    chosen = [i for i, (u, sentence) in enumerate(candidates) if (u.index, sentence) in set(pinned)]
    vectors = encode([sentence for _, sentence in candidates])
    centre = vectors.mean(axis=0)
    relevance = vectors @ (centre / (np.linalg.norm(centre) or 1.0))
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
    steps = next_steps(transcript, interaction.occurred_at.date())
    outcome = call_outcome(transcript, tags, steps)
    pinned = (
        [(outcome.utterance_index, outcome.sentence)]
        if outcome and outcome.utterance_index is not None and outcome.sentence
        else []
    )
    return Summary(
        interaction_id=interaction.id,
        kind=interaction.kind,
        title=interaction.title,
        customer_id=interaction.customer_id,
        rep=interaction.rep,
        occurred_at=interaction.occurred_at,
        outcome=outcome.text if outcome else None,
        overview=overview(transcript, encode, options, pinned),
        key_moments=key_moments(transcript, tags, sentiments, options),
        customer_questions=customer_questions(transcript),
        next_steps=steps,
        metrics=metrics if metrics is not None else call_metrics(transcript),
    )
