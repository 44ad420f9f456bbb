"""The HTTP API's request and response bodies (separate from the table models and the stage records)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from api.moments import Day, Moment
from models.accounts import (
    Account,
    CommercialEvent,
    ContactRole,
    Invoice,
    LifecycleStatus,
    SurveyResponse,
)
from models.analysis import CallMetrics, Summary
from models.records import Interaction, Sentiment, Tag, Transcript, UsageEvent

__all__ = [
    "AccountIn",
    "AccountUpdate",
    "BatchOut",
    "CommercialBatch",
    "ContactIn",
    "ContactList",
    "ContactOut",
    "CustomerAccount",
    "CustomerDetail",
    "CustomerRisk",
    "InvoiceBatch",
    "StatusIn",
    "SurveyBatch",
    "SurveyResponseOut",
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


class SeverityOut(BaseModel):
    """Why a call ranks where it does: total = weight × score × recency × value (README, "The queue")."""

    total: float
    weight: float
    score: float
    recency: float
    value: float


class FlaggedItem(BaseModel):
    interaction: Interaction
    label_counts: dict[str, int]
    top: Tag
    severity: SeverityOut | None = None
    assignee: str | None = None
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None


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
    account_data: dict[str, int] = Field(
        default_factory=dict,
        description="account data the file held: rows created or changed (accounts, contacts, invoices) or "
        "new (commercial_events, surveys)",
    )
    problems: list[str] = Field(
        default_factory=list,
        description="rows of account data that were skipped, one line each (row, field, problem)",
    )


# -- account data (engineer A) --------------------------------------------------------------------------------

BATCH = 10_000


class AccountUpdate(BaseModel):
    """The account fields to write (PUT /api/customers/{id}); those left out keep their value, ``null`` clears."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=256)
    owner: str | None = Field(None, max_length=256, description="the CSM or AE responsible")
    plan: str | None = Field(None, max_length=128)
    arr: float | None = Field(
        None, ge=0, description="annual recurring revenue, or the contract value"
    )
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    start_date: Day | None = None
    renewal_date: Day | None = None
    segment: str | None = Field(None, max_length=128)
    status: LifecycleStatus = "active"
    status_at: Moment | None = None
    status_reason: str | None = Field(None, max_length=2000)


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(
        min_length=1,
        max_length=320,
        validation_alias=AliasChoices("user", "email"),
        description="the user id or email that usage events name in properties.user",
    )
    name: str | None = Field(None, max_length=256)
    role: ContactRole = "user"


class AccountIn(AccountUpdate):
    """A new customer with its account (POST /api/customers)."""

    customer_id: str = Field(min_length=1, max_length=128)
    contacts: list[ContactIn] = Field(default_factory=list, max_length=BATCH)


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: LifecycleStatus
    at: Moment | None = Field(None, description="when it was set (default: now)")
    reason: str | None = Field(None, max_length=2000)


class ContactList(BaseModel):
    contacts: list[ContactIn] = Field(max_length=BATCH)


class ContactOut(BaseModel):
    user: str
    name: str | None
    role: str
    last_login: datetime | None = Field(
        description="the latest usage event whose properties.user is this contact's user"
    )


class SurveyResponseOut(SurveyResponse):
    interaction_id: str | None = Field(
        None, description="the ticket the comment was stored as (tagged like any ticket)"
    )


class CustomerAccount(BaseModel):
    customer_id: str
    name: str | None
    account: Account | None
    contacts: list[ContactOut]


class CustomerDetail(CustomerRisk):
    """GET /api/customers/{id}: the health (as in GET /api/customers) and the account data."""

    account: Account | None
    contacts: list[ContactOut]
    invoices: list[Invoice]
    commercial_events: list[CommercialEvent]
    surveys: list[SurveyResponseOut]


class InvoiceIn(Invoice):
    model_config = ConfigDict(extra="ignore")

    issued_at: Moment
    due_at: Moment
    paid_at: Moment | None = None


class CommercialEventIn(CommercialEvent):
    model_config = ConfigDict(extra="ignore")

    occurred_at: Moment


class SurveyResponseIn(SurveyResponse):
    model_config = ConfigDict(extra="ignore")

    responded_at: Moment


class InvoiceBatch(BaseModel):
    invoices: list[InvoiceIn] = Field(min_length=1, max_length=BATCH)


class CommercialBatch(BaseModel):
    events: list[CommercialEventIn] = Field(min_length=1, max_length=BATCH)


class SurveyBatch(BaseModel):
    responses: list[SurveyResponseIn] = Field(min_length=1, max_length=BATCH)


class BatchOut(BaseModel):
    received: int
    stored: int = Field(description="rows created or changed (invoices), or new (events, surveys)")
    unchanged: int = Field(description="already stored as given (duplicates)")
    interactions: list[str] = Field(
        default_factory=list,
        description="tickets created from survey comments, queued for analysis",
    )
