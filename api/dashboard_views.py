"""Pure helpers that turn records into what the dashboard's templates draw: highlighted text, the health chart.

No I/O here, and no HTML (the templates escape every string) but where a template's loop cost more than the page's
reads: the page links under a paged list (thousands on a big queue) and the health chart's SVG (``health_svg``,
its values escaped as the autoescape escapes them). Otherwise only geometry and segmentation, tested directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from markupsafe import Markup, escape
from starlette.datastructures import URL

from models.records import Tag
from risk.config import Bands
from risk.health import Health

__all__ = [
    "Bar",
    "ChartPoint",
    "HealthChart",
    "Segment",
    "health_chart",
    "health_svg",
    "highlight",
    "kind_colours",
    "page_links",
    "relative",
]

PALETTE = ("#d1495b", "#edae49", "#00798c", "#7a5195", "#66a182", "#e07a5f", "#3d405b", "#8d96a3")


def relative(url: URL) -> str:
    """A URL as a root-relative path and query: links never carry the request's Host (which a client chooses)."""
    return url.path + (f"?{url.query}" if url.query else "")


def page_links(url: URL, pages: int, current: int) -> Markup:
    """The links under a paged list (api/templates/_pages.html): every page's number, a link to ``url`` at
    that page (``relative(url.include_query_params(page=n))``: the query's other items, then ``page``), the
    current one in bold; nothing for one page. The query is parsed and encoded once, not once a link."""
    if pages <= 1:
        return Markup("")
    kept = urlencode(
        [(k, v) for k, v in parse_qsl(url.query, keep_blank_values=True) if k != "page"]
    )
    at = escape(f"{url.path}?{kept}&" if kept else f"{url.path}?")
    links = "".join(
        f"\n    <strong>{n}</strong>\n  "
        if n == current
        else f'\n    <a href="{at}page={n}">{n}</a>\n  '
        for n in range(1, pages + 1)
    )
    return Markup(f'\n<nav class="pages">\n  {links}\n</nav>\n')


@dataclass(frozen=True)
class Segment:
    """A run of an utterance's text: plain, the evidence span of a tag (``also``: tags overlapping it) or a match."""

    text: str
    tag: Tag | None = None
    also: tuple[str, ...] = ()
    match: bool = False


def highlight(text: str, tags: Iterable[Tag]) -> list[Segment]:
    """Split ``text`` into plain runs and tag evidence spans; an overlapping span is folded into the first one."""
    spans: list[tuple[int, int, Tag, list[str]]] = []
    for tag in sorted(tags, key=lambda t: (t.start, -t.end, -t.score)):
        start, end = max(0, min(tag.start, len(text))), max(0, min(tag.end, len(text)))
        if end <= start:
            continue
        if spans and start < spans[-1][1]:
            spans[-1][3].append(tag.label)
            continue
        spans.append((start, end, tag, []))
    segments, at = [], 0
    for start, end, tag, also in spans:
        if start > at:
            segments.append(Segment(text[at:start]))
        segments.append(
            Segment(
                text[start:end],
                tag,
                tuple(dict.fromkeys(label for label in also if label != tag.label)),
            )
        )
        at = end
    if at < len(text) or not segments:
        segments.append(Segment(text[at:]))
    return segments


def kind_colours(kinds: Iterable[str]) -> dict[str, str]:
    """A stable colour per signal kind (sorted, so a kind keeps its colour across pages)."""
    return {kind: PALETTE[i % len(PALETTE)] for i, kind in enumerate(sorted(set(kinds)))}


@dataclass(frozen=True)
class Bar:
    """One kind's share of the points lost at a moment: a rectangle stacked down from the 100 line."""

    kind: str
    points: float
    y: float
    height: float
    colour: str
    title: str = ""  # the tooltip: day, kind and points


@dataclass(frozen=True)
class ChartPoint:
    health: Health
    x: float
    y: float
    bars: list[Bar] = field(default_factory=list)
    title: str = ""  # the tooltip: day, score, band and the points lost by kind
    tick: str = ""  # its label on the time axis ("Oct 06")


def _point_title(moment: Health, day: str) -> str:
    lost = "".join(f" · {kind} −{points}" for kind, points in moment.breakdown.items())
    return f"{day}: {moment.score} ({moment.band}){lost}"


@dataclass(frozen=True)
class HealthChart:
    width: int
    height: int
    left: int
    top: int
    plot_height: float
    bar_width: float
    points: list[ChartPoint]
    bands: list[tuple[str, float, float]]  # (band, y, height) of the shaded zones
    ticks: list[tuple[float, int]]  # (y, score) of the axis labels
    colours: dict[str, str]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def health_chart(
    moments: list[Health], bands: Bands, width: int = 760, height: int = 260
) -> HealthChart:
    """The score at each moment as a line over band zones, with the points lost stacked by kind above it."""
    left, top, bottom, right = 40, 12, 28, 12
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(score: float) -> float:
        return top + (100.0 - score) / 100.0 * plot_h

    step = plot_w / max(1, len(moments) - 1)
    bar_w = max(2.0, min(28.0, step * 0.6))
    colours = kind_colours(kind for m in moments for kind in m.breakdown)
    points = []
    for i, moment in enumerate(moments):
        if moment.score is None:
            continue  # unknown then (no data yet): no point on the line
        x = left + (i * step if len(moments) > 1 else plot_w / 2)
        day, bars, level = moment.as_of.strftime("%Y-%m-%d"), [], 100.0
        for kind, lost in moment.breakdown.items():
            shown = min(lost, level)  # a score is never below 0: the stack stops at the axis
            if shown > 0:
                top_y, title = y(level), f"{day} · {kind} −{lost}"
                bars.append(Bar(kind, lost, top_y, y(level - shown) - top_y, colours[kind], title))
                level -= shown
        title, tick = _point_title(moment, day), moment.as_of.strftime("%b %d")
        points.append(ChartPoint(moment, x, y(moment.score), bars, title, tick))
    zones = [
        ("green", y(100), y(bands.green) - y(100)),
        ("yellow", y(bands.green), y(bands.yellow) - y(bands.green)),
        ("red", y(bands.yellow), y(0) - y(bands.yellow)),
    ]
    ticks = [(y(score), score) for score in (0, 25, 50, 75, 100)]
    return HealthChart(width, height, left, top, plot_h, bar_w, points, zones, ticks, colours)


def _bars(chart: HealthChart, point: ChartPoint) -> str:
    x, width = f"{point.x - chart.bar_width / 2:.1f}", f"{chart.bar_width:.1f}"
    return "".join(
        f'<rect class="lost" x="{x}" y="{bar.y:.1f}" width="{width}" height="{bar.height:.1f}" '
        f'fill="{escape(bar.colour)}"><title>{escape(bar.title)}</title></rect>'
        for bar in point.bars
    )


def _anchor(at: int, last: int) -> str:
    """The text-anchor of the time axis's label at point ``at`` (0 to ``last``)."""
    return "end" if at == last else ("start" if at == 0 else "middle")


def _circles(chart: HealthChart) -> str:
    """Each point's circle and, for the first, the last and every fourth, its label on the time axis."""
    last, drawn = len(chart.points) - 1, []
    for at, p in enumerate(chart.points):
        tick = (
            f'<text class="tick" x="{p.x:.1f}" y="{chart.height - 8}" '
            f'text-anchor="{_anchor(at, last)}">{escape(p.tick)}</text>'
            if at in (0, last) or at % 4 == 0
            else ""
        )
        drawn.append(
            f'\n      <circle class="point {escape(p.health.band)}" cx="{p.x:.1f}" cy="{p.y:.1f}" '
            f'r="4"><title>{escape(p.title)}</title></circle>\n      {tick}\n    '
        )
    return "".join(drawn)


def health_svg(chart: HealthChart) -> Markup:
    """The chart's ``<svg>``: the band zones, the axis labels, each moment's stacked bars, the score line and
    its points (the markup customer.html's loops drew, byte for byte)."""
    w, h, left = chart.width, chart.height, chart.left
    zones = "".join(
        f'<rect class="zone {escape(band)}" x="{left}" y="{y:.1f}" width="{w - left - 12}" '
        f'height="{height:.1f}"></rect>'
        for band, y, height in chart.bands
    )
    ticks = "".join(
        f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{score}</text>'
        for y, score in chart.ticks
    )
    moments = "".join(
        f'\n      <g class="moment">\n        {_bars(chart, p)}\n      </g>\n    '
        for p in chart.points
    )
    return Markup(
        f'<svg id="health-chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-label="health score over time">\n    {zones}\n    {ticks}\n    {moments}\n    '
        f'<polyline class="score-line" points="{chart.polyline}"></polyline>\n    {_circles(chart)}\n  </svg>'
    )
