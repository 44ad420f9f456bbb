"""The managers' queue read in process: CPU ms a request for each queue shape, and a digest of each answer.

    python bench/queue_profile.py --database-url URL --token MANAGER --rep-token REP [--requests 30] [--rounds 3]

Drives the app through httpx's ASGI transport on one thread, the sync routes run inline (as
bench/api_profile.py), and for each route prints the least over ``--rounds`` of the mean CPU time of this
process over ``--requests`` requests (other processes' load does not count; on PostgreSQL the server's
work is left out: see the median wall time beside it), then the sha256 of the body and the ``X-Total-Count``
and ``X-Next-Cursor`` headers, so that two trees' answers can be compared byte for byte. The rep token's
routes are a rep's own queue (``mine``). Both tokens must be live tokens of that store (`callintel token
create`); nothing is written but their last use (and the queue ranks' first build, if they were not built).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
from pathlib import Path

import anyio.to_thread
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api_profile import _inline, timed  # noqa: E402
from bench.make_portfolio import END  # noqa: E402

MANAGER = [
    "/api/queue?limit=20&kind=ticket",
    "/api/queue?limit=20&kind=ticket&cursor={cursor}",
    "/api/queue?limit=20&kind=ticket&offset=4000",
    "/api/queue?limit=20&kind=ticket&reviewed=true",
    "/api/queue?limit=20",
    "/api/queue?limit=20&kind=ticket&label=cancellation_intent",
]
REP = ["/api/queue?limit=20&kind=ticket", "/api/queue?limit=20"]


async def _measure(client: httpx.AsyncClient, path: str, requests: int) -> tuple[float, float, str]:
    """Mean CPU ms and median wall ms a request, and the answer's digest."""
    wall, cpu, answer = await timed(client, path, requests)
    headers = [answer.headers.get(name, "") for name in ("x-total-count", "x-next-cursor")]
    digest = hashlib.sha256(answer.content + "|".join(headers).encode()).hexdigest()[:12]
    return cpu, wall, f"{digest} total={answer.json()['total']}"


async def _run(args: argparse.Namespace) -> None:
    from api.app import create_app
    from models.settings import Settings

    app = create_app(Settings(database_url=args.database_url, rate_limit=0, risk_as_of=END))
    transport = httpx.ASGITransport(app=app)
    base = "http://127.0.0.1"
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=base) as client,
    ):
        manager = {"Authorization": f"Bearer {args.token}"}
        rep = {"Authorization": f"Bearer {args.rep_token}"}
        first = await client.get(MANAGER[0], headers=manager)
        cursor = first.raise_for_status().headers["X-Next-Cursor"]
        asks = [("manager", p.format(cursor=cursor), manager) for p in MANAGER]
        asks += [("rep", p, rep) for p in REP]
        best: dict[str, tuple[float, float, str]] = {}
        for _ in range(args.rounds):
            for who, path, headers in asks:
                client.headers.update(headers)
                found = await _measure(client, path, args.requests)
                key = f"{who} {path}"
                best[key] = min(best.get(key, found), found)
        print(f"{'route':<62}{'cpu':>7}{'wall':>7}  answer")
        for key, (cpu, wall, digest) in best.items():
            shown = key if len(key) < 61 else key[:57] + "..."
            print(f"{shown:<62}{cpu:>7.2f}{wall:>7.2f}  {digest}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--token", required=True, help="a manager's or admin's token")
    parser.add_argument("--rep-token", required=True, help="a rep's token")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]  # sync routes inline, as api_profile
    asyncio.run(_run(args))


if __name__ == "__main__":
    main()
