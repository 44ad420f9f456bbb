"""The JSON of the portfolio and the segment list: `callintel portfolio --json` / `callintel segments --json`
print these, `GET /api/portfolio` / `GET /api/segments` answer with them (and describe them in /openapi.json)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from api.schemas import Page

__all__ = [
    "BookCellBody",
    "ChurnPeriodBody",
    "CustomerSegmentBody",
    "EvidenceBody",
    "PortfolioBody",
    "ReasonBody",
    "SegmentNameBody",
    "SegmentPage",
]


class ChurnPeriodBody(BaseModel):
    period: str  # 2026-10, 2026-Q4
    start: date
    end: date  # the first day after it
    active_at_start: int
    churned: int
    churn_rate: float | None  # churned / active_at_start; None when none was active
    arr_churned: float


class EvidenceBody(BaseModel):
    customer_id: str
    interaction_id: str | None  # None: a risk signal of no one interaction
    kind: str | None  # call | ticket
    occurred_at: datetime
    text: str


class ReasonBody(BaseModel):
    reason: str  # a tag label, competitor_mention:NAME, or a risk signal kind
    label: str
    customers: int
    lost: int
    evidence: list[EvidenceBody]


class BookCellBody(BaseModel):
    segment: str
    band: str  # green, yellow, red, or unknown (no health snapshot yet)
    customers: int
    arr: float


class SegmentNameBody(BaseModel):
    name: str
    label: str


class PortfolioBody(BaseModel):
    as_of: datetime
    active_customers: int
    arr: float
    months: list[ChurnPeriodBody]
    quarters: list[ChurnPeriodBody]
    by_band: dict[str, int]
    by_segment: dict[str, int]
    book: list[BookCellBody]
    segments: list[SegmentNameBody]
    reasons: list[ReasonBody]


class CustomerSegmentBody(BaseModel):
    customer_id: str
    name: str | None
    owner: str | None
    arr: float | None
    currency: str
    renewal_date: date | None
    last_at: datetime | None
    frequency: int
    monetary: float
    r: int
    f: int
    m: int
    segment: str | None
    band: str | None
    health: float | None
    tags: list[str]


class SegmentPage(Page):
    items: list[CustomerSegmentBody]
