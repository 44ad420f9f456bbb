"""The typed records passed between stages (see ARCHITECTURE.md, "Records")."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "LABEL_NAMES",
    "Customer",
    "Interaction",
    "InteractionKind",
    "RiskSignal",
    "Role",
    "Sentiment",
    "SentimentLabel",
    "Speaker",
    "TAG_LABELS",
    "Tag",
    "TagLabel",
    "TokenRole",
    "Transcript",
    "UsageEvent",
    "Utterance",
    "Word",
    "content_id",
    "label_name",
]

Role = Literal["rep", "customer", "unknown"]
InteractionKind = Literal["call", "ticket"]
TagLabel = Literal[
    "price_objection",
    "competitor_mention",
    "export_data_intent",
    "cancellation_intent",
    "billing_question",
    "product_issue",
    "poor_fit",
    "usage_decline",
    "stakeholder_change",
    "expansion_interest",
]
TAG_LABELS: tuple[str, ...] = get_args(TagLabel)
# The one label vocabulary with display names: tag labels, and the summary's other key-moment kind. The CLI
# (summary), the API (risk explanations, summary) and the dashboard all name a label with ``label_name``.
LABEL_NAMES: dict[str, str] = {
    "cancellation_intent": "Cancellation intent",
    "export_data_intent": "Data-export intent",
    "competitor_mention": "Competitor mentioned",
    "price_objection": "Price objection",
    "billing_question": "Billing complaint",
    "product_issue": "Product issue",
    "poor_fit": "Poor fit",
    "usage_decline": "Usage decline",
    "stakeholder_change": "Stakeholder change",
    "expansion_interest": "Expansion interest",
    "sentiment_swing": "Sentiment swing",
}
SentimentLabel = Literal["positive", "neutral", "negative"]
TokenRole = Literal["admin", "manager", "rep", "crm"]  # an API token's (api.auth)


def label_name(label: str) -> str:
    """A label's display name; any other kind (a risk signal's, "no_contact") in words: "No contact"."""
    name = LABEL_NAMES.get(label)
    if name is None:
        words = label.replace("_", " ")
        name = words[:1].upper() + words[1:]
    return name


def content_id(sha256: str) -> str:
    """The interaction id derived from its content: the same content, the same id."""
    return f"int_{sha256[:16]}"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Customer(Record):
    id: str = Field(min_length=1, max_length=128)
    name: str | None = None


class Word(Record):
    text: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    probability: float | None = Field(None, ge=0, le=1)


class Speaker(Record):
    role: Role = "unknown"
    label: str = "SPEAKER_0"


class Utterance(Record):
    index: int = Field(ge=0)
    speaker: Speaker = Field(default_factory=Speaker)
    start_s: float | None = Field(None, ge=0)
    end_s: float | None = Field(None, ge=0)
    text: str
    words: list[Word] | None = None

    @model_validator(mode="after")
    def _ordered_times(self) -> Utterance:
        if self.start_s is not None and self.end_s is not None and self.end_s < self.start_s:
            raise ValueError(
                f"utterance {self.index} ends ({self.end_s}) before it starts ({self.start_s})"
            )
        return self


class Transcript(Record):
    interaction_id: str
    language: str = "en"
    duration_s: float | None = Field(None, ge=0)
    engine: str
    model: str | None = None
    utterances: list[Utterance]

    @model_validator(mode="after")
    def _indexed_in_order(self) -> Transcript:
        for position, utterance in enumerate(self.utterances):
            if utterance.index != position:
                raise ValueError(
                    f"utterance indexes must run 0..n-1 in order; found {utterance.index} at {position}"
                )
        return self


class Interaction(Record):
    id: str
    customer_id: str = Field(min_length=1, max_length=128)
    kind: InteractionKind
    occurred_at: datetime
    source: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    rep: str | None = None
    title: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    _aware_time = field_validator("occurred_at")(_aware)

    @classmethod
    def from_content(cls, content: bytes, **fields: Any) -> Interaction:
        digest = hashlib.sha256(content).hexdigest()
        return cls(id=content_id(digest), sha256=digest, **fields)


class Sentiment(Record):
    label: SentimentLabel
    score: float = Field(ge=0, le=1)


class Tag(Record):
    interaction_id: str | None = None
    utterance_index: int = Field(0, ge=0)
    label: TagLabel
    score: float = Field(ge=0, le=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    evidence: str
    entity: str | None = None
    speaker_role: Role = "unknown"


class RiskSignal(Record):
    customer_id: str
    interaction_id: str | None = None
    kind: str
    weight: float
    occurred_at: datetime
    explanation: str

    _aware_time = field_validator("occurred_at")(_aware)


class UsageEvent(Record):
    """A product-usage event: the one schema (its field rules) that the API (``UsageEventIn``) and the file
    readers (JSON Lines, CSV) validate usage events with."""

    customer_id: str = Field(min_length=1, max_length=128)
    kind: str = Field(min_length=1, max_length=64)
    occurred_at: datetime
    properties: dict[str, Any] = Field(default_factory=dict)

    _aware_time = field_validator("occurred_at")(_aware)

    def dedup_key(self) -> str:
        """Same customer, kind, time and properties: the same event, stored once."""
        raw = self.model_dump_json(include={"customer_id", "kind", "occurred_at", "properties"})
        return hashlib.sha256(raw.encode()).hexdigest()
