"""The CPU cost of the two reads every at-risk list request makes, in process: the token lookup and the page.

    python bench/read_costs.py --database-url URL --token SECRET [--repeat 200]

``api.auth.verify_token`` (every API request) and ``models.health_pages.health_page`` (a page of 50 of the at-risk
list as of the generated book's end), each called --repeat times after a few warm-up calls; prints the mean
CPU ms of this process a call (CPU time, so other processes' load does not count) and the median wall ms.
The token must be a live token of that store (`callintel token create`); nothing is written but its last use.
Only public functions are called, so the same command measures an older checkout (PYTHONPATH=that checkout).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.make_portfolio import END  # noqa: E402

__all__ = ["cost", "main"]


def cost(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Mean CPU ms and median wall ms of ``call``."""
    for _ in range(5):
        call()
    walls = []
    cpu = time.process_time()
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        walls.append(time.perf_counter() - began)
    return (time.process_time() - cpu) * 1000 / repeat, statistics.median(walls) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    from api.auth import verify_token
    from models.health_pages import health_page
    from models.store import Store

    with Store(args.database_url) as store:
        reads: dict[str, Callable[[], object]] = {
            "verify_token": lambda: verify_token(store, args.token),
            "health_page, limit=50": lambda: health_page(store, END, limit=50),
        }
        print(f"{'read':<28}{'cpu ms':>8}{'wall ms':>9}")
        for name, call in reads.items():
            cpu, wall = cost(call, args.repeat)
            print(f"{name:<28}{cpu:>8.2f}{wall:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
