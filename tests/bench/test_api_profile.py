"""``bench/api_profile.py --statements``: a request's statements and transactions counted from SQLAlchemy's events,
and the database's CPU a request from its backends' run times."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from bench.api_profile import Backends, _per_request


def test_statements_and_transactions_are_counted_from_the_engines_events():
    engine = create_engine("sqlite://")
    backends = Backends(engine)
    before = backends.counts()
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        connection.execute(text("SELECT 2"))
    with engine.begin() as connection:
        connection.execute(text("SELECT 3"))
    after = backends.counts()
    assert before[2] == after[2] == {}  # SQLite: no server to read
    assert _per_request(before, after, 1)[:2] == (3.0, 2.0)


def test_the_database_cpu_a_request_counts_each_backend_once_and_a_new_one_whole():
    before = (10, 2, {101: 5_000_000, 102: 1_000_000})
    after = (30, 6, {101: 9_000_000, 102: 1_000_000, 103: 2_000_000})  # 103 opened meanwhile
    assert _per_request(before, after, 2) == (10.0, 2.0, 3.0)
