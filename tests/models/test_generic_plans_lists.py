"""PostgreSQL's generic plans of the read routes' statements (psycopg prepares a statement run five times, and
PostgreSQL may then plan it once for any parameters): the queue page's tags and the interaction list at an
offset are looked up by their indexes under a generic plan too (``SET plan_cache_mode = force_generic_plan``;
``PREPARE``; ``EXPLAIN EXECUTE``). PostgreSQL only: SQLite plans each statement with its values."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from models.pages import _PAGE_TAGS, interactions_query, skipped_by_index
from models.risk_lines import _signals_of
from models.store import Store
from tests.models.generic_plans import generic_plan


@pytest.fixture
def store(postgres_url: str) -> Iterator[Store]:
    """An empty PostgreSQL store (the plans are PostgreSQL's; SQLite plans each statement with its values)."""
    with Store(postgres_url) as opened:
        yield opened


@pytest.mark.parametrize(
    "wanted",
    [{"kind": "ticket"}, {"customer": "acme"}, {"rep": "sam"}, {}],
    ids=["kind", "customer", "rep", "all"],
)
def test_a_page_at_an_offset_looks_its_rows_up_by_id_under_a_generic_plan(
    store: Store, wanted: dict[str, str]
):
    """The ids come from the filter's index and the rows by primary key (``= ANY`` of the ids' array): the
    generic plan, which expects a tenth of the table from an unknown limit, hashed every interaction to
    join them (77 ms on the 10k book)."""
    page = skipped_by_index(interactions_query(**wanted).limit(20).offset(4013))
    found = generic_plan(store, page, {}, "SET enable_seqscan = off")
    assert re.search(r"Index Cond: \(\(id\)::text = ANY", found), found
    assert "interactions_pkey" in found and "Hash" not in found, found
    assert "Seq Scan" not in found, found


def test_the_queue_pages_tags_are_read_by_interaction_under_a_generic_plan(store: Store):
    values = {"ids": ["a" * 20, "b" * 20], "min_score": 0.0}
    found = generic_plan(store, _PAGE_TAGS, values, "SET enable_seqscan = off")
    assert "ix_tags_interaction_id" in found and "Seq Scan" not in found, found


def test_the_lists_signals_are_read_by_customer_from_one_array_under_a_generic_plan(store: Store):
    """The at-risk list's signals: its 50 customers one array parameter (one statement text whatever the
    page's length: models/database.py ``among``), looked up by the customers' index."""
    values = {"ids": [f"cust{n:04}" for n in range(50)]}
    found = generic_plan(store, _signals_of("postgresql"), values, "SET enable_seqscan = off")
    assert re.search(r"Index Cond: \(\(customer_id\)::text = ANY", found), found
    assert "Seq Scan" not in found, found
