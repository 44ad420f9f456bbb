"""The tagger: a spaCy pipeline (blank English + our components) that turns utterances into Tags and Sentiment."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from models.errors import ModelUnavailable
from models.records import Role, Sentiment, Tag, Transcript
from models.settings import Settings
from nlp.components import (
    encoder_of,
    heads_of,
)  # importing it registers the factories
from nlp.cues import INTENT_LABELS
from nlp.encoder import Precision

__all__ = ["TagInput", "TaggedUtterance", "Tagger", "build_pipeline"]

COMPETITOR_SCORE = 0.99
# In the training data every customer utterance with one of these labels is negative (658 of 658, fourteenth batch):
# a voiced risk is the customer's stance, so "great tool, but out of our price range" is not positive, and a
# customer's voiced risk is negative (the labelling rule; "We signed with Gong last week" is not neutral).
RISK_LABELS = frozenset(
    {"price_objection", "cancellation_intent", "product_issue", "poor_fit", "usage_decline"}
)


@dataclass(frozen=True)
class TagInput:
    text: str
    role: Role = "unknown"


@dataclass(frozen=True)
class TaggedUtterance:
    text: str
    role: Role
    sentiment: Sentiment
    tags: list[Tag] = field(default_factory=list)


def build_pipeline(
    catalogue: str | Path | None = None,
    model: str | None = None,
    threads: int = 0,
    batch_size: int = 512,
    heads: str | Path | None = None,
    with_heads: bool = True,
    precision: Precision = "fp32",
    cache_dir: Path | None = None,
    adapter: Path | None | Literal["shipped"] = "shipped",
) -> Language:
    """``adapter``: the bundled encoder's tuned adapters (the shipped ones; None: the bare weights)."""
    pipeline = spacy.blank("en")
    pipeline.add_pipe("sentencizer")
    pipeline.add_pipe(
        "callintel_competitors", config={"catalogue": str(catalogue) if catalogue else None}
    )
    pipeline.add_pipe("callintel_cues")
    pipeline.add_pipe(
        "callintel_encoder",
        config={
            "model": model,
            "threads": threads,
            "batch_size": batch_size,
            "precision": precision,
            "cache_dir": str(cache_dir) if cache_dir else None,
            "adapter": adapter if adapter is None or adapter == "shipped" else str(adapter),
        },
    )
    if with_heads:
        pipeline.add_pipe("callintel_heads", config={"path": str(heads) if heads else None})
    return pipeline


class Tagger:
    """Tags utterances in batches; each sentence is embedded once and that embedding feeds every head."""

    def __init__(
        self,
        catalogue: str | Path | None = None,
        model: str | None = None,
        threads: int = 0,
        batch_size: int = 512,
        heads: str | Path | None = None,
        precision: Precision = "fp32",
        cache_dir: Path | None = None,
    ) -> None:
        """``precision``: fp32 or int8; ``cache_dir``: where the bundled encoder's ONNX files go (the defaults:
        the settings' defaults; ``from_settings`` passes CALLINTEL_ENCODER_PRECISION and CALLINTEL_MODEL_CACHE)."""
        self.batch_size = batch_size
        self.pipeline = build_pipeline(
            catalogue, model, threads, batch_size, heads, precision=precision, cache_dir=cache_dir
        )
        head = heads_of(self.pipeline)
        encoder = encoder_of(self.pipeline)
        if encoder.dimension != head.dimension:
            raise ModelUnavailable(
                f"the trained heads expect {head.dimension}-dimensional embeddings ({head.encoder}) but "
                f"{encoder.name} gives {encoder.dimension}; retrain them with python -m nlp.train --model {encoder.name}"
            )
        if model is None and head.encoder != encoder.name:
            raise ModelUnavailable(
                f"the trained heads were fitted on {head.encoder}'s embeddings but the bundled encoder is "
                f"{encoder.name}; retrain them with python -m nlp.train"
            )
        self.thresholds = dict(zip(INTENT_LABELS, head.thresholds.tolist(), strict=True))

    @classmethod
    def from_settings(cls, settings: Settings, catalogue: str | Path | None = None) -> Tagger:
        return cls(
            catalogue or settings.competitors_file,
            settings.embedding_model,
            settings.threads,
            settings.tag_batch_size,
            precision=settings.encoder_precision,
            cache_dir=settings.model_cache,
        )

    def encode(self, texts: list[str]):
        """Normalised sentence embeddings from the tagger's own encoder (numpy array, one row per text)."""
        return encoder_of(self.pipeline).encode(texts)

    def docs(self, inputs: Iterable[TagInput]) -> Iterator[Doc]:
        def prepared() -> Iterator[Doc]:
            for item in inputs:
                doc = self.pipeline.make_doc(item.text)
                doc._.speaker_role = item.role
                yield doc

        return self.pipeline.pipe(prepared(), batch_size=self.batch_size)

    def tag(self, inputs: Iterable[TagInput]) -> Iterator[TaggedUtterance]:
        for doc in self.docs(inputs):
            text = doc.text  # spaCy joins it from the tokens on every call: once per doc
            tags = self.tags_of(doc, text)
            label, score = doc._.sentiment
            risks = [t.score for t in tags if t.label in RISK_LABELS]
            voiced = risks and (label == "positive" or doc._.speaker_role == "customer")
            if voiced and label != "negative":
                label, score = "negative", max(risks)
            yield TaggedUtterance(
                text, doc._.speaker_role, Sentiment(label=label, score=round(score, 3)), tags
            )

    def tag_transcript(self, transcript: Transcript) -> tuple[list[Tag], list[Sentiment]]:
        inputs = [TagInput(u.text, u.speaker.role) for u in transcript.utterances]
        tags: list[Tag] = []
        sentiments: list[Sentiment] = []
        for utterance, result in zip(transcript.utterances, self.tag(inputs), strict=True):
            sentiments.append(result.sentiment)
            tags.extend(
                t.model_copy(
                    update={
                        "interaction_id": transcript.interaction_id,
                        "utterance_index": utterance.index,
                    }
                )
                for t in result.tags
            )
        return tags, sentiments

    def tags_of(self, doc: Doc, text: str | None = None) -> list[Tag]:
        """The doc's tags; ``text``: the doc's text where the caller has it."""
        role = doc._.speaker_role
        text = doc.text if text is None else text
        tags = [
            Tag(
                label="competitor_mention",
                entity=span.label_,
                score=COMPETITOR_SCORE,
                start=span.start_char,
                end=span.end_char,
                evidence=span.text,
                speaker_role=role,
            )
            for span in doc.spans["competitors"]
        ]
        cues = [
            (span.label_, span.start, span.end, span.start_char, span.end_char)
            for span in doc.spans["cues"]
        ]
        for label, score in doc._.intent_scores.items():
            if score < self.thresholds[label] or role == "rep":
                continue  # intents are the customer's: a rep describing the export feature is not one
            start, end = _evidence(text, cues, doc._.units[doc._.intent_units[label]], label)
            tags.append(
                Tag(
                    label=label,
                    score=round(score, 3),
                    start=start,
                    end=end,
                    evidence=text[start:end],
                    speaker_role=role,
                )
            )
        return sorted(tags, key=lambda t: (t.start, t.label))


def _evidence(
    text: str, cues: list[tuple[str, int, int, int, int]], unit: Span, label: str
) -> tuple[int, int]:
    """The character span of a tag: its longest live cue inside the sentence that scored it, else that sentence.

    ``cues``: the doc's live cues as (label, start, end, start_char, end_char); ``text``: the doc's text."""
    inside = [
        (start_char, end_char)
        for cue_label, start, end, start_char, end_char in cues
        if cue_label == label and unit.start <= start and end <= unit.end
    ]
    if inside:
        return max(inside, key=lambda chars: (chars[1] - chars[0], -chars[0]))
    sentence = text[unit.start_char : unit.end_char]
    start = unit.start_char + len(sentence) - len(sentence.lstrip())
    return start, unit.start_char + len(sentence.rstrip())
