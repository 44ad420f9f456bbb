"""The table models' base: the declarative base, the UTC datetime column type, and the names of the indexes
each dialect writes its own way (which Alembic's autogenerate must leave alone)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

__all__ = ["SEARCH_INDEX", "USER_INDEX", "Base", "UtcDateTime", "from_sqlite", "include_object"]


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC, read back as UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        """SQLite's stored text read by ``from_sqlite`` (the same values); other backends' datetimes by
        ``process_result_value``."""
        if dialect.name == "sqlite":
            return from_sqlite
        return super().result_processor(dialect, coltype)


def from_sqlite(value: str | datetime | None) -> datetime | None:
    """A datetime as SQLite stores it (SQLAlchemy writes UTC as 'YYYY-MM-DD HH:MM:SS.ffffff') as an aware
    UTC datetime, the value SQLAlchemy's parse then ``replace(tzinfo=UTC)`` gives, in a third of the time
    (``replace`` alone takes microseconds: a page of the at-risk list reads some 280 of them)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return datetime.combine(parsed.date(), parsed.time(), UTC)
    return parsed.astimezone(UTC)


SEARCH_INDEX = "utterances_fts"  # SQLite's FTS5 table (and its triggers), PostgreSQL's GIN index: migration 0011
USER_INDEX = (
    "ix_usage_customer_user"  # usage events by customer and properties.user, each dialect's: 0016
)


def include_object(
    _object: Any, name: str | None, _type: str, _reflected: bool, _other: Any
) -> bool:
    """Alembic's autogenerate filter: the full-text search index (0011) and the usage events' user index
    (0016, an expression each dialect writes its own way) are the database's own, not models."""
    return not (name or "").removeprefix("ix_").startswith(SEARCH_INDEX) and name != USER_INDEX


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON}
