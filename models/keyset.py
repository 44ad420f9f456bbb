"""Keyset paging: a place in a list's order as an opaque token, and the rows after it as one SQL condition.

A page's last row's sort keys, encoded as URL-safe base64 of a JSON array (``encode``), read back only when
each value has the kind the list expects (``decode``: ValueError otherwise, the API's 422); ``after`` is the
condition for the rows that follow that place in a lexicographic order, bounded first on the leading key so
that an index in the order is entered there rather than walked from its start. The at-risk list
(models/current_health.py Cursor), the interaction list and the flagged queue (``NewestFirst``,
``QueuePlace``) all page this way.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

__all__ = ["NewestFirst", "QueuePlace", "after", "decode", "encode"]

NOT_OURS = "not a cursor a page of this list gave"


def _plain(value: int | float | str | datetime) -> int | float | str:
    if not isinstance(value, datetime):
        return value
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value  # naive: UTC
    return moment.astimezone(UTC).isoformat()


def encode(values: Sequence[int | float | str | datetime]) -> str:
    """The token for these sort keys (datetimes in UTC, ISO 8601)."""
    plain = [_plain(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _value(raw: object, kind: type) -> Any:
    """``raw`` as ``kind`` (int, float, str or datetime) or ValueError: only what ``encode`` writes."""
    if kind is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if kind is float and isinstance(raw, int | float) and not isinstance(raw, bool):
        if math.isfinite(raw):
            return float(raw)
    if kind is str and isinstance(raw, str) and "\x00" not in raw:  # PostgreSQL stores no NUL
        return raw
    if kind is datetime and isinstance(raw, str):
        moment = datetime.fromisoformat(raw)  # ValueError for anything else
        if moment.tzinfo is not None and 1 < moment.year < 9999:
            return moment.astimezone(UTC)
    raise ValueError(NOT_OURS)


def decode(token: str, kinds: Sequence[type]) -> list[Any]:
    """The sort keys a token holds, one of each kind in ``kinds``; ValueError for any other token."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise ValueError(NOT_OURS) from exc
    if not isinstance(raw, list) or len(raw) != len(kinds):
        raise ValueError(NOT_OURS)
    try:
        return [_value(value, kind) for value, kind in zip(raw, kinds, strict=True)]
    except (ValueError, OverflowError) as exc:
        raise ValueError(NOT_OURS) from exc


def after(keys: Sequence[tuple[Any, Any, bool]]) -> ColumnElement[bool]:
    """The rows after a place in a lexicographic order, given as (column, the place's value, descending)
    per sort key, first key first."""
    column, value, descending = keys[0]
    if len(keys) == 1:
        return column < value if descending else column > value
    beyond = column < value if descending else column > value
    rest = and_(column == value, after(keys[1:]))
    bound = column <= value if descending else column >= value
    return and_(bound, or_(beyond, rest))


@dataclass(frozen=True)
class NewestFirst:
    """A place in the interaction list (newest first: time, then id, both descending)."""

    occurred_at: datetime
    interaction_id: str

    def encode(self) -> str:
        return encode([self.occurred_at, self.interaction_id])

    @classmethod
    def decode(cls, token: str) -> NewestFirst:
        occurred_at, interaction_id = decode(token, (datetime, str))
        return cls(occurred_at, interaction_id)

    def after(self, occurred_at: Any, interaction_id: Any) -> ColumnElement[bool]:
        return after(
            [(occurred_at, self.occurred_at, True), (interaction_id, self.interaction_id, True)]
        )


@dataclass(frozen=True)
class QueuePlace:
    """A place in the flagged queue (severity, customer flags: largest first; time, id: oldest first) and
    the moment it was ranked at: the next page ranks at the same moment, so that severities (which decay
    with age) compare with the place's."""

    as_of: datetime
    severity: float
    tags: int
    occurred_at: datetime
    interaction_id: str

    def encode(self) -> str:
        return encode([self.as_of, self.severity, self.tags, self.occurred_at, self.interaction_id])

    @classmethod
    def decode(cls, token: str) -> QueuePlace:
        as_of, severity, tags, occurred_at, interaction_id = decode(
            token, (datetime, float, int, datetime, str)
        )
        return cls(as_of, severity, tags, occurred_at, interaction_id)

    def after(
        self, severity: Any, tags: Any, occurred_at: Any, interaction_id: Any
    ) -> ColumnElement[bool]:
        return after(
            [
                (severity, self.severity, True),
                (tags, self.tags, True),
                (occurred_at, self.occurred_at, False),
                (interaction_id, self.interaction_id, False),
            ]
        )
