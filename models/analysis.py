"""What the pipeline derives from a transcript: call metrics, the post-call summary, and jobs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from pydantic import Field

from models.records import Record, Role

__all__ = [
    "STAGES",
    "ALERT_OUTCOMES",
    "ALERT_STATUSES",
    "Alert",
    "AlertOutcome",
    "AlertStatus",
    "CallMetrics",
    "Job",
    "JobStatus",
    "KeyMoment",
    "Moment",
    "NextStep",
    "Stage",
    "Summary",
]

Stage = Literal["transcribe", "tag", "metrics", "summary", "risk"]
STAGES: tuple[Stage, ...] = get_args(Stage)
JobStatus = Literal["queued", "running", "done", "failed"]
AlertStatus = Literal["open", "acknowledged", "resolved"]
ALERT_STATUSES: tuple[str, ...] = get_args(AlertStatus)
AlertOutcome = Literal["saved", "churned", "false_alarm"]
ALERT_OUTCOMES: tuple[str, ...] = get_args(AlertOutcome)


class CallMetrics(Record):
    """Conversation figures of one call, as conversation-intelligence tools show them.

    Per-role values are keyed by role (rep, customer, unknown); rates are per minute of the call
    unless named otherwise.
    """

    interaction_id: str
    duration_s: float = Field(ge=0)
    talk_time_s: dict[Role, float]
    talk_ratio: dict[Role, float]
    longest_monologue_s: float = Field(ge=0)
    longest_monologue_role: Role | None = None
    interactivity: float = Field(ge=0, description="speaker switches per minute")
    patience_s: float | None = Field(
        None, description="mean pause before the rep answers the customer"
    )
    questions: dict[Role, int]
    question_rate: dict[Role, float] = Field(description="questions per minute of the call")
    filler_rate: dict[Role, float] = Field(description="filler words per 100 words")
    words_per_minute: dict[Role, float] = Field(
        description="words per minute of the speaker's own talk time"
    )


class Moment(Record):
    """A place in a conversation: which utterance, when, who, what was said."""

    utterance_index: int = Field(ge=0)
    start_s: float | None = None
    speaker_role: Role = "unknown"
    text: str


class KeyMoment(Moment):
    kind: str  # a tag label, or "sentiment_swing"
    evidence: str
    score: float = Field(ge=0, le=1)
    entity: str | None = None
    detail: str | None = None


class NextStep(Moment):
    commitment: str  # the promise itself, e.g. "I'll send the proposal by Friday"
    due: date | None = None
    due_text: str | None = None


class Summary(Record):
    interaction_id: str
    kind: Literal["call", "ticket"]
    title: str | None = None
    customer_id: str
    rep: str | None = None
    occurred_at: datetime
    outcome: str | None = Field(
        None,
        description="one line: the customer's strongest risk or commitment and the rep's step on it",
    )
    overview: list[Moment] = Field(description="the most central sentences, in conversation order")
    key_moments: list[KeyMoment]
    customer_questions: list[Moment]
    next_steps: list[NextStep]
    metrics: CallMetrics | None = None


class Job(Record):
    """One interaction's way through the pipeline stages."""

    interaction_id: str
    status: JobStatus
    stage: Stage | None = None  # the last stage completed
    attempts: int = 0
    error: str | None = None
    worker: str | None = None
    updated_at: datetime


class Alert(Record):
    """A customer crossing into a worse health band, or a high-weight risk signal arriving; ``key`` deduplicates."""

    id: int | None = None  # set once stored
    key: str
    customer_id: str
    kind: Literal["band_changed", "high_weight_signal"]
    occurred_at: datetime
    reason: str
    band: str | None = None
    score: float | None = None
    interaction_id: str | None = None
    owner: str | None = None  # the account owner, who should act on it
    action: str | None = None  # the recommended intervention (risk/data/playbooks.yaml)
    status: AlertStatus = "open"
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    outcome: AlertOutcome | None = None
    resolution_note: str | None = None
