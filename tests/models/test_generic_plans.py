"""PostgreSQL's generic plans of the read routes' statements (issue 19): psycopg prepares a statement once a
connection has run it five times, and PostgreSQL may then plan it once without the parameters' values. Each
statement here is planned that way (``plan_cache_mode = force_generic_plan``) on a small book, and its plan must
be the one a request's values would get: the indexes, no table read whole (bench/pg_plans.py times them all on
the 10,000-customer book)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from models.current_health import Cursor
from models.health_pages import HealthFilter
from models.risk_lines import _Ask, _statements
from models.store import Store, search_query
from tests.models.generic_plans import generic_plan

MOMENT = datetime(2026, 10, 31, tzinfo=UTC)
SEED = [
    "INSERT INTO customers (id, name) "
    "SELECT 'cust' || lpad(g::text, 4, '0'), 'Customer ' || g FROM generate_series(1, 2000) g",
    "INSERT INTO health_snapshots (customer_id, as_of, score, band, breakdown, raw_risk) "
    "SELECT id, timestamptz '2026-10-31' - w * interval '7 days', 60, 'yellow', '{}', 0.5 "
    "FROM customers, generate_series(0, 8) w",
    "UPDATE customer_health h SET snapshot_id = s.id, as_of = s.as_of, band = 'yellow', band_rank = 1, "
    "score = 60, raw_risk = 0.5 FROM health_snapshots s "
    "WHERE s.customer_id = h.customer_id AND s.as_of = '2026-10-31'",
    "ANALYZE",
]


@pytest.fixture
def book(postgres_url: str) -> Iterator[Store]:
    """2,000 customers, each evaluated weekly nine times (their current-health rows, from migration 0013's
    trigger, name the latest), analysed."""
    with Store(postgres_url) as store:
        with store.engine.begin() as connection:
            for statement in SEED:
                connection.execute(text(statement))
        yield store


def test_search_reads_the_full_text_index_under_a_generic_plan(book: Store):
    """ix_utterances_fts indexes to_tsvector('simple', text): with the configuration a parameter, the generic
    plan could not use it and read every utterance (1.3 s a search on the 10k book). The book has no
    utterances: sequential scans are priced out, so the plan shows whether the index can serve."""
    query = search_query("postgresql", ["export"])
    values = {"phrase": "export:*", "limit": 50}
    found = generic_plan(book, query, values, "SET enable_seqscan = off")
    assert "ix_utterances_fts" in found and "Seq Scan on utterances" not in found, found


@pytest.mark.parametrize(
    "ask",
    [
        _Ask(MOMENT, HealthFilter(), 20, 0, None, "postgresql"),
        _Ask(MOMENT, HealthFilter(), 20, 1000, None, "postgresql"),
        _Ask(MOMENT, HealthFilter(owner="lee"), 20, 0, None, "postgresql"),
        _Ask(MOMENT, HealthFilter(band="red"), 20, 0, None, "postgresql"),
        _Ask(MOMENT, HealthFilter(), 20, 0, Cursor(1, 0.0, 0.5, "cust1000"), "postgresql"),
    ],
    ids=["first", "offset", "owner", "band", "cursor"],
)
def test_the_at_risk_page_looks_its_rows_up_under_a_generic_plan(book: Store, ask: _Ask):
    """The at-risk page (models/risk_lines.py): its 20 rows' evaluations looked up by primary key, no
    customers or health_snapshots read whole. With the page's size a parameter the generic plan guessed a
    tenth of the list for it, and hashed both tables (9 ms against 0.3 ms on the 10k book). The page's
    statement also checks that the current-health rows serve the moment (their latest evaluation: the as_of
    index's last entry) and sums the kept total (customer_health_counts: a row a band and owner, read whole)."""
    page, _ = _statements(ask, True, True)
    found = generic_plan(book, page, ask.bound())
    limits = [int(rows) for rows in re.findall(r"Limit  \(cost=\S+ rows=(\d+)", found)]
    assert limits and max(limits) <= 20, found  # the plan knows the page's size
    others = found.replace("Seq Scan on customer_health_counts", "")
    assert "Seq Scan" not in others and "Hash" not in found, found
    assert "Index Only Scan Backward using ix_customer_health_as_of" in found, found
    assert "health_snapshots_pkey" in found and " customers" not in found, found
