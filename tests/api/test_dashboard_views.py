"""The dashboard's pure helpers: evidence highlighting, times, the health chart's geometry, the page links."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from jinja2 import Environment
from starlette.datastructures import URL

from api.dashboard_views import (
    health_chart,
    health_svg,
    highlight,
    kind_colours,
    page_links,
    relative,
)
from models.records import Tag, TagLabel
from risk.config import Bands
from risk.health import Band, Health


def _tag(label: TagLabel, start: int, end: int, score: float = 0.9) -> Tag:
    return Tag(label=label, score=score, start=start, end=end, evidence="x")


def test_highlight_marks_each_span_and_keeps_every_character():
    text = "Honestly the price is too high, and Gong showed us a demo."
    segments = highlight(
        text, [_tag("competitor_mention", 36, 40), _tag("price_objection", 13, 30)]
    )
    assert "".join(s.text for s in segments) == text
    marked = [(s.text, s.tag.label) for s in segments if s.tag]
    assert marked == [("price is too high", "price_objection"), ("Gong", "competitor_mention")]


def test_overlapping_spans_fold_into_the_first_and_bad_spans_are_ignored():
    text = "we will cancel and export everything"
    segments = highlight(
        text,
        [
            _tag("cancellation_intent", 3, 14),
            _tag("export_data_intent", 8, 25),
            _tag("billing_question", 30, 30),
            _tag("price_objection", 50, 60),
        ],
    )
    assert "".join(s.text for s in segments) == text
    marked = [s for s in segments if s.tag]
    assert (
        len(marked) == 1
        and marked[0].text == "will cancel"
        and marked[0].also == ("export_data_intent",)
    )


def test_highlight_without_tags_is_the_plain_text():
    assert [(s.text, s.tag) for s in highlight("hello", [])] == [("hello", None)]
    assert [(s.text, s.tag) for s in highlight("", [])] == [("", None)]


def _health(score: float, breakdown: dict[str, float], day: int) -> Health:
    band: Band = "green" if score >= 75 else "yellow" if score >= 40 else "red"
    return Health("acme", datetime(2026, 10, day, tzinfo=UTC), score, band, breakdown, [], [])


def test_health_chart_stacks_the_points_lost_between_the_score_and_100():
    moments = [
        _health(100, {}, 1),
        _health(70, {"price_objection": 20, "no_contact": 10}, 8),
        _health(0, {"cancellation_intent": 90, "ticket_rise": 30}, 15),
    ]
    chart = health_chart(moments, Bands(green=75, yellow=40), width=340, height=140)
    top, plot_h = chart.top, chart.plot_height
    assert [p.x for p in chart.points] == [40, 184, 328]  # spread evenly across the plot
    assert [round(p.y, 6) for p in chart.points] == [
        top,
        round(top + 0.3 * plot_h, 6),
        top + plot_h,
    ]
    middle = chart.points[1]
    assert [b.kind for b in middle.bars] == ["price_objection", "no_contact"]
    assert round(sum(b.height for b in middle.bars), 6) == round(
        middle.y - top, 6
    )  # the bars reach the score
    assert middle.bars[0].y == top and middle.bars[1].y == middle.bars[0].y + middle.bars[0].height
    clipped = chart.points[
        2
    ].bars  # 120 points lost, but a score stops at 0: the stack stops at the axis
    assert round(sum(b.height for b in clipped), 6) == round(plot_h, 6) and clipped[1].points == 30
    assert [zone[0] for zone in chart.bands] == ["green", "yellow", "red"]
    assert round(sum(zone[2] for zone in chart.bands), 6) == round(plot_h, 6)
    assert chart.polyline.startswith("40.0,12.0 184.0,")


def test_health_chart_writes_each_tooltip_and_axis_label_once():
    moments = [_health(62.5, {"price_objection": 20.0, "no_contact": 17.5}, 8), _health(90, {}, 15)]
    first, second = health_chart(moments, Bands(green=75, yellow=40)).points
    assert first.title == "2026-10-08: 62.5 (yellow) · price_objection −20.0 · no_contact −17.5"
    assert [b.title for b in first.bars] == [
        "2026-10-08 · price_objection −20.0",
        "2026-10-08 · no_contact −17.5",
    ]
    assert (first.tick, second.tick) == ("Oct 08", "Oct 15")
    assert second.title == "2026-10-15: 90 (green)" and second.bars == []


def test_kind_colours_are_stable_whatever_the_order():
    assert (
        kind_colours(["b", "a", "b"]) == kind_colours(["a", "b"])
        and len(set(kind_colours("abc").values())) == 3
    )
    assert health_chart([_health(80, {}, 1)], Bands(green=75, yellow=40)).points[0].x > 40


# The page links as api/templates/_pages.html drew them before page_links: a link a page, each URL built by
# starlette's include_query_params.
LINKS_BEFORE = Environment(autoescape=True, keep_trailing_newline=True)
LINKS_BEFORE.filters["relative"] = relative
PAGES_BEFORE = LINKS_BEFORE.from_string("""
{% if pages > 1 %}
<nav class="pages">
  {% for n in range(1, pages + 1) %}
    {% if n == current %}<strong>{{ n }}</strong>{% else %}<a href="{{ url.include_query_params(page=n)|relative }}">{{ n }}</a>{% endif %}
  {% endfor %}
</nav>
{% endif %}
""")  # fmt: skip


@pytest.mark.parametrize(
    ("url", "pages", "current"),
    [
        ("http://h/dashboard/?kind=ticket", 354, 3),
        ("http://h/dashboard/alerts", 2, 1),
        ("http://h/dashboard/alerts?page=2&status=open", 4, 2),
        ("http://h/dashboard/?page=9&label=&rep=a+b&customer=R%26D%3C%3E%22%27&page=1", 12, 12),
        ("http://h/dashboard/tasks?q=%C3%A9t%C3%A9&x=1&x=2", 3, 40),
        ("http://h/root/dashboard/?kind=call", 1, 1),
        ("http://h/dashboard/?kind=call", 0, 1),
    ],
)
def test_page_links_are_the_links_the_template_drew(url, pages, current):
    before = PAGES_BEFORE.render(url=URL(url), pages=pages, current=current)
    assert f"\n{page_links(URL(url), pages, current)}\n" == before


# The chart's SVG as customer.html's loops drew it before health_svg.
SVG_BEFORE = Environment(autoescape=True).from_string("""<svg id="health-chart" viewBox="0 0 {{ chart.width }} {{ chart.height }}" width="{{ chart.width }}" height="{{ chart.height }}" role="img" aria-label="health score over time">
    {% for band, y, height in chart.bands %}<rect class="zone {{ band }}" x="{{ chart.left }}" y="{{ '%.1f'|format(y) }}" width="{{ chart.width - chart.left - 12 }}" height="{{ '%.1f'|format(height) }}"></rect>{% endfor %}
    {% for y, score in chart.ticks %}<text class="tick" x="{{ chart.left - 6 }}" y="{{ '%.1f'|format(y + 4) }}" text-anchor="end">{{ score }}</text>{% endfor %}
    {% for p in chart.points %}
      <g class="moment">
        {% for bar in p.bars %}<rect class="lost" x="{{ '%.1f'|format(p.x - chart.bar_width / 2) }}" y="{{ '%.1f'|format(bar.y) }}" width="{{ '%.1f'|format(chart.bar_width) }}" height="{{ '%.1f'|format(bar.height) }}" fill="{{ bar.colour }}"><title>{{ bar.title }}</title></rect>{% endfor %}
      </g>
    {% endfor %}
    <polyline class="score-line" points="{{ chart.polyline }}"></polyline>
    {% for p in chart.points %}
      <circle class="point {{ p.health.band }}" cx="{{ '%.1f'|format(p.x) }}" cy="{{ '%.1f'|format(p.y) }}" r="4"><title>{{ p.title }}</title></circle>
      {% if loop.first or loop.last or loop.index0 % 4 == 0 %}<text class="tick" x="{{ '%.1f'|format(p.x) }}" y="{{ chart.height - 8 }}" text-anchor="{{ 'end' if loop.last else ('start' if loop.first else 'middle') }}">{{ p.tick }}</text>{% endif %}
    {% endfor %}
  </svg>""")  # fmt: skip


@pytest.mark.parametrize("count", [0, 1, 2, 6, 19])
def test_health_svg_is_the_markup_the_template_drew(count):
    kinds = ["price_objection", "no_contact", "cancellation_intent", "<odd & 'kind'>"]
    moments = [
        _health(100 - 13.7 * (i % 8), {kinds[k]: 4.25 * (i + k) for k in range(i % 4)}, 1 + i)
        for i in range(count)
    ]
    if count > 2:
        moments.insert(1, replace(moments[0], score=None))  # unknown then: no point
    chart = health_chart(moments, Bands(green=75, yellow=40))
    assert str(health_svg(chart)) == SVG_BEFORE.render(chart=chart)
