"""Full-text search as the HTTP API shows it (issue 19): the hits as plain records, read by a statement built
once a shape of search (backend, one rep's or not) from a plain connection, and serialised as they are
(api/routes_interactions.py), without the ORM's utterance rows, the Utterance records and the response
models that models/interactions_repo.py search_utterances (the dashboard's search) builds.

``SearchLine``'s fields are the JSON's: ``api.schemas.SearchHit``'s, in its order, with the values its
validation would give, so that the same JSON is written (tests/models/test_search_lines.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Select

from models.interactions_repo import search_phrase, search_query, search_words
from models.tables import UtteranceRow

__all__ = ["SearchLine", "search_lines"]


@dataclass(frozen=True, slots=True)
class SearchLine:
    """An utterance holding the searched words (``api.schemas.SearchHit``)."""

    interaction_id: str
    utterance_index: int
    start_s: float | None
    speaker_role: str
    text: str


_U = UtteranceRow
_COLUMNS = (_U.interaction_id, _U.idx, _U.start_s, _U.speaker_role, _U.text)
_STATEMENTS: dict[tuple[str, bool], Select] = {}  # (backend, one rep's): see _statement


def _statement(dialect: str, rep: str | None) -> Select:
    """The search's statement for its shape, built the first time (its values are named parameters, given on
    each execution): a statement built on each request costs SQLAlchemy more than the columns read."""
    shape = dialect, rep is not None
    if shape not in _STATEMENTS:
        _STATEMENTS[shape] = search_query(dialect, ["shape"], rep, columns=_COLUMNS)
    return _STATEMENTS[shape]


def search_lines(
    connection: Connection, text: str, rep: str | None = None, limit: int = 50
) -> list[SearchLine]:
    """The utterances holding every word of ``text`` (as search_utterances finds them: any case, a word's
    start, newest interaction first, only ``rep``'s if given), as records."""
    words = search_words(text)
    if not words:
        return []
    dialect = connection.dialect.name
    values = {"phrase": search_phrase(dialect, words), "rep": rep, "limit": limit}
    rows = connection.execute(_statement(dialect, rep), values).all()
    return [
        SearchLine(i, index, None if start is None else float(start), role, said)
        for i, index, start, role, said in rows
    ]
