"""spaCy components, registered by name with ``Language.factory`` and a default config.

    callintel_competitors  competitor names from the catalogue  -> doc.spans["competitors"]
    callintel_cues         sentence units                       -> doc._.units
                           intent cue phrases (+ negation)      -> doc.spans["cues"], doc.spans["negated_cues"]
                           stance features per unit (stance.py) -> doc._.stance (units, features)
    callintel_encoder      batched embedding of every unit      -> doc._.embedding (units, dimension)
    callintel_heads        trained intent + sentiment heads     -> doc._.intent_scores, doc._.intent_units,
                           per unit, then per utterance            doc._.sentiment

Intents are judged per sentence: an utterance's score for a label is its best unit's, and
``doc._.intent_units`` names that unit. A unit is a sentence from the sentencizer, with fragments
("Right.", "Okay, thanks.") joined to the next sentence. The speaker role of an utterance is read
from ``doc._.speaker_role``; a caller may set ``doc._.units`` beforehand (training does: one unit
per labelled example).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

import numpy as np
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from nlp.competitors import CompetitorMatcher
from nlp.cues import INTENT_LABELS, StemMarker, cue_set, cue_stems, is_negated
from nlp.encoder import Encoder, Precision, load_encoder
from nlp.heads import (
    HEADS_FILE,
    SENTIMENTS,
    Heads,
    cue_features,
    features,
    load_heads,
    sentiment_features,
)
from nlp.stance import StanceMatcher

for _name, _default in (
    ("speaker_role", "unknown"),
    ("embedding", None),
    ("stance", None),
    ("intent_scores", None),
    ("intent_units", None),
    ("sentiment", None),
    ("units", None),
):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


@Language.factory("callintel_competitors", default_config={"catalogue": None})
def make_competitors(nlp: Language, name: str, catalogue: str | None) -> CompetitorMatcher:
    return CompetitorMatcher(nlp, catalogue)


FRAGMENT_WORDS = 3  # a sentence with fewer words is joined to the next one


def sentence_units(doc: Doc) -> list[Span]:
    """The doc's sentences, each fragment of fewer than ``FRAGMENT_WORDS`` words joined to the next.

    Read from the doc's arrays (sentence starts, punctuation and space flags), not token by token."""
    if len(doc) == 0 or not doc.has_annotation("SENT_START"):
        return [doc[:]]
    flags = doc.to_array(["SENT_START", "IS_PUNCT", "IS_SPACE"]).astype(np.int64)
    ends = [int(i) for i in np.flatnonzero(flags[1:, 0] == 1) + 1] + [len(doc)]
    words = np.concatenate(([0], np.cumsum((flags[:, 1] == 0) & (flags[:, 2] == 0))))
    units: list[Span] = []
    start = 0
    for end in ends:
        if words[end] - words[start] >= FRAGMENT_WORDS:
            units.append(doc[start:end])
            start = end
    if start < len(doc):
        if units:
            units[-1] = doc[units[-1].start : len(doc)]
        else:
            units.append(doc[start:])
    return units


class CueMatcher:
    def __init__(self, nlp: Language) -> None:
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.patterns = Matcher(nlp.vocab)
        self.stem_labels: dict[str, list[str]] = {}
        for label in INTENT_LABELS:
            cues = cue_set(label, nlp.make_doc)
            self.phrases.add(label, [nlp.make_doc(phrase) for phrase in cues.literals])
            if cues.patterns:
                self.patterns.add(label, [list(pattern) for pattern in cues.patterns])
            for stem in cues.stems:
                self.stem_labels.setdefault(stem, []).append(label)
        self.stems = StemMarker(cue_stems())
        self.stance = StanceMatcher(nlp.vocab, nlp.make_doc)

    def __call__(self, doc: Doc) -> Doc:
        stems = self.stems(doc)
        found = [Span(doc, s, e, label=m) for m, s, e in self.phrases(doc)]
        found += [Span(doc, s, e, label=m) for m, s, e in self.patterns(doc)]
        found += [
            Span(doc, i, i + 1, label=label)
            for i, stem in stems
            for label in self.stem_labels.get(stem, ())
        ]
        negated = [is_negated(doc, span) for span in found]
        doc.spans["cues"] = [span for span, neg in zip(found, negated, strict=True) if not neg]
        doc.spans["negated_cues"] = [span for span, neg in zip(found, negated, strict=True) if neg]
        if doc._.units is None:
            doc._.units = sentence_units(doc)
        doc._.stance = np.vstack([self.stance(unit) for unit in doc._.units])
        return doc


@Language.factory("callintel_cues")
def make_cues(nlp: Language, name: str) -> CueMatcher:
    return CueMatcher(nlp)


class EncoderComponent:
    """Embeds a whole window of docs per call (``nlp.pipe``'s batch_size); the encoder sorts the
    window by length into batches of ``encode_batch_size``, so little compute goes on padding."""

    def __init__(
        self,
        model: str | None,
        threads: int,
        batch_size: int,
        encode_batch_size: int,
        precision: Precision = "fp32",
        cache_dir: str | None = None,
        adapter: str | None = "shipped",
    ) -> None:
        """``adapter``: "shipped" (the shipped tuned adapters), a directory of others, or None (bare weights)."""
        tuned: Path | None | Literal["shipped"] = (
            "shipped" if adapter == "shipped" else Path(adapter) if adapter else None
        )
        self.encoder = load_encoder(
            model, threads, precision, Path(cache_dir) if cache_dir else None, tuned
        )
        self.batch_size = batch_size
        self.encode_batch_size = encode_batch_size

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size or self.batch_size):
            units = [doc._.units or [doc[:]] for doc in batch]
            vectors = self.encoder.encode(
                [text for doc in batch for text in unit_texts(doc)],
                batch_size=self.encode_batch_size,
            )
            offset = 0
            for doc, doc_units in zip(batch, units, strict=True):
                doc._.embedding = vectors[offset : offset + len(doc_units)]
                offset += len(doc_units)
                yield doc


@Language.factory(
    "callintel_encoder",
    default_config={
        "model": None,
        "threads": 0,
        "batch_size": 512,
        "encode_batch_size": 64,
        "precision": "fp32",
        "cache_dir": None,
        "adapter": "shipped",
    },
)
def make_encoder(
    nlp: Language,
    name: str,
    model: str | None,
    threads: int,
    batch_size: int,
    encode_batch_size: int,
    precision: Precision,
    cache_dir: str | None,
    adapter: str | None,
) -> EncoderComponent:
    return EncoderComponent(
        model, threads, batch_size, encode_batch_size, precision, cache_dir, adapter
    )


class HeadsComponent:
    def __init__(self, path: str | None) -> None:
        self.heads = load_heads(HEADS_FILE if path is None else Path(path))

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            units = [doc._.units or [doc[:]] for doc in batch]
            embeddings = np.vstack([doc._.embedding for doc in batch])
            hits = [
                hit
                for doc, doc_units in zip(batch, units, strict=True)
                for hit in unit_cue_hits(doc, doc_units)
            ]
            roles = [
                doc._.speaker_role
                for doc, doc_units in zip(batch, units, strict=True)
                for _ in doc_units
            ]
            stance = np.vstack([doc._.stance for doc in batch])
            cues = cue_features(hits)
            x = features(embeddings, roles, cues, self.heads.similarities(embeddings), stance)
            scores = self.heads.intent_scores(x)
            sentiment = self.heads.sentiment_probabilities(
                sentiment_features(embeddings, stance, cues, roles, scores)
            )
            offset = 0
            for doc, doc_units in zip(batch, units, strict=True):
                rows = slice(offset, offset + len(doc_units))
                offset += len(doc_units)
                best_unit = scores[rows].argmax(axis=0)
                doc._.intent_scores = dict(
                    zip(INTENT_LABELS, scores[rows].max(axis=0).tolist(), strict=True)
                )
                doc._.intent_units = dict(zip(INTENT_LABELS, best_unit.tolist(), strict=True))
                doc._.sentiment = utterance_sentiment(sentiment[rows])
                yield doc


def utterance_sentiment(units: np.ndarray) -> tuple[str, float]:
    """An utterance's sentiment from its units' probabilities (units, 3): negative when any unit is (a
    complaint is the customer's stance, whatever courtesies surround it), else the mean's best class."""
    negative = SENTIMENTS.index("negative")
    labels = units.argmax(axis=1)
    if (labels == negative).any():
        return "negative", float(units[labels == negative, negative].max())
    mean = units.mean(axis=0)
    best = int(mean.argmax())
    return SENTIMENTS[best], float(mean[best])


def cue_hits(doc: Doc, unit: Span | None = None) -> dict[str, bool]:
    """For each intent with a cue in ``doc`` (or in its ``unit``): True when every one of its cues is negated."""
    lo, hi = (unit.start, unit.end) if unit is not None else (0, len(doc))
    hits = {s.label_: True for s in doc.spans["negated_cues"] if lo <= s.start < hi}
    hits.update({s.label_: False for s in doc.spans["cues"] if lo <= s.start < hi})
    return hits


def unit_cue_hits(doc: Doc, units: list[Span]) -> list[dict[str, bool]]:
    """``cue_hits(doc, unit)`` for each of ``units``, reading the doc's cue spans once."""
    negated = [(s.label_, s.start) for s in doc.spans["negated_cues"]]
    live = [(s.label_, s.start) for s in doc.spans["cues"]]
    out = []
    for unit in units:
        lo, hi = unit.start, unit.end
        hits = {label: True for label, start in negated if lo <= start < hi}
        hits.update({label: False for label, start in live if lo <= start < hi})
        out.append(hits)
    return out


def unit_texts(doc: Doc) -> list[str]:
    """The text of each of the doc's units (the whole doc when it has none): slices of the doc's text, which
    spaCy joins from the tokens on every ``.text``."""
    text = doc.text
    return [text[unit.start_char : unit.end_char] for unit in doc._.units or [doc[:]]]


@Language.factory("callintel_heads", default_config={"path": None})
def make_heads(nlp: Language, name: str, path: str | None) -> HeadsComponent:
    return HeadsComponent(path)


def encoder_of(pipeline: Language) -> Encoder:
    """The encoder of a pipeline's ``callintel_encoder`` component."""
    component = pipeline.get_pipe("callintel_encoder")
    if not isinstance(component, EncoderComponent):
        raise TypeError(
            f"callintel_encoder is a {type(component).__name__}, not an EncoderComponent"
        )
    return component.encoder


def heads_of(pipeline: Language) -> Heads:
    """The trained heads of a pipeline's ``callintel_heads`` component."""
    component = pipeline.get_pipe("callintel_heads")
    if not isinstance(component, HeadsComponent):
        raise TypeError(f"callintel_heads is a {type(component).__name__}, not a HeadsComponent")
    return component.heads
