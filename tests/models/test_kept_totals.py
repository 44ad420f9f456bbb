"""The kept interaction totals (migration 0014) and the at-risk list's (0017) under concurrent writers: PostgreSQL only, since SQLite has
one writer at a time (tests/models/test_pages.py checks the totals follow every write on both backends)."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import insert, update

from models.health_pages import HealthFilter
from models.pages import interactions_page
from models.risk_lines import risk_page
from models.store import Store
from models.tables import CustomerHealthRow, CustomerRow, InteractionRow
from tests.models.test_pages import START, _call


@pytest.fixture
def filled(postgres_url: str) -> Iterator[Store]:
    store = Store(postgres_url)
    rng = random.Random(14)
    for n in range(40):
        store.save_interaction(*_call(n, rng))
    yield store
    store.close()


def _bare(name: str, kind: str) -> dict:
    return {"id": name, "customer_id": "acme", "kind": kind, "occurred_at": START, "source": name,
            "sha256": name.rjust(64, "0"), "meta": {}, "ingested_at": START}  # fmt: skip


def test_writers_of_both_kinds_never_wait_on_each_other_for_the_totals(filled: Store):
    """PostgreSQL: two transactions each insert a call and a ticket, in opposite orders, at the same time. On
    a counter row per kind they would wait on each other (a deadlock); each statement adds its own rows
    (folded by whoever holds the fold lock), so both commit and the totals are right."""
    before = interactions_page(filled, None, "ticket", None, 1).total
    both = threading.Barrier(2, timeout=30)

    def write(first: str, second: str, tag: str) -> None:
        with filled.transaction() as session:
            session.execute(insert(InteractionRow), [_bare(f"{tag}-1", first)])
            session.flush()
            both.wait()  # both hold their first insert, uncommitted
            session.execute(insert(InteractionRow), [_bare(f"{tag}-2", second)])
            session.flush()
            both.wait()

    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(write, "call", "ticket", "x"),
            pool.submit(write, "ticket", "call", "y"),
        ]
        for run in runs:
            run.result(timeout=60)
    assert interactions_page(filled, None, "ticket", None, 1).total == before + 2
    assert interactions_page(filled, None, None, None, 1).total == 44


def test_writers_moving_bands_never_wait_on_each_other_for_the_list_totals(postgres_url: str):
    """PostgreSQL: two transactions each move a customer into red and another out of it, in opposite
    orders, at the same time. On a counter row per band they would wait on each other (a deadlock); each
    statement adds its own rows (migration 0017), so both commit and the list's totals are a fresh count."""
    h = CustomerHealthRow
    with Store(postgres_url) as store:
        with store.transaction() as session:
            session.execute(insert(CustomerRow), [{"id": f"c{n}"} for n in range(4)])
        both = threading.Barrier(2, timeout=30)

        def write(first: str, second: str) -> None:
            with store.transaction() as session:
                for customer in (first, second):
                    moved = update(h).where(h.customer_id == customer)
                    session.execute(moved.values(band="red", band_rank=0))
                    session.flush()
                    both.wait()  # both hold their update, uncommitted

        with ThreadPoolExecutor(2) as pool:
            runs = [pool.submit(write, "c0", "c1"), pool.submit(write, "c2", "c3")]
            for run in runs:
                run.result(timeout=60)
        red = risk_page(store, START, HealthFilter(band="red"), 1)
        unknown = risk_page(store, START, HealthFilter(band="unknown"), 1)
        assert (red.total, unknown.total) == (4, 0)
