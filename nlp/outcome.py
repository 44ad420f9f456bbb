"""The one-line outcome at the top of a summary: the customer's strongest risk or commitment, and the rep's step.

    Customer says leadership has decided they're moving to another vendor when the contract ends;
    rep to get them a bulk export and confirm the refund by Mon 21 Sep

- The customer's part rests on one of their sentences: the one carrying their strongest risk tag (by
  ``RISK_ORDER``, then score), else one showing expansion (more seats, an upgrade, a new team), else their own
  commitment ("legal is ready to sign"). It is told in the third person ("we" -> "they").
- The rep's part is their next step on it: the first of the rep's commitments after that sentence that has a due
  date, else the first after it, else their last; the commitments of one utterance are joined ("put together a
  revised proposal and send it over by Fri 7 Aug").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from models.analysis import NextStep
from models.records import Tag, Transcript, Utterance
from nlp.discourse import asks, discourse

__all__ = ["RISK_ORDER", "Outcome", "call_outcome"]

# Strongest first: leaving, a rival, price, data leaving, then the quieter risks.
RISK_ORDER = (
    "cancellation_intent",
    "competitor_mention",
    "price_objection",
    "export_data_intent",
    "usage_decline",
    "stakeholder_change",
    "poor_fit",
    "product_issue",
    "billing_question",
)
POSITIVE_TAGS = ("expansion_interest",)
NEGATIONS = frozenset({"not", "n't", "no", "never"})
OPENERS = re.compile(
    r"^(?:(?:(?:to be (?:frank|honest)|honestly|frankly|yes|yeah|right|well|so|and|also|okay|ok|sure|great|"
    r"look|listen|actually|first|um|uh)\b[,.]?|no[,.])\s*)+",
    re.IGNORECASE,
)
CUSTOMER_PRONOUNS = {
    "i'm": "they're",
    "i am": "they are",
    "i was": "they were",
    "i've": "they've",
    "i'll": "they'll",
    "i'd": "they'd",
    "we're": "they're",
    "we've": "they've",
    "we'll": "they'll",
    "we'd": "they'd",
    "i": "they",
    "we": "they",
    "me": "them",
    "us": "them",
    "my": "their",
    "our": "their",
    "mine": "theirs",
    "ours": "theirs",
}
REP_PRONOUNS = {
    "you": "them",
    "your": "their",
    "yours": "theirs",
    "i": "they",
    "my": "their",
    "me": "them",
}
STEP_OPENER = re.compile(
    r"\b(?:(?:i|we)\s*(?:'ll|will|shall|can|could|should|might|may|'d|would|'m going to|am going to|"
    r"are going to|'re going to|'ve|have)\s+|let(?:'s|\s+(?:me|us))\s+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Outcome:
    kind: str  # a tag label (a risk), "expansion", "commitment", or "none"
    text: str
    due: date | None = None
    utterance_index: int | None = None  # the customer's utterance it rests on
    sentence: str | None = None


@lru_cache(maxsize=1)
def _expansion_matcher() -> Matcher:
    matcher = Matcher(discourse().nlp.vocab)
    more = {"LOWER": {"IN": ["add", "adding", "more", "extra", "additional", "another"]}}
    units = {
        "LOWER": {
            "IN": "seat seats licence licences license licenses user users team teams department".split()
        }
    }
    grow = {"LOWER": {"IN": ["extend", "expand", "roll", "upgrade"]}}
    matcher.add(
        "EXPANSION",
        [[more, {"OP": "{0,2}"}, units], [grow, {"OP": "{0,5}"}, units], [{"LOWER": "upgrade"}]],
    )
    return matcher


def _expansion_at(doc: Doc) -> int | None:
    """Where a sentence of ``doc`` asks for more (seats, licences, a new team), unless it is negated."""
    for _, start, _ in _expansion_matcher()(doc):
        sentence = doc[start].sent
        if not any(t.lower_ in NEGATIONS for t in sentence):
            return doc[start].idx
    return None


def _sentence_at(doc: Doc, char: int) -> Span:
    for sentence in doc.sents:
        if sentence.start_char <= char < sentence.end_char:
            return sentence
    return doc[:]


def _risk(transcript: Transcript, tags: Sequence[Tag]) -> tuple[Tag, Utterance] | None:
    by_index = {u.index: u for u in transcript.utterances}
    risks = [
        t
        for t in tags
        if t.label in RISK_ORDER and t.speaker_role != "rep" and t.utterance_index in by_index
    ]
    if not risks:
        return None
    best = min(risks, key=lambda t: (RISK_ORDER.index(t.label), -t.score, t.utterance_index))
    return best, by_index[best.utterance_index]


def _customer_signal(
    transcript: Transcript, tags: Sequence[Tag], steps: Sequence[NextStep]
) -> tuple[str, Utterance, str] | None:
    """(kind, utterance, sentence) of the customer's strongest risk or commitment."""
    text = discourse()
    risk = _risk(transcript, tags)
    if risk is not None:
        tag, utterance = risk
        return tag.label, utterance, _sentence_at(text.doc(utterance.text), tag.start).text
    customers = [u for u in transcript.utterances if u.speaker.role != "rep"]
    positive = {t.utterance_index for t in tags if t.label in POSITIVE_TAGS}
    for utterance in customers:
        doc = text.doc(utterance.text)
        at = _expansion_at(doc)
        if utterance.index in positive or at is not None:
            return "expansion", utterance, _sentence_at(doc, at or 0).text
    own = [s for s in steps if s.speaker_role != "rep"]
    if own:
        utterance = next(u for u in transcript.utterances if u.index == own[0].utterance_index)
        return "commitment", utterance, own[0].commitment
    return None


def _swap(text: str, pronouns: dict[str, str]) -> str:
    keys = sorted(pronouns, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b", re.IGNORECASE)

    def swap(m: re.Match[str]) -> str:
        word = m[0]
        if len(word) > 1 and word.isupper():
            return word  # "the US team" is a place, not "us"
        return pronouns[word.lower()]

    return pattern.sub(swap, text)


def _customer_part(kind: str, sentence: str, names: set[str]) -> str:
    """The sentence in the third person; its first word lower-cased unless it is a name (a tagged entity)."""
    said = OPENERS.sub("", sentence.strip()).strip()
    asked = asks(discourse().doc(said)[:]) if said else False
    said = _swap(said.rstrip(".!?;, "), CUSTOMER_PRONOUNS)
    first = said.split()[0] if said else ""
    if first and first.rstrip(",'s") not in names and not first.isupper():
        said = said[:1].lower() + said[1:]
    if not said:
        said = "they want to expand" if kind == "expansion" else "so"
    return f"Customer {'asks' if asked else 'says'} {said}"


def _step_text(step: NextStep) -> str:
    """The promise from its verb on ("put together a revised proposal"), its due words replaced by the date."""
    said = step.commitment.strip()
    opener = STEP_OPENER.search(said)
    said = said[opener.end() :] if opener else said
    if step.due_text and step.due:
        when = f"{step.due:%a} {step.due.day} {step.due:%b}"
        said = re.sub(
            r"(?:\b(by|on|before|until|for)\s+)?(?:the\s+)?" + re.escape(step.due_text),
            lambda m: f"{m[1] or 'by'} {when}",
            said,
            count=1,
        )
        if when not in said:  # the due words came before the promise ("Today we'll set up ...")
            said = f"{said.rstrip('.!?;, ')} by {when}"
    return _swap(said.strip().rstrip(".!?;, "), REP_PRONOUNS)


def _rep_part(steps: Sequence[NextStep], after: int | None) -> tuple[str, date | None] | None:
    groups: dict[int, list[NextStep]] = {}
    for step in steps:
        if step.speaker_role == "rep":
            groups.setdefault(step.utterance_index, []).append(step)
    if not groups:
        return None
    later = [i for i in groups if after is None or i > after]
    dated = [i for i in later if any(s.due for s in groups[i])]
    chosen = groups[(dated or later or [max(groups)])[0]]
    due = next((s.due for s in chosen if s.due), None)
    return " and ".join(text for text in map(_step_text, chosen) if text), due


def call_outcome(
    transcript: Transcript, tags: Sequence[Tag], steps: Sequence[NextStep]
) -> Outcome | None:
    """The outcome line, or None when the customer raised nothing and nobody committed to anything."""
    signal = _customer_signal(transcript, tags, steps)
    rep = _rep_part(steps, signal[1].index if signal else None)
    if signal is None and rep is None:
        return None
    names = {t.entity for t in tags if t.entity}
    parts = [_customer_part(signal[0], signal[2], names)] if signal else []
    if rep is not None:
        parts.append(f"rep to {rep[0]}" if parts else f"Rep to {rep[0]}")
    return Outcome(
        kind=signal[0] if signal else "none",
        text="; ".join(parts),
        due=rep[1] if rep else None,
        utterance_index=signal[1].index if signal else None,
        sentence=signal[2].strip() if signal else None,
    )
