"""The records of the contact-frequency analysis (portfolio/contacts.py): what it counts and what it reports
(the channels and one contact are models/contacts_repo.py's, which reads them).

A *tally* is additive (contacts, gaps between consecutive contacts, replies ...), so the SQL aggregates per
customer (and per customer and channel, or rep) are summed into any coarser group without re-reading a row;
``stats`` turns a tally into the rates a person reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from models.contacts_repo import CHANNELS, Channel, ContactInteraction

__all__ = [
    "CHANNELS",
    "PERIOD_DAYS",
    "Channel",
    "ContactInteraction",
    "ContactReport",
    "ContactStats",
    "ContactSummary",
    "CrossCell",
    "CustomerContacts",
    "Period",
    "RepContacts",
    "RepDetail",
    "RepRate",
    "Status",
    "Tally",
    "stats",
]

Period = Literal["week", "month"]
PERIOD_DAYS: dict[str, int] = {"week": 7, "month": 30}
Status = Literal["over", "neglected", "normal"]


@dataclass(frozen=True, slots=True)
class Tally:
    """What one group of contacts adds up to (in the window, but ``last_at`` over all history to as_of)."""

    contacts: int = 0
    gaps: int = (
        0  # consecutive pairs of contacts of the same customer (contacts - 1 per customer group)
    )
    span_days: float = 0.0  # first to last contact, summed over the same customer groups
    last_at: datetime | None = None
    recency_days: float | None = None
    emails_sent: int = 0  # emails with a rep's message
    emails_replied: int = 0  # ... the customer wrote after it
    tickets_opened: int = 0  # tickets and chats with a customer's message
    tickets_answered: int = 0  # ... a rep wrote after it
    timed_calls: int = 0  # calls and meetings with a known duration
    call_seconds: float = 0.0
    summarised_calls: int = 0  # calls and meetings with a stored summary
    next_step_calls: int = 0  # ... that agreed at least one next step
    converted: int = 0  # contacts followed by a renewal or purchase within conversion_days

    def __add__(self, other: Tally) -> Tally:
        """Both groups together (of different customers, or of one customer's sums alone)."""
        latest = (
            self
            if other.last_at is None or (self.last_at or other.last_at) > other.last_at
            else other
        )
        return Tally(
            self.contacts + other.contacts,
            self.gaps + other.gaps,
            self.span_days + other.span_days,
            latest.last_at,
            latest.recency_days,
            self.emails_sent + other.emails_sent,
            self.emails_replied + other.emails_replied,
            self.tickets_opened + other.tickets_opened,
            self.tickets_answered + other.tickets_answered,
            self.timed_calls + other.timed_calls,
            self.call_seconds + other.call_seconds,
            self.summarised_calls + other.summarised_calls,
            self.next_step_calls + other.next_step_calls,
            self.converted + other.converted,
        )


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


class ContactStats(BaseModel):
    """A group's contacts in the window, as rates; None where there is nothing to divide by."""

    contacts: int = Field(description="contacts in the window")
    per_period: float = Field(description="contacts per period (week or month) over the window")
    avg_interval_days: float | None = Field(
        description="mean days between consecutive contacts of the same customer (needs two)"
    )
    last_contact_at: datetime | None = Field(description="the last contact at or before as_of")
    recency_days: float | None = Field(description="days from the last contact to as_of")
    emails_sent: int
    email_reply_rate: float | None = Field(
        description="emails the customer replied to / emails sent"
    )
    tickets_opened: int
    ticket_answer_rate: float | None = Field(
        description="tickets and chats a rep answered / opened"
    )
    avg_call_minutes: float | None = Field(description="mean duration of calls and meetings")
    next_step_rate: float | None = Field(
        description="summarised calls and meetings that agreed a next step / those summarised"
    )
    conversion_rate: float | None = Field(
        description="contacts followed by a renewal or purchase within conversion_days / contacts"
    )


def stats(tally: Tally, window_days: int, period: Period) -> ContactStats:
    """A tally as rates: contacts per period over the window, the mean gap, reply and conversion rates."""
    periods = window_days / PERIOD_DAYS[period]
    return ContactStats(
        contacts=tally.contacts,
        per_period=round(tally.contacts / periods, 4),
        avg_interval_days=round(tally.span_days / tally.gaps, 4) if tally.gaps else None,
        last_contact_at=tally.last_at,
        recency_days=round(tally.recency_days, 4) if tally.recency_days is not None else None,
        emails_sent=tally.emails_sent,
        email_reply_rate=_ratio(tally.emails_replied, tally.emails_sent),
        tickets_opened=tally.tickets_opened,
        ticket_answer_rate=_ratio(tally.tickets_answered, tally.tickets_opened),
        avg_call_minutes=(
            round(tally.call_seconds / tally.timed_calls / 60, 4) if tally.timed_calls else None
        ),
        next_step_rate=_ratio(tally.next_step_calls, tally.summarised_calls),
        conversion_rate=_ratio(tally.converted, tally.contacts),
    )


class CustomerContacts(BaseModel):
    """One customer: its contacts, per channel too, and how they compare with its segment's norm."""

    customer_id: str
    name: str | None
    owner: str | None
    segment: str | None
    band: str | None = Field(description="the latest stored health band at or before as_of")
    stats: ContactStats
    channels: dict[str, ContactStats] = Field(description="the same, per channel contacted")
    norm: float | None = Field(description="the segment's median contacts per period")
    status: Status
    reason: str = Field(description="why the status, in a sentence")


class RepContacts(BaseModel):
    """One rep's contacts in the window, over all their customers."""

    rep: str | None
    customers: int
    over: int = Field(description="of their customers, those over-contacted")
    neglected: int = Field(description="of their customers, those neglected")
    stats: ContactStats
    channels: dict[str, int] = Field(description="contacts per channel")


class CrossCell(BaseModel):
    """Contact frequency of the customers of one segment and health band ("*": all of them)."""

    segment: str
    band: str
    customers: int
    median_per_period: float
    mean_per_period: float
    over: int
    neglected: int


class RepRate(BaseModel):
    """One rep's contacts in the window, and per period."""

    rep: str | None
    contacts: int
    per_period: float


class ContactSummary(BaseModel):
    """What the Portfolio page shows of the report: each segment's norm, each rep's contacts per period."""

    as_of: datetime
    window_days: int
    period: Period
    segments: list[CrossCell] = Field(description="per segment (band '*'), as in the report")
    reps: list[RepRate] = Field(description="the report's reps, in its order (most contacts first)")


class ContactReport(BaseModel):
    as_of: datetime
    window_days: int
    period: Period
    channels: dict[str, ContactStats] = Field(description="per channel over the customers shown")
    reps: list[RepContacts]
    total: int = Field(description="customers matched (before limit and offset)")
    customers: list[CustomerContacts]
    segments: list[CrossCell] = Field(description="per segment (band '*'), the norm's source")
    cross: list[CrossCell] = Field(
        description="per segment and health band, and per band (segment '*')"
    )

    def summary(self) -> ContactSummary:
        """The report's segments and reps' rates (what ``contact_summary`` reads without the rest)."""
        reps = [
            RepRate(rep=r.rep, contacts=r.stats.contacts, per_period=r.stats.per_period)
            for r in self.reps
        ]
        return ContactSummary(
            as_of=self.as_of,
            window_days=self.window_days,
            period=self.period,
            segments=self.segments,
            reps=reps,
        )


class RepDetail(BaseModel):
    as_of: datetime
    window_days: int
    period: Period
    rep: RepContacts
    customers: list[CustomerContacts] = Field(
        description="the rep's customers: stats of the rep's contacts, status against the segment norm"
    )
    interactions: list[ContactInteraction]
