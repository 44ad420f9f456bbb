"""The kept interaction totals (migration 0014), the at-risk list's (0017) and the queue's (0018) under concurrent
writers: PostgreSQL only, since SQLite has one writer at a time (tests/models/test_pages.py,
test_health_counts.py and test_queue_counts.py check the totals follow every write on both backends)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import insert, update

from models.health_pages import HealthFilter
from models.pages import interactions_page
from models.risk_lines import risk_page
from models.store import Store
from models.tables import CustomerHealthRow, CustomerRow, InteractionRow, QueueRankRow
from tests.models.test_pages import START, _call
from tests.models.test_queue_counts import _fresh, _kept


@pytest.fixture
def filled(postgres_url: str) -> Iterator[Store]:
    store = Store(postgres_url)
    rng = random.Random(14)
    for n in range(40):
        store.save_interaction(*_call(n, rng))
    yield store
    store.close()


def _at_once(write: Callable[..., None], *calls: tuple[str, ...]) -> None:
    """``write(*args)`` for each of ``calls``, each on a thread of its own, at the same time; their errors
    raised here."""
    with ThreadPoolExecutor(len(calls)) as pool:
        for run in [pool.submit(write, *args) for args in calls]:
            run.result(timeout=60)


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

    _at_once(write, ("call", "ticket", "x"), ("ticket", "call", "y"))
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

        _at_once(write, ("c0", "c1"), ("c2", "c3"))
        red = risk_page(store, START, HealthFilter(band="red"), 1)
        unknown = risk_page(store, START, HealthFilter(band="unknown"), 1)
        assert (red.total, unknown.total) == (4, 0)


def _rank(name: str, kind: str) -> dict:
    return {"interaction_id": name, "kind": kind, "occurred_at": START, "strongest": 1.0, "tags": 1,
            "value": 1.0, "rank_key": 1.0, "reviewed": kind == "ticket"}  # fmt: skip


def test_writers_of_both_kinds_never_wait_on_each_other_for_the_queue_totals(postgres_url: str):
    """PostgreSQL: two transactions each store a call's rank and a ticket's, in opposite orders, at the same
    time. On a counter row per kind they would wait on each other (a deadlock); each statement adds its own
    rows (folded by whoever holds the fold lock, migration 0018), so both commit and the kept totals are a
    fresh count."""
    with Store(postgres_url) as store:
        both = threading.Barrier(2, timeout=30)

        def write(first: str, second: str, tag: str) -> None:
            with store.transaction() as session:
                for n, kind in enumerate((first, second)):
                    session.execute(insert(QueueRankRow), [_rank(f"{tag}-{n}", kind)])
                    session.flush()
                    both.wait()  # both hold their insert, uncommitted

        _at_once(write, ("call", "ticket", "x"), ("ticket", "call", "y"))
        assert _kept(store) == _fresh(store) == {("call", False): 2, ("ticket", True): 2}
