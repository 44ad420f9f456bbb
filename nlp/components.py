"""spaCy components, registered by name with ``Language.factory`` and a default config.

    callintel_competitors  competitor names from the catalogue  -> doc.spans["competitors"]
    callintel_cues         intent cue phrases (+ negation)      -> doc.spans["cues"], doc.spans["negated_cues"]
                           and stance features (nlp/stance.py)  -> doc._.stance
    callintel_encoder      batched sentence embedding           -> doc._.embedding
    callintel_heads        trained intent + sentiment heads     -> doc._.intent_scores, doc._.sentiment

The speaker role of an utterance is read from ``doc._.speaker_role``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from nlp.competitors import CompetitorMatcher
from nlp.cues import INTENT_LABELS, cue_set, cue_stems, is_negated, mark_stems
from nlp.encoder import Encoder, load_encoder
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
    ("sentiment", None),
):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


@Language.factory("callintel_competitors", default_config={"catalogue": None})
def make_competitors(nlp: Language, name: str, catalogue: str | None) -> CompetitorMatcher:
    return CompetitorMatcher(nlp, catalogue)


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
        self.stems = cue_stems()
        self.stance = StanceMatcher(nlp.vocab, nlp.make_doc)

    def __call__(self, doc: Doc) -> Doc:
        mark_stems(doc, self.stems)
        found = [Span(doc, s, e, label=m) for m, s, e in self.phrases(doc)]
        found += [Span(doc, s, e, label=m) for m, s, e in self.patterns(doc)]
        found += [
            Span(doc, t.i, t.i + 1, label=label)
            for t in doc
            if t._.cue_stem
            for label in self.stem_labels.get(t._.cue_stem, ())
        ]
        negated = [is_negated(doc, span) for span in found]
        doc.spans["cues"] = [span for span, neg in zip(found, negated, strict=True) if not neg]
        doc.spans["negated_cues"] = [span for span, neg in zip(found, negated, strict=True) if neg]
        doc._.stance = self.stance(doc)
        return doc


@Language.factory("callintel_cues")
def make_cues(nlp: Language, name: str) -> CueMatcher:
    return CueMatcher(nlp)


class EncoderComponent:
    """Embeds a whole window of docs per call (``nlp.pipe``'s batch_size); the encoder sorts the
    window by length into batches of ``encode_batch_size``, so little compute goes on padding."""

    def __init__(
        self, model: str | None, threads: int, batch_size: int, encode_batch_size: int
    ) -> None:
        self.encoder = load_encoder(model, threads)
        self.batch_size = batch_size
        self.encode_batch_size = encode_batch_size

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size or self.batch_size):
            vectors = self.encoder.encode(
                [doc.text for doc in batch], batch_size=self.encode_batch_size
            )
            for doc, vector in zip(batch, vectors, strict=True):
                doc._.embedding = vector
                yield doc


@Language.factory(
    "callintel_encoder",
    default_config={"model": None, "threads": 0, "batch_size": 512, "encode_batch_size": 64},
)
def make_encoder(
    nlp: Language,
    name: str,
    model: str | None,
    threads: int,
    batch_size: int,
    encode_batch_size: int,
) -> EncoderComponent:
    return EncoderComponent(model, threads, batch_size, encode_batch_size)


class HeadsComponent:
    def __init__(self, path: str | None) -> None:
        self.heads = load_heads(HEADS_FILE if path is None else Path(path))

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            embeddings = np.vstack([doc._.embedding for doc in batch])
            hits = [cue_hits(doc) for doc in batch]
            roles = [doc._.speaker_role for doc in batch]
            stance = np.vstack([doc._.stance for doc in batch])
            cues = cue_features(hits)
            x = features(embeddings, roles, cues, self.heads.similarities(embeddings), stance)
            scores = self.heads.intent_scores(x)
            sentiment = self.heads.sentiment_probabilities(
                sentiment_features(embeddings, stance, cues)
            )
            for row, doc in enumerate(batch):
                doc._.intent_scores = dict(zip(INTENT_LABELS, scores[row].tolist(), strict=True))
                best = int(sentiment[row].argmax())
                doc._.sentiment = (SENTIMENTS[best], float(sentiment[row, best]))
                yield doc


def cue_hits(doc: Doc) -> dict[str, bool]:
    """For each intent with a cue in ``doc``: True when every one of its cues is negated."""
    hits = {span.label_: True for span in doc.spans["negated_cues"]}
    hits.update({span.label_: False for span in doc.spans["cues"]})
    return hits


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
