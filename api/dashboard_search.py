"""The dashboard's search page (``/dashboard/search``) as the rows it draws (issue 19).

The hits are read as plain records with their interaction's time, customer and title, in one statement built
once a shape (models/search_lines.py ``search_rows``), instead of ``Utterance`` records and then each hit's whole
``Interaction``. Each row is drawn here, once, as search.html's loop drew it, byte for byte: every value from the
data escaped as the template's autoescape escapes it (markupsafe's ``escape``), the searched text marked where
the old ``mark_matches`` split it (tests/api/test_dashboard_search.py). For 100 hits the loop's attribute lookups,
filters and escapes through Jinja, and a ``Segment`` a piece of each line, cost several times the page's read.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from api.dashboard_rows import day
from models.clock import clock
from models.search_lines import SearchRow

__all__ = ["hit_rows", "marked"]

_MARK = '<mark class="match">{}</mark>'


def marked(text: str, query: str) -> str:
    """``text`` escaped, each case-insensitive occurrence of ``query`` (found in ``text.lower()``, at the same
    offsets in ``text``) in a ``<mark>``: the markup search.html wrote from ``mark_matches``' segments."""
    pieces: list[str] = []
    at, lower, needle = 0, text.lower(), query.lower()
    while needle and (found := lower.find(needle, at)) >= 0:
        if found > at:
            pieces.append(escape(text[at:found]))
        pieces.append(_MARK.format(escape(text[found : found + len(needle)])))
        at = found + len(needle)
    if at < len(text) or not pieces:
        pieces.append(escape(text[at:]))
    return "".join(pieces)


def _row(hit: SearchRow, query: str) -> Markup:
    """The hit's ``<tr>``, with the whitespace around it that the template's loop wrote."""
    call = escape(hit.interaction_id)
    title = escape(hit.title or hit.interaction_id[:12])
    return Markup(f"""
    <tr>
      <td>{day(hit.occurred_at)}</td>
      <td>{escape(hit.customer_id)}</td>
      <td><a class="hit-link" href="/dashboard/calls/{call}#u-{hit.utterance_index}">{title}</a></td>
      <td>{escape(hit.speaker_role)}</td>
      <td>{escape(clock(hit.start_s))}</td>
      <td>{marked(hit.text, query)}</td>
    </tr>
  """)  # fmt: skip


def hit_rows(hits: Sequence[SearchRow], query: str) -> list[Markup]:
    """The page's rows, in the hits' order, ``query`` (the searched text as typed, stripped) marked."""
    return [_row(hit, query) for hit in hits]
