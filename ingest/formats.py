"""The file formats callintel reads, as pydantic schemas (separate from the stored records).

- a call transcript: one JSON object with ``utterances`` (our own format; see README);
- tickets: JSON Lines, one ticket per line with ``messages`` (or ``body``);
- usage events: JSON Lines, one event per line with ``kind`` and ``occurred_at`` (validated with the
  record, models.records.UsageEvent).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.records import Role, Speaker

ROLE_ALIASES: dict[str, Role] = {
    "rep": "rep",
    "agent": "rep",
    "support": "rep",
    "seller": "rep",
    "customer": "customer",
    "client": "customer",
    "buyer": "customer",
    "prospect": "customer",
    "unknown": "unknown",
}


def speaker_from(value: str | dict[str, Any] | None, position: int) -> Speaker:
    """ "rep" / "customer" (or an alias), a label such as "SPEAKER_1", or {"role", "label"}."""
    if value is None:
        return Speaker(role="unknown", label=f"SPEAKER_{position}")
    if isinstance(value, dict):
        return Speaker(**value)
    role = ROLE_ALIASES.get(value.strip().lower())
    if role is not None:
        return Speaker(role=role, label=role.upper())
    return Speaker(role="unknown", label=value.strip())


class _In(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class UtteranceIn(_In):
    speaker: str | dict[str, Any] | None = None
    start_s: float | None = Field(None, ge=0, alias="start")
    end_s: float | None = Field(None, ge=0, alias="end")
    text: str = Field(min_length=1)


class TranscriptFile(_In):
    customer_id: str | None = None
    customer_name: str | None = None
    occurred_at: datetime | None = None
    rep: str | None = None
    title: str | None = None
    language: str = "en"
    duration_s: float | None = Field(None, ge=0)
    utterances: list[UtteranceIn] = Field(min_length=1)


class MessageIn(_In):
    sender: str = Field("customer", alias="from")
    text: str = Field(min_length=1)

    @field_validator("sender")
    @classmethod
    def _known_sender(cls, value: str) -> str:
        if value.strip().lower() not in ROLE_ALIASES:
            raise ValueError(
                f"unknown sender {value!r} (expected one of {', '.join(sorted(ROLE_ALIASES))})"
            )
        return value


class TicketIn(_In):
    id: str | None = Field(None, alias="ticket_id")
    customer_id: str | None = None
    customer_name: str | None = None
    created_at: datetime = Field(alias="occurred_at")
    subject: str | None = None
    rep: str | None = None
    body: str | None = None
    messages: list[MessageIn] = Field(default_factory=list)

    def thread(self) -> list[MessageIn]:
        if self.messages:
            return self.messages
        if self.body:
            return [MessageIn(sender="customer", text=self.body)]
        raise ValueError("a ticket needs messages or a body")


SourceKind = Literal["transcript", "tickets", "usage"]
