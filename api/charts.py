"""Pure geometry for the dashboard's server-rendered SVG bar charts (no script, no inline style): bars as
rectangles, each a link to the rows behind it, with axis labels and gridlines. One template macro draws every
chart (api/templates/_chart.html); the pages build theirs with ``columns`` (vertical bars over a value axis)
or ``rows`` (horizontal bars, a label at the left)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

__all__ = ["Bar", "Chart", "Column", "Row", "columns", "link", "round_top", "rows"]

Label = tuple[float, float, str, str]  # (x, y, text-anchor, text)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    href: str
    title: str  # the tooltip
    css: str = ""  # a class: the bar's colour
    text: str = ""  # a value drawn next to the bar
    text_x: float = 0.0
    text_y: float = 0.0
    anchor: str = "start"  # the value's text-anchor


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[Label]  # axis and bar labels
    gridlines: list[float]  # y of the horizontal lines, drawn from grid_left to grid_right
    grid_left: float = 0.0
    grid_right: float = 0.0


@dataclass(frozen=True)
class Column:
    """One vertical bar: its label under it, its value, its link, its tooltip and the value drawn above it."""

    label: str
    value: float
    href: str
    title: str
    text: str = ""


@dataclass(frozen=True)
class Row:
    """One piece of a horizontal bar: its length in the chart's unit, link, tooltip, class and value text."""

    value: float
    href: str
    title: str
    css: str = ""
    text: str = ""


def link(path: str, anchor: str = "", **query: str | None) -> str:
    """``path?query#anchor``, the empty query values left out."""
    given = {k: v for k, v in query.items() if v}
    return (f"{path}?{urlencode(given)}" if given else path) + (f"#{anchor}" if anchor else "")


def round_top(largest: float) -> float:
    """A round axis maximum at or above ``largest`` (> 0): 1, 2 or 5 times a power of ten."""
    magnitude = 10.0 ** math.floor(math.log10(largest))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= largest)


def columns(
    items: Sequence[Column],
    top_value: float,
    ticks: Sequence[float],
    tick_text: Callable[[float], str],
    css: str = "",
    size: tuple[int, int] = (560, 220),
    margins: tuple[int, int, int, int] = (44, 12, 12, 40),
) -> Chart:
    """Vertical bars scaled to ``top_value``, ``ticks`` on the value axis with gridlines, labels under the bars.
    ``margins``: (left, top, right, bottom) of the plot in the ``size`` (width, height)."""
    (width, height), (left, top, right, bottom) = size, margins
    plot_w, plot_h = width - left - right, height - top - bottom
    base, slot = top + plot_h, plot_w / max(1, len(items))
    bars: list[Bar] = []
    labels: list[Label] = []
    for n, item in enumerate(items):
        h = item.value / top_value * plot_h
        x, middle = left + n * slot + slot * 0.15, left + n * slot + slot * 0.5
        bars.append(
            Bar(x, base - h, slot * 0.7, h, item.href, item.title, css, item.text, middle, base - h - 4, "middle")
        )  # fmt: skip
        labels.append((middle, base + 16, "middle", item.label))
    lines = [base - t / top_value * plot_h for t in ticks]
    labels += [(left - 6, y + 4, "end", tick_text(t)) for t, y in zip(ticks, lines, strict=True)]
    return Chart(width, height, bars, labels, lines, left, width - right)


def rows(
    items: Sequence[tuple[str, Sequence[Row], str]],
    widest: float,
    width: int = 760,
    row: int = 26,
    left: int = 230,
) -> Chart:
    """One horizontal bar per (label, pieces, total text): pieces stacked left to right, each as long as its
    value against ``widest``; the label at the left, the total text at the right end."""
    top, plot_w = 6, width - left - 70
    bars: list[Bar] = []
    labels: list[Label] = []
    for i, (label, pieces, total) in enumerate(items):
        y, x = top + i * row, float(left)
        labels.append((left - 8, y + row * 0.62, "end", label))
        for piece in pieces:
            w = piece.value / (widest or 1) * plot_w
            bars.append(
                Bar(x, y + 3, w, row - 8, piece.href, piece.title, piece.css, piece.text, x + w + 6, y + row * 0.62)
            )  # fmt: skip
            x += w
        if total:
            labels.append((x + 6, y + row * 0.62, "start", total))
    return Chart(width, top + row * len(items) + 6, bars, labels, [])
