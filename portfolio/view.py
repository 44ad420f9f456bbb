"""The book at a glance: the churn trend by month and quarter, the active customers by health band and RFM
segment (counts and ARR), and the top churn reasons. Every figure is aggregated in SQL (models/churn_repo.py,
models/rfm_repo.py); this module only puts them together."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models.rfm_repo import book_counts
from models.segments import SegmentConfig
from portfolio.churn import ChurnPeriod, ChurnReason, churn_reasons, churn_trend, months, quarters

__all__ = [
    "BookCell",
    "PortfolioView",
    "book_cells",
    "period_dict",
    "portfolio_view",
    "reason_dict",
    "view_dict",
]

NO_BAND = "unknown"  # no health snapshot yet (run `callintel alerts --refresh`)


@dataclass(frozen=True)
class BookCell:
    """The active customers of one segment in one health band, and their ARR."""

    segment: str
    band: str
    customers: int
    arr: float


@dataclass(frozen=True)
class PortfolioView:
    as_of: datetime
    months: list[ChurnPeriod]
    quarters: list[ChurnPeriod]
    cells: list[BookCell]
    reasons: list[ChurnReason]
    segments: list[tuple[str, str]]  # (name, label) in the configuration's order

    @property
    def active(self) -> int:
        return sum(c.customers for c in self.cells)

    @property
    def arr(self) -> float:
        return sum(c.arr for c in self.cells)

    def by_band(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for cell in self.cells:
            totals[cell.band] = totals.get(cell.band, 0) + cell.customers
        return totals

    def by_segment(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for cell in self.cells:
            totals[cell.segment] = totals.get(cell.segment, 0) + cell.customers
        return totals


def book_cells(session: Session, config: SegmentConfig, as_of: datetime) -> list[BookCell]:
    """Active customers and ARR per (segment, band), counted in SQL (models/rfm_repo.py)."""
    cells = book_counts(session, config, as_of, NO_BAND)
    return sorted((BookCell(*cell) for cell in cells), key=lambda c: (c.segment, c.band))


def portfolio_view(
    session: Session, config: SegmentConfig, as_of: datetime, months_back: int = 12
) -> PortfolioView:
    """The churn trend over ``months_back`` months (>= 1) and the quarters they span, the book by band and segment,
    and the reasons of the customers lost in that span."""
    by_month = churn_trend(session, months(as_of, months_back), as_of)
    first = by_month[0].period.start
    spanned = (
        (as_of.year * 12 + as_of.month - 1) // 3 - (first.year * 12 + first.month - 1) // 3 + 1
    )
    by_quarter = churn_trend(session, quarters(as_of, spanned), as_of)
    since = datetime.combine(first, datetime.min.time(), as_of.tzinfo)
    return PortfolioView(
        as_of=as_of,
        months=by_month,
        quarters=by_quarter,
        cells=book_cells(session, config, as_of),
        reasons=churn_reasons(session, as_of, since),
        segments=[(s.name, s.label) for s in config.segments],
    )


def period_dict(p: ChurnPeriod) -> dict[str, Any]:
    return {
        "period": p.period.label,
        "start": p.period.start.isoformat(),
        "end": p.period.end.isoformat(),
        "active_at_start": p.active_at_start,
        "churned": p.churned,
        "churn_rate": None if p.rate is None else round(p.rate, 4),
        "arr_churned": p.arr_churned,
    }


def reason_dict(r: ChurnReason) -> dict[str, Any]:
    return {
        "reason": r.reason,
        "label": r.label,
        "customers": r.customers,
        "lost": r.lost,
        "evidence": [
            {
                "customer_id": e.customer_id,
                "interaction_id": e.interaction_id,
                "kind": e.kind,
                "occurred_at": e.occurred_at.isoformat(),
                "text": e.text,
            }
            for e in r.evidence
        ],
    }


def view_dict(view: PortfolioView) -> dict[str, Any]:
    """The view as JSON-ready data: `callintel portfolio --json` and `GET /api/portfolio` print this."""
    return {
        "as_of": view.as_of.isoformat(),
        "active_customers": view.active,
        "arr": view.arr,
        "months": [period_dict(p) for p in view.months],
        "quarters": [period_dict(p) for p in view.quarters],
        "by_band": view.by_band(),
        "by_segment": view.by_segment(),
        "book": [asdict(cell) for cell in view.cells],
        "segments": [{"name": name, "label": label} for name, label in view.segments],
        "reasons": [reason_dict(r) for r in view.reasons],
    }
