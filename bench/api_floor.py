"""The per-request floor: CPU a request for the cheapest routes, served in process with every middleware on (the
rate limiter included) and the sync dependencies and routes in the real thread pool, so each hop to it counts.

    python bench/api_floor.py --database-url URL --token SECRET [--requests 200] [--rounds 5] [--path P]...

For each path: the least and the median of --rounds means of CPU time a request (this process's: other
processes' load does not count, the thread pool's threads do). Run it once on the old code and once on the new
(PYTHONPATH=TREE: the code measured is that tree's, whichever tree this script is in), alternating, and
compare the least. The token must be a live token of that store allowed to
read the paths (manager or admin for the defaults); nothing is written but its last use.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: that tree is measured

__all__ = ["PATHS", "main"]

PATHS = [
    "/api/health",
    "/api/no-such-route",
    "/api/interactions?limit=20",
    "/api/alerts?limit=50",
    "/api/search?q=export",
]


async def cpu_ms(client: httpx.AsyncClient, path: str, requests: int) -> float:
    """The process's CPU ms a request over ``requests`` GETs of ``path`` (also bench/token_path.py's)."""
    began = time.process_time()
    for _ in range(requests):
        await client.get(path)
    return (time.process_time() - began) * 1000 / requests


async def _run(args: argparse.Namespace) -> None:
    from api.app import create_app
    from models.settings import Settings

    app = create_app(Settings(database_url=args.database_url, rate_limit=1_000_000))
    headers = {"Authorization": f"Bearer {args.token}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1", headers=headers
        ) as client,
    ):
        print(f"{'path':<44}{'status':>7}{'least':>8}{'median':>8}  (CPU ms a request)")
        for path in args.path or PATHS:
            status = (await client.get(path)).status_code
            await cpu_ms(client, path, 10)  # warm
            means = [await cpu_ms(client, path, args.requests) for _ in range(args.rounds)]
            print(f"{path:<44}{status:>7}{min(means):>8.2f}{statistics.median(means):>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--token", default=os.environ.get("CALLINTEL_BENCH_TOKEN"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--path", action="append", help="a path to measure (repeatable)")
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
