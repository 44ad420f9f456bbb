"""The HTTP API's request and response bodies (separate from the table models and the stage records)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.moments import Moment
from models.analysis import CallMetrics, Summary
from models.records import Interaction, Sentiment, Tag, Transcript, UsageEvent

__all__ = [
    "CustomerRisk",
    "ErrorBody",
    "FlaggedItem",
    "InteractionDetail",
    "Page",
    "SearchHit",
    "SignalOut",
    "TimelineOut",
    "UploadResult",
    "UsageBatch",
    "UsageEventIn",
]


class ErrorBody(BaseModel):
    error: str = Field(description="the error's type, e.g. MalformedSource, Forbidden")
    message: str
    path: str | None = None


class Page(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[Any]


class InteractionDetail(BaseModel):
    interaction: Interaction
    transcript: Transcript | None
    sentiments: list[Sentiment | None]
    tags: list[Tag]
    metrics: CallMetrics | None
    summary: Summary | None


class FlaggedItem(BaseModel):
    interaction: Interaction
    label_counts: dict[str, int]
    top: Tag


class SignalOut(BaseModel):
    kind: str
    weight: float
    points: float | None = None
    occurred_at: datetime
    interaction_id: str | None
    explanation: str


class CustomerRisk(BaseModel):
    customer_id: str
    name: str | None
    as_of: datetime
    score: float | None = Field(description="0-100; null when the health is unknown (no data)")
    band: str
    raw_risk: float = Field(
        0.0, description="the unclamped sum of the points: orders customers at 0"
    )
    breakdown: dict[str, float]
    signals: list[SignalOut]


class TimelineEntryOut(BaseModel):
    at: datetime
    kind: str
    title: str
    detail: str
    ref: str | None = None


class ReplayPoint(BaseModel):
    as_of: datetime
    score: float | None
    band: str
    breakdown: dict[str, float] = Field(
        description="signal kind -> points taken off at that moment"
    )


class TimelineOut(BaseModel):
    health: CustomerRisk
    replay: list[ReplayPoint]
    timeline: list[TimelineEntryOut]


class SearchHit(BaseModel):
    interaction_id: str
    utterance_index: int
    start_s: float | None
    speaker_role: str
    text: str


class UsageEventIn(UsageEvent):
    """A usage event as POST /api/usage takes it: the record's fields and rules (models.records.UsageEvent);
    unknown fields are ignored, and ``occurred_at`` is bounded like every date the API takes."""

    model_config = ConfigDict(extra="ignore")

    occurred_at: Moment  # years 1970-2999


class UsageBatch(BaseModel):
    events: list[UsageEventIn] = Field(min_length=1, max_length=10_000)


class UploadResult(BaseModel):
    file: str = Field(description="the uploaded file's name, as sent")
    created: list[str] = Field(
        description="ids of the interactions this upload stored (each queued for analysis)"
    )
    already_stored: int = Field(
        description="interactions in the file that were already stored and that the caller may "
        "read (a rep never hears of another rep's)"
    )
    usage_events: int = Field(description="new usage events stored (duplicates skipped)")
