"""`callintel alert backfill`'s cost on a slice of a book: the per-row write it had (a delete, an insert, a
flush and a current-health update per evaluation: models/risk_repo.py save_snapshot) against the set-based
one (risk/refresh.py backfill_batch: one delete and one insert a batch), in the same process, alternated.

    python bench/backfill_profile.py --database-url URL [--customers 1000] [--weeks 18] [--rounds 2]

Each round runs both on the first --customers customers in id order, in batches of risk/refresh.py BATCH,
and prints this process's CPU seconds (SQLite's work is in it; PostgreSQL's server is not) and the wall
seconds, split into the reads with the evaluation (health at each weekly moment) and the writes. It writes
to the store (the same rows each time: run it on a copy).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.make_portfolio import END  # noqa: E402
from models.history_repo import read_histories  # noqa: E402
from models.risk_repo import (  # noqa: E402
    HealthRecord,
    customer_ids_after,
    save_snapshot,
    save_snapshots,  # noqa: E402
)
from models.store import Store  # noqa: E402
from risk.config import RiskConfig, load_config  # noqa: E402
from risk.refresh import BATCH, backfill_moments, backfill_records, windowed_usage  # noqa: E402

__all__ = ["main"]


def _per_row(
    session: Session, ids: list[str], moments: list[datetime], rows: list[HealthRecord]
) -> None:
    for record in rows:
        save_snapshot(session, record)


def _set_based(
    session: Session, ids: list[str], moments: list[datetime], rows: list[HealthRecord]
) -> None:
    save_snapshots(session, ids, moments, rows)


Writer = Callable[[Session, list[str], list[datetime], list[HealthRecord]], None]


def _batch(
    store: Store, config: RiskConfig, moments: list[datetime], ids: list[str], write: Writer
) -> tuple[float, float, float, float]:
    usage = windowed_usage(config, moments[0], moments[-1])
    cpu, wall = time.process_time(), time.perf_counter()
    with store.transaction() as session:
        rows = [
            r
            for h in read_histories(session, ids, usage)
            for r in backfill_records(h, moments, config)
        ]
        read_cpu, read_wall = time.process_time() - cpu, time.perf_counter() - wall
        write(session, ids, moments, rows)
    return (
        read_cpu,
        read_wall,
        time.process_time() - cpu - read_cpu,
        time.perf_counter() - wall - read_wall,
    )


def _run(
    store: Store, config: RiskConfig, batches: list[list[str]], weeks: int, write: Writer
) -> list[float]:
    moments = backfill_moments(END, weeks)
    spent = [0.0, 0.0, 0.0, 0.0]
    for ids in batches:
        spent = [
            a + b for a, b in zip(spent, _batch(store, config, moments, ids, write), strict=True)
        ]
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--weeks", type=int, default=18)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    store, config = Store(args.database_url), load_config()
    with store.transaction() as session:
        ids = customer_ids_after(session, "", args.customers)
    batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    print(
        f"{len(ids)} customers x {args.weeks} weeks; seconds: read+evaluate cpu/wall, write cpu/wall"
    )
    for n in range(args.rounds):
        for name, write in (("per-row", _per_row), ("set-based", _set_based)):
            rc, rw, wc, ww = _run(store, config, batches, args.weeks, write)
            print(
                f"round {n + 1} {name:>9}: {rc:7.1f} {rw:7.1f}  {wc:7.1f} {ww:7.1f}  total cpu {rc + wc:7.1f}",
                flush=True,
            )
    store.close()


if __name__ == "__main__":
    main()
