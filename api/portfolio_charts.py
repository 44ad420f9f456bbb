"""Pure geometry for the dashboard's Portfolio page: the churn-rate trend, the book by segment and health band,
and the top churn reasons, as rectangles the template draws as server-rendered SVG. Every rectangle carries the
link to the rows behind it (the customers churned that month, the segment list filtered, a reason's calls)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from portfolio.churn import ChurnPeriod, ChurnReason
from portfolio.view import NO_BAND, PortfolioView

__all__ = ["BAND_ORDER", "Bar", "Chart", "book_chart", "reasons_chart", "trend_chart"]

BAND_ORDER = ("green", "yellow", "red", NO_BAND)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    href: str
    title: str  # the tooltip
    css: str = ""  # a class: the band's colour
    text: str = ""  # a label drawn next to the bar
    text_x: float = 0.0
    text_y: float = 0.0


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, float, str, str]]  # (x, y, anchor, text) of axis labels
    gridlines: list[float]  # y of the horizontal lines (trend) or x of the vertical ones


def _link(path: str, **query: str | None) -> str:
    given = {k: v for k, v in query.items() if v}
    return f"{path}?{urlencode(given)}" if given else path


def trend_chart(periods: list[ChurnPeriod], width: int = 760, height: int = 220) -> Chart:
    """The monthly churn rate as bars over a 0..top% axis; a bar links to the customers churned that month."""
    left, top, bottom = 44, 14, 26
    plot_w, plot_h = width - left - 10, height - top - bottom
    highest = max((p.rate or 0.0 for p in periods), default=0.0)
    scale = max(0.05, highest * 1.15)
    step = plot_w / max(1, len(periods))
    bars: list[Bar] = []
    labels: list[tuple[float, float, str, str]] = []
    for i, p in enumerate(periods):
        rate = p.rate or 0.0
        h = rate / scale * plot_h
        x = left + i * step + step * 0.15
        title = f"{p.period.label}: {p.churned} of {p.active_at_start} churned ({rate:.1%})"
        href = _link("/dashboard/portfolio", month=p.period.label) + "#churned"
        text = f"{rate:.0%}" if p.churned else ""
        bars.append(
            Bar(
                x,
                top + plot_h - h,
                step * 0.7,
                h,
                href,
                title,
                "rate",
                text,
                x + step * 0.35,
                top + plot_h - h - 3,
            )
        )
        labels.append((x + step * 0.35, height - 8, "middle", p.period.label[2:]))
    ticks = [scale * k / 4 for k in range(5)]
    lines = [top + plot_h - t / scale * plot_h for t in ticks]
    labels += [(left - 6, y + 4, "end", f"{t:.0%}") for t, y in zip(ticks, lines, strict=True)]
    return Chart(width, height, bars, labels, lines)


def book_chart(view: PortfolioView, width: int = 760, row: int = 26) -> Chart:
    """One stacked bar per segment, a piece per health band; a piece links to the segment list so filtered."""
    left, top = 230, 6
    plot_w = width - left - 70
    totals = view.by_segment()
    widest = max(totals.values(), default=0) or 1
    bars: list[Bar] = []
    labels: list[tuple[float, float, str, str]] = []
    for i, (name, label) in enumerate(view.segments):
        y, x = top + i * row, float(left)
        labels.append((left - 8, y + row * 0.62, "end", label))
        counts = {c.band: c.customers for c in view.cells if c.segment == name}
        for band in BAND_ORDER:
            n = counts.get(band, 0)
            if not n:
                continue
            w = n / widest * plot_w
            href = _link(
                "/dashboard/segments", segment=name, band=None if band == NO_BAND else band
            )
            bars.append(Bar(x, y + 3, w, row - 8, href, f"{label}, {band}: {n}", f"band-{band}"))
            x += w
        labels.append((x + 6, y + row * 0.62, "start", str(totals.get(name, 0))))
    return Chart(width, top + row * len(view.segments) + 6, bars, labels, [])


def reasons_chart(reasons: list[ChurnReason], width: int = 760, row: int = 26) -> Chart:
    """One bar per reason, as long as its share of the lost customers; a bar links to the calls behind it."""
    left, top = 230, 6
    plot_w = width - left - 70
    bars: list[Bar] = []
    labels: list[tuple[float, float, str, str]] = []
    for i, r in enumerate(reasons):
        y = top + i * row
        w = r.customers / max(1, r.lost) * plot_w
        href = _link("/dashboard/portfolio", reason=r.reason) + "#reason"
        title = f"{r.label}: {r.customers} of {r.lost} lost customers"
        text = f"{r.customers} of {r.lost}"
        bars.append(
            Bar(left, y + 3, w, row - 8, href, title, "reason", text, left + w + 6, y + row * 0.62)
        )
        labels.append((left - 8, y + row * 0.62, "end", r.label))
    return Chart(width, top + row * len(reasons) + 6, bars, labels, [])
