"""The dashboard's Portfolio charts (drawn by api/charts.py's geometry): the churn-rate trend, the book by
segment and health band, and the top churn reasons. Every bar carries the link to the rows behind it (the
customers churned that month, the segment list filtered, a reason's calls)."""

from __future__ import annotations

from api.charts import Chart, Column, Row, columns, link, rows
from portfolio.churn import ChurnPeriod, ChurnReason
from portfolio.view import NO_BAND, PortfolioView

__all__ = ["BAND_ORDER", "book_chart", "reasons_chart", "trend_chart"]

BAND_ORDER = ("green", "yellow", "red", NO_BAND)


def trend_chart(periods: list[ChurnPeriod]) -> Chart:
    """The monthly churn rate as bars over a 0..top% axis; a bar links to the customers churned that month."""
    scale = max(0.05, max((p.rate or 0.0 for p in periods), default=0.0) * 1.15)
    items = [
        Column(
            p.period.label[2:],
            p.rate or 0.0,
            link("/dashboard/portfolio", "churned", month=p.period.label),
            f"{p.period.label}: {p.churned} of {p.active_at_start} churned ({p.rate or 0.0:.1%})",
            f"{p.rate or 0.0:.0%}" if p.churned else "",
        )
        for p in periods
    ]
    ticks = [scale * k / 4 for k in range(5)]
    return columns(items, scale, ticks, "{:.0%}".format, "rate", (760, 220), (44, 14, 10, 26))


def book_chart(view: PortfolioView) -> Chart:
    """One stacked bar per segment, a piece per health band; a piece links to the segment list so filtered."""
    totals = view.by_segment()
    items = []
    for name, label in view.segments:
        counts = {c.band: c.customers for c in view.cells if c.segment == name}
        pieces = [
            Row(
                counts[band],
                link("/dashboard/segments", segment=name, band=None if band == NO_BAND else band),
                f"{label}, {band}: {counts[band]}",
                f"band-{band}",
            )
            for band in BAND_ORDER
            if counts.get(band)
        ]
        items.append((label, pieces, str(totals.get(name, 0))))
    return rows(items, max(totals.values(), default=0))


def reasons_chart(reasons: list[ChurnReason]) -> Chart:
    """One bar per reason, as long as its share of the lost customers; a bar links to the calls behind it."""
    items = [
        (
            r.label,
            [
                Row(
                    r.customers / max(1, r.lost),
                    link("/dashboard/portfolio", "reason", reason=r.reason),
                    f"{r.label}: {r.customers} of {r.lost} lost customers",
                    "reason",
                    f"{r.customers} of {r.lost}",
                )
            ],
            "",
        )
        for r in reasons
    ]
    return rows(items, 1.0)
