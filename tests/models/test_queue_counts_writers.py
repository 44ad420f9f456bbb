"""The queue's kept totals (migration 0018) under concurrent writers: PostgreSQL only, since SQLite has one
writer at a time (tests/models/test_queue_counts.py checks the totals follow every write on both backends)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import insert

from models.store import Store
from models.tables import QueueRankRow
from tests.models.test_pages import START
from tests.models.test_queue_counts import _fresh, _kept


def _rank(name: str, kind: str) -> dict:
    return {"interaction_id": name, "kind": kind, "occurred_at": START, "strongest": 1.0, "tags": 1,
            "value": 1.0, "rank_key": 1.0, "reviewed": kind == "ticket"}  # fmt: skip


def test_writers_of_both_kinds_never_wait_on_each_other_for_the_queue_totals(postgres_url: str):
    """PostgreSQL: two transactions each store a call's rank and a ticket's, in opposite orders, at the same
    time. On a counter row per kind they would wait on each other (a deadlock); each statement adds its own
    rows (folded by whoever holds the fold lock), so both commit and the kept totals are a fresh count."""
    with Store(postgres_url) as store:
        both = threading.Barrier(2, timeout=30)

        def write(first: str, second: str, tag: str) -> None:
            with store.transaction() as session:
                for n, kind in enumerate((first, second)):
                    session.execute(insert(QueueRankRow), [_rank(f"{tag}-{n}", kind)])
                    session.flush()
                    both.wait()  # both hold their insert, uncommitted

        with ThreadPoolExecutor(2) as pool:
            runs = [
                pool.submit(write, "call", "ticket", "x"),
                pool.submit(write, "ticket", "call", "y"),
            ]
            for run in runs:
                run.result(timeout=60)
        assert _kept(store) == _fresh(store) == {("call", False): 2, ("ticket", True): 2}
