"""SQLite's datetimes read by models/table_base.py ``from_sqlite`` are the values SQLAlchemy's own parse and
``UtcDateTime.process_result_value`` gave (aware UTC), whatever text SQLite holds, and round-trip the stored
values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, DateTime, MetaData, Table, create_engine, insert, select
from sqlalchemy.dialects import sqlite

from models.tables import UtcDateTime, from_sqlite

STORED = [
    "2026-10-31 00:00:00.000000",
    "2026-10-31 23:59:59.999999",
    "2026-02-28 13:45:07.120000",
    "2026-10-31 08:30:00",  # written by SQL, no microseconds
    "2026-10-31",  # a date alone: midnight
]


@pytest.mark.parametrize("text", STORED)
def test_sqlite_text_reads_as_sqlalchemys_parse_did(text: str):
    parse = DateTime().dialect_impl(sqlite.dialect()).result_processor(sqlite.dialect(), None)
    assert parse is not None
    before = UtcDateTime().process_result_value(parse(text), sqlite.dialect())
    after = from_sqlite(text)
    assert after == before and after is not None
    assert after.tzinfo is UTC and repr(after) == repr(before)


def test_a_datetime_or_none_passes_and_an_offset_becomes_utc():
    assert from_sqlite(None) is None
    paris = datetime(2026, 1, 1, 5, tzinfo=timezone(timedelta(hours=1)))
    assert from_sqlite("2026-01-01 05:00:00+01:00") == paris
    assert from_sqlite(paris) == paris and from_sqlite(paris).tzinfo is UTC  # type: ignore[union-attr]
    assert from_sqlite(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)


def test_sqlite_reads_back_what_it_stored(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    table = Table("t", MetaData(), Column("at", UtcDateTime()))
    moments = [datetime(2026, 10, 31, 7, 5, 3, 120, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)]
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(insert(table), [{"at": m} for m in moments])
        read = connection.execute(select(table.c.at)).scalars().all()
    assert read == moments and all(m.tzinfo is UTC for m in read)
