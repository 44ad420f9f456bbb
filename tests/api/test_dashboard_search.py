"""The search page's rows drawn in Python (api/dashboard_search.py, issue 19) are the markup search.html's loop
drew before, byte for byte, from the ``Interaction`` and ``Utterance`` records and ``mark_matches``' segments (its old split):
values to escape, no title, no start, an hour's start, a query found twice, at the ends, in another case, in a
line where lower-casing changes the length, and not at all."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from jinja2 import Environment

from api.dashboard_search import hit_rows, marked
from api.dashboard_views import Segment
from models.clock import clock
from models.search_lines import SearchRow


def mark_matches(text: str, query: str) -> list[Segment]:
    """api/dashboard_views.py's split of ``text`` around every case-insensitive occurrence of ``query``, which
    search.html's loop drew before this change, as it was."""
    segments, at, lower, needle = [], 0, text.lower(), query.lower()
    while needle and (found := lower.find(needle, at)) >= 0:
        if found > at:
            segments.append(Segment(text[at:found]))
        segments.append(Segment(text[found : found + len(needle)], match=True))
        at = found + len(needle)
    if at < len(text) or not segments:
        segments.append(Segment(text[at:]))
    return segments


# search.html's loop before this change, as it was
BEFORE = Environment(autoescape=True)
BEFORE.filters["clock"] = clock
ROWS = BEFORE.from_string("""{% for i, u, segments in rows %}
    <tr>
      <td>{{ i.occurred_at.strftime("%Y-%m-%d") }}</td>
      <td>{{ i.customer_id }}</td>
      <td><a class="hit-link" href="/dashboard/calls/{{ i.id }}#u-{{ u.index }}">{{ i.title or i.id[:12] }}</a></td>
      <td>{{ u.speaker.role }}</td>
      <td>{{ u.start_s|clock }}</td>
      <td>{% for s in segments %}{% if s.match %}<mark class="match">{{ s.text }}</mark>{% else %}{{ s.text }}{% endif %}{% endfor %}</td>
    </tr>
  {% endfor %}""")  # fmt: skip

AT = datetime(2026, 9, 30, 23, 59, 59, tzinfo=UTC)
HITS = [
    SearchRow("int_<a&b>\"'0123456789", 3, 75.5, "customer", "Export <all> & EXPORT again", AT, "acme & <co>", None),
    SearchRow("int_2", 0, None, "rep", "export", datetime(999, 1, 2, tzinfo=UTC), "o'brien", "Q3 \"review\""),
    SearchRow("int_3", 12, 3725.0, "unknown", "nothing matches here", AT, "c", ""),
    SearchRow("int_4", 1, 0.0, "customer", "İİ export İ, exPORTED", AT, "c", "t"),
    SearchRow("int_5", 2, 59.999, "customer", "", AT, "c", "<b>title</b>"),
]  # fmt: skip


def _before(hits: list[SearchRow], query: str) -> str:
    """The old loop's markup from the records the route gave it."""
    rows = [
        (
            SimpleNamespace(
                id=h.interaction_id,
                occurred_at=h.occurred_at,
                customer_id=h.customer_id,
                title=h.title,
            ),
            SimpleNamespace(
                index=h.utterance_index,
                speaker=SimpleNamespace(role=h.speaker_role),
                start_s=h.start_s,
            ),
            mark_matches(h.text, query),
        )
        for h in hits
    ]
    return ROWS.render(rows=rows)


@pytest.mark.parametrize("query", ["export", "EXPORT", "e", "export <all>", "zz", "İ", "i̇"])
def test_the_rows_are_the_templates_markup(query):
    assert "".join(hit_rows(HITS, query)) == _before(HITS, query)


def test_no_hits_draw_nothing():
    assert hit_rows([], "export") == [] and _before([], "export") == ""


SEGMENTS = BEFORE.from_string(
    '{% for s in segments %}{% if s.match %}<mark class="match">{{ s.text }}</mark>{% else %}{{ s.text }}{% endif %}{% endfor %}'
)  # the old loop's last cell


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("a<b>a", "a"),
        ("", "x"),
        ("xx", "x"),
        ("AbAb", "ab"),
        ("&amp;", "&"),
        ("x", ""),
        ("'\"", "'"),
    ],
)
def test_marked_is_the_segments_markup(text, query):
    assert marked(text, query) == SEGMENTS.render(segments=mark_matches(text, query))


def test_marked_finds_every_occurrence_whatever_the_case():
    found = '<mark class="match">{}</mark>'
    assert marked("Gong, gong and GONG.", "gong") == (
        f"{found.format('Gong')}, {found.format('gong')} and {found.format('GONG')}."
    )
    assert marked("nothing <here>", "gong") == "nothing &lt;here&gt;"
