"""Full-text search as the HTTP API and the dashboard show it (issue 19): the hits as plain records, read by a
statement built once a shape of search (backend, one rep's or not, what is read) from a plain connection, and
serialised or drawn as they are (api/routes_interactions.py, api/dashboard_search.py), without the ORM's
utterance and interaction rows and the records that models/interactions_repo.py search_utterances builds.

``SearchLine``'s fields are the JSON's: ``api.schemas.SearchHit``'s, in its order, with the values its
validation would give, so that the same JSON is written (tests/models/test_search_lines.py). ``SearchRow`` is
what a row of the dashboard's search page shows: the line and its interaction's time, customer and title.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select

from models.interactions_repo import search_phrase, search_query, search_words
from models.tables import InteractionRow, UtteranceRow

__all__ = ["SearchLine", "SearchRow", "search_lines", "search_rows"]


@dataclass(frozen=True, slots=True)
class SearchLine:
    """An utterance holding the searched words (``api.schemas.SearchHit``)."""

    interaction_id: str
    utterance_index: int
    start_s: float | None
    speaker_role: str
    text: str


@dataclass(frozen=True, slots=True)
class SearchRow:
    """A hit as the dashboard's search page shows it: the line and its interaction's."""

    interaction_id: str
    utterance_index: int
    start_s: float | None
    speaker_role: str
    text: str
    occurred_at: datetime
    customer_id: str
    title: str | None


_U, _I = UtteranceRow, InteractionRow
_COLUMNS = (_U.interaction_id, _U.idx, _U.start_s, _U.speaker_role, _U.text)
_ROW_COLUMNS = (_I.occurred_at, _I.customer_id, _I.title)  # what a page's row adds
_STATEMENTS: dict[tuple[str, bool, bool], Select] = {}  # (backend, one rep's, rows): see _statement


def _statement(dialect: str, rep: str | None, rows: bool = False) -> Select:
    """The search's statement for its shape, built the first time (its values are named parameters, given on
    each execution): a statement built on each request costs SQLAlchemy more than the columns read. With
    ``rows``, each hit's interaction's time, customer and title too."""
    shape = dialect, rep is not None, rows
    if shape not in _STATEMENTS:
        added = _ROW_COLUMNS if rows else ()
        _STATEMENTS[shape] = search_query(dialect, ["shape"], rep, columns=(*_COLUMNS, *added))
    return _STATEMENTS[shape]


def _found(connection: Connection, text: str, rep: str | None, limit: int, rows: bool) -> list[Any]:
    """The rows of the shape's statement for ``text``'s words (none without a word)."""
    words = search_words(text)
    if not words:
        return []
    dialect = connection.dialect.name
    values = {"phrase": search_phrase(dialect, words), "rep": rep, "limit": limit}
    return list(connection.execute(_statement(dialect, rep, rows), values).all())


def search_lines(
    connection: Connection, text: str, rep: str | None = None, limit: int = 50
) -> list[SearchLine]:
    """The utterances holding every word of ``text`` (as search_utterances finds them: any case, a word's
    start, newest interaction first, only ``rep``'s if given), as records."""
    return [
        SearchLine(i, index, None if start is None else float(start), role, said)
        for i, index, start, role, said in _found(connection, text, rep, limit, rows=False)
    ]


def search_rows(
    connection: Connection, text: str, rep: str | None = None, limit: int = 100
) -> list[SearchRow]:
    """``search_lines``' hits, in its order, each with its interaction's time, customer and title."""
    return [
        SearchRow(i, index, None if start is None else float(start), role, said, at, who, title)
        for i, index, start, role, said, at, who, title in _found(
            connection, text, rep, limit, rows=True
        )
    ]
