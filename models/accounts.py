"""Account data, commercial records and voice-of-customer records (issue 15), as typed records.

    Account           the commercial side of a customer: owner, plan, ARR, dates, segment, lifecycle status
    Contact           a person at the customer (matched to usage events by ``user``), with their role
    Invoice           an invoice and its payment: issued, due, paid (or not), failed payment attempts
    CommercialEvent   a renewal, a purchase, or a seat change (an upgrade or a downgrade)
    SurveyResponse    an NPS (0-10) or CSAT (1-5) answer, with an optional comment

The file columns and JSON keys of the ``accounts``, ``contacts``, ``invoices``, ``commercial`` and ``surveys``
sources are these field names.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator, model_validator

from models.records import Record

__all__ = [
    "CONTACT_ROLES",
    "COMMERCIAL_KINDS",
    "KEY_ROLES",
    "LIFECYCLE_STATUSES",
    "SURVEY_KINDS",
    "Account",
    "CommercialEvent",
    "CommercialKind",
    "Contact",
    "ContactRole",
    "Invoice",
    "LifecycleStatus",
    "SurveyKind",
    "SurveyResponse",
]

LifecycleStatus = Literal["active", "cancel_requested", "churned"]
LIFECYCLE_STATUSES: tuple[str, ...] = get_args(LifecycleStatus)
ContactRole = Literal["decision_maker", "admin", "champion", "user"]
CONTACT_ROLES: tuple[str, ...] = get_args(ContactRole)
KEY_ROLES: frozenset[str] = frozenset({"decision_maker", "admin", "champion"})
CommercialKind = Literal["renewal", "purchase", "seat_change"]
COMMERCIAL_KINDS: tuple[str, ...] = get_args(CommercialKind)
SurveyKind = Literal["nps", "csat"]
SURVEY_KINDS: tuple[str, ...] = get_args(SurveyKind)

CustomerId = Annotated[str, Field(min_length=1, max_length=128)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _digest(record: Record, fields: set[str]) -> str:
    return hashlib.sha256(record.model_dump_json(include=fields).encode()).hexdigest()


class Account(Record):
    customer_id: CustomerId
    name: str | None = Field(None, max_length=256)
    owner: str | None = Field(None, max_length=256)  # the CSM or AE responsible
    plan: str | None = Field(None, max_length=128)
    arr: float | None = Field(None, ge=0)  # annual recurring revenue, or the contract value
    currency: Currency = "USD"
    start_date: date | None = None
    renewal_date: date | None = None
    segment: str | None = Field(None, max_length=128)
    status: LifecycleStatus = "active"
    status_at: datetime | None = None  # when the status was set (the churn date for ``churned``)
    status_reason: str | None = Field(None, max_length=2000)

    _aware_time = field_validator("status_at")(_aware)


class Contact(Record):
    customer_id: CustomerId
    user: str = Field(min_length=1, max_length=320)  # user id or email, as usage events name them
    name: str | None = Field(None, max_length=256)
    role: ContactRole = "user"


class Invoice(Record):
    customer_id: CustomerId
    invoice_id: str = Field(min_length=1, max_length=128)
    issued_at: datetime
    due_at: datetime
    paid_at: datetime | None = None
    amount: float = Field(ge=0)
    currency: Currency = "USD"
    failed_attempts: int = Field(0, ge=0)

    _aware_time = field_validator("issued_at", "due_at", "paid_at")(_aware)

    @model_validator(mode="after")
    def _due_after_issue(self) -> Invoice:
        if self.due_at < self.issued_at:
            raise ValueError("due_at is before issued_at")
        return self


class CommercialEvent(Record):
    """A renewal or purchase (``amount``), or a seat change (``seats_before`` -> ``seats_after``)."""

    customer_id: CustomerId
    kind: CommercialKind
    occurred_at: datetime
    amount: float | None = None
    currency: Currency = "USD"
    seats_before: int | None = Field(None, ge=0)
    seats_after: int | None = Field(None, ge=0)
    note: str | None = Field(None, max_length=2000)

    _aware_time = field_validator("occurred_at")(_aware)

    @model_validator(mode="after")
    def _seats_for_a_seat_change(self) -> CommercialEvent:
        if self.kind == "seat_change" and (self.seats_before is None or self.seats_after is None):
            raise ValueError("a seat_change needs seats_before and seats_after")
        return self

    @property
    def seat_delta(self) -> int:
        if self.seats_before is None or self.seats_after is None:
            return 0
        return self.seats_after - self.seats_before

    def dedup_key(self) -> str:
        return _digest(self, set(type(self).model_fields))


class SurveyResponse(Record):
    customer_id: CustomerId
    kind: SurveyKind
    score: int
    responded_at: datetime
    respondent: str | None = Field(None, max_length=320)
    comment: str | None = Field(None, max_length=20000)

    _aware_time = field_validator("responded_at")(_aware)

    @model_validator(mode="after")
    def _score_in_range(self) -> SurveyResponse:
        low, high = (0, 10) if self.kind == "nps" else (1, 5)
        if not low <= self.score <= high:
            raise ValueError(f"a {self.kind} score is {low}-{high}; got {self.score}")
        return self

    def dedup_key(self) -> str:
        return _digest(self, set(type(self).model_fields))
