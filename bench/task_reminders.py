"""How long the follow-up task reminders take on a large book, on SQLite and (with --postgres URL) PostgreSQL.

    python bench/task_reminders.py [--customers 10000] [--tasks-per-customer 10] [--runs 5] [--postgres URL]

A constructed book, written straight to the tables: each customer has a call, ``--tasks-per-customer`` open
tasks due over the year before 2026-10-31, and a health snapshot; a fifth are red with an unresolved alert and
half of those had no call since it. Timed (min of ``--runs``):

    first refresh     raise_reminders as of 2026-10-31: every overdue task reminded, the reach-outs made (once)
    refresh           raise_reminders again (the hourly steady state: nothing new)
    overdue page      the first page of ``tasks --overdue`` (50 rows, with the total)
    baseline          reading every task row (the scale the others compare with, in the same process)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text  # noqa: E402

from models.store import Store  # noqa: E402
from models.tables import (  # noqa: E402
    AlertRow,
    CustomerRow,
    HealthSnapshotRow,
    InteractionRow,
    TaskRow,
)
from models.tasks import TaskFilter, tasks_page  # noqa: E402
from portfolio.tasks import raise_reminders  # noqa: E402

AS_OF = datetime(2026, 10, 31, 12, tzinfo=UTC)


def _rows(customers: int, per: int) -> dict[type, list[dict]]:
    start = datetime(2025, 11, 1, 10, tzinfo=UTC)
    rows: dict[type, list[dict]] = {t: [] for t in (CustomerRow, InteractionRow, HealthSnapshotRow)}
    rows[AlertRow], rows[TaskRow] = [], []
    for n in range(customers):
        cid, red = f"c{n:05d}", n % 5 == 0
        last_call = AS_OF - timedelta(days=40 if red and n % 2 == 0 else 3)
        rows[CustomerRow].append({"id": cid})
        rows[InteractionRow].append(
            {
                "id": f"i{n:05d}",
                "customer_id": cid,
                "kind": "call",
                "occurred_at": last_call,
                "source": "x",
                "sha256": f"{n:064x}",
                "rep": f"rep{n % 40}",
                "meta": {},
            }
        )
        rows[HealthSnapshotRow].append(
            {
                "customer_id": cid,
                "as_of": AS_OF - timedelta(days=20),
                "score": 20.0 if red else 80.0,
                "band": "red" if red else "green",
                "breakdown": {},
            }
        )
        if red:
            rows[AlertRow].append(
                {
                    "key": f"{cid}:band",
                    "customer_id": cid,
                    "kind": "band_changed",
                    "occurred_at": AS_OF - timedelta(days=20),
                    "reason": "red",
                    "band": "red",
                    "owner": f"rep{n % 40}",
                    "status": "open",
                }
            )
        for k in range(per):
            rows[TaskRow].append(
                {
                    "key": f"step:i{n:05d}:{k}:0",
                    "kind": "next_step",
                    "customer_id": cid,
                    "interaction_id": f"i{n:05d}",
                    "owner": f"rep{n % 40}",
                    "title": f"step {k}",
                    "due": date(2026, 11, 20) - timedelta(days=(n * 7 + k * 37) % 365),
                    "status": "open",
                    "created_at": start,
                }
            )
    return rows


def seed(store: Store, customers: int, per: int) -> int:
    rows = _rows(customers, per)
    with store.transaction() as session:
        for table in (CustomerRow, InteractionRow, HealthSnapshotRow, AlertRow, TaskRow):
            for begin in range(0, len(rows[table]), 5000):
                session.execute(insert(table), rows[table][begin : begin + 5000])
    return len(rows[TaskRow])


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times)


def _all_tasks(store: Store) -> int:
    with store.transaction() as session:
        return len(session.execute(select(TaskRow)).all())


def measure(url: str, customers: int, per: int, runs: int) -> dict[str, float]:
    with Store(url) as store:
        count = seed(store, customers, per)
        began = time.perf_counter()
        first = raise_reminders(store, AS_OF, 7)
        figures = {"tasks": count, "first refresh": time.perf_counter() - began}
        figures["reminded"], figures["reach-outs"] = len(first.reminded), first.reach_outs
        figures["refresh"] = best(runs, lambda: raise_reminders(store, AS_OF, 7))
        wanted = TaskFilter(overdue_on=AS_OF.date())
        figures["overdue page"] = best(runs, lambda: tasks_page(store, wanted, 50))
        figures["baseline"] = best(runs, lambda: _all_tasks(store))
    return figures


def _fresh_postgres(server: str) -> tuple[str, Callable[[], None]]:
    from sqlalchemy import create_engine

    name = f"bench_tasks_{int(time.time())}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.rsplit("/", 1)[0] + f"/{name}", drop


def report(backend: str, figures: dict[str, float]) -> None:
    base = figures["baseline"]
    print(
        f"{backend}: {figures['tasks']:.0f} tasks; first refresh {figures['first refresh']:.2f} s "
        f"({figures['reminded']:.0f} reminded, {figures['reach-outs']:.0f} reach-outs); "
        f"refresh {figures['refresh'] * 1000:.0f} ms ({figures['refresh'] / base:.2f}x the baseline); "
        f"overdue page {figures['overdue page'] * 1000:.0f} ms ({figures['overdue page'] / base:.2f}x); "
        f"baseline (read every task) {base * 1000:.0f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--tasks-per-customer", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--postgres", help="a PostgreSQL server URL (a database is made and dropped)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        figures = measure(
            f"sqlite:///{tmp}/tasks.db", args.customers, args.tasks_per_customer, args.runs
        )
    report("SQLite", figures)
    if args.postgres:
        url, drop = _fresh_postgres(args.postgres)
        try:
            report("PostgreSQL", measure(url, args.customers, args.tasks_per_customer, args.runs))
        finally:
            drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
