"""The CPU cost of a committed write's version bookkeeping, in process: the schema known against looked at.

    python bench/write_cost.py --database-url URL [--repeat 300] [--rounds 5]

A one-row UPDATE in its own ``Database.transaction()``, --repeat times a round, the two ways alternated in one
process: ``known`` as the store runs (it knows from its open that it has ``store_version``, models/store_version.py)
and ``every commit`` with that knowledge dropped before each commit, so the commit reads the catalogue first (as
every write did before the seventeenth session). Prints the minimum over --rounds of the mean CPU ms of this
process a write (CPU time, so other processes' load counts less) and the median wall ms. It writes (migrates the
store, adds and then deletes one customer row ``bench-write-cost``): give it a scratch store, never a book to keep.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, insert, update  # noqa: E402

from models.store import Store  # noqa: E402
from models.tables import CustomerRow  # noqa: E402

__all__ = ["main", "writes"]

ROW = CustomerRow.id == "bench-write-cost"


def writes(store: Store, repeat: int, look_every_commit: bool) -> tuple[float, float]:
    """Mean CPU ms and median wall ms of a one-row UPDATE transaction."""
    walls = []
    cpu = time.process_time()
    for n in range(repeat):
        began = time.perf_counter()
        if look_every_commit:
            store.schema.versioned = False
        with store.transaction() as session:
            session.execute(update(CustomerRow).where(ROW).values(name=str(n)))
        walls.append(time.perf_counter() - began)
    return (time.process_time() - cpu) * 1000 / repeat, statistics.median(walls) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ways = {"known": False, "every commit": True}
    best = {way: (float("inf"), float("inf")) for way in ways}
    with Store(args.database_url) as store:
        with store.transaction() as session:
            session.execute(insert(CustomerRow).values(id="bench-write-cost", name="-"))
        try:
            for _ in range(args.rounds):
                for way, look in ways.items():
                    cpu, wall = writes(store, args.repeat, look)
                    best[way] = (min(best[way][0], cpu), min(best[way][1], wall))
        finally:
            with store.transaction() as session:
                session.execute(delete(CustomerRow).where(ROW))
        print(f"{store.dialect}: {'schema':<14}{'cpu ms':>8}{'wall ms':>9}")
        for way, (cpu, wall) in best.items():
            print(f"{store.dialect}: {way:<14}{cpu:>8.3f}{wall:>9.2f}")


if __name__ == "__main__":
    main()
