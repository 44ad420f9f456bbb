"""Where a read request's milliseconds go: each portfolio route served in process, profiled, its own CPU time
split by the layer it was spent in.

    python bench/api_profile.py --database-url URL --token SECRET [--requests 20] [--only TEXT]...
        [--rounds N] [--cpu-only] [--hops] [--code TREE] [--statements]

Drives the app (api/app.py, with its middlewares) through httpx's ASGI transport on one thread, with the sync
routes run inline rather than in the thread pool, so cProfile sees the whole request. For each route of
bench/api_portfolio.py: the median wall time and the mean CPU time (this process's, so other processes' load
does not count) of --requests requests, then one profile of as many, its exclusive time summed per layer as a
share of the profiled time: the web framework (starlette, fastapi, the ASGI glue), pydantic (validation
and serialisation), JSON, SQLAlchemy, the database driver, and our own packages. The token must be a live
manager or admin token of that store (`callintel token create`); nothing is written but its last use.

``--rounds N``: the CPU column is the least of N rounds (each of --requests). ``--cpu-only``: no profile.
``--hops``: the sync routes, and what the app sends to the thread pool, run there as under uvicorn (their hops
counted in the CPU, which is the whole process's: the profile, of this thread, then misses them). ``--code
TREE``: serve another checkout's app (the tree before a change), its packages imported instead of this one's,
to compare two trees with the same program. ``--answers``: no timing; each JSON read's sha256 (status,
headers, body: ROUTES' and SHAPES'), to compare two trees' answers with ``diff``. ``--statements`` (with
``--cpu-only``): three more columns, a request's statements run through SQLAlchemy (its
``before_cursor_execute``: the token's driver read is one more), its transactions (BEGINs: on PostgreSQL each is
a BEGIN and a ROLLBACK round trip beside its statements) and, on PostgreSQL, the database's own CPU ms (the
pool's backends' run time in ``/proc/PID/schedstat``, found in ``pg_stat_activity``; the least of the rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import anyio.to_thread
import httpx


def _code_tree(argv: list[str]) -> str:
    """The tree whose packages are imported: ``--code TREE`` (read before anything of it is imported), else
    this one."""
    for at, arg in enumerate(argv):
        if arg == "--code" and at + 1 < len(argv):
            return str(Path(argv[at + 1]).resolve())
        if arg.startswith("--code="):
            return str(Path(arg.split("=", 1)[1]).resolve())
    return str(Path(__file__).resolve().parents[1])


sys.path.insert(0, _code_tree(sys.argv))

from bench.api_portfolio import OTHER_ROUTES, ROUTES  # noqa: E402
from bench.make_portfolio import END  # noqa: E402

__all__ = ["LAYERS", "layer_of", "main", "timed"]

# (layer, what a file path contains): the first that matches names the layer
LAYERS = [
    ("pydantic", ("/pydantic/", "/pydantic_core/")),
    ("json", ("/json/",)),
    ("sqlalchemy", ("/sqlalchemy/",)),
    (
        "driver",
        ("/sqlite3/", "/psycopg/", "/psycopg_pool/", "sqlite3.Connection", "sqlite3.Cursor"),
    ),
    ("framework", ("/starlette/", "/fastapi/", "/anyio/", "/httpx", "/asyncio/", "/h11/")),
    ("api/", ("/api/",)),
    ("models/", ("/models/",)),
    ("risk/", ("/risk/",)),
    ("jinja", ("/jinja2/", "/markupsafe/")),
]


def layer_of(filename: str, function: str) -> str:
    where = f"{filename} {function}"
    for name, marks in LAYERS:
        if any(mark in where for mark in marks):
            return name
    return "other"


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)  # the sync route on this thread, so the profile sees it


def _layers(profile: cProfile.Profile, requests: int) -> dict[str, float]:
    """Exclusive ms a request per layer."""
    spent: dict[str, float] = defaultdict(float)
    stats: Any = cast(Any, pstats.Stats(profile)).stats  # typeshed leaves the table out
    for (filename, _, function), (_, _, tottime, _, _) in stats.items():
        spent[layer_of(filename, function)] += tottime * 1000 / requests
    return spent


class Backends:
    """``--statements``: the SQLAlchemy statements and transactions of the app's engine, and on PostgreSQL the
    run time of the database's backends serving it (``/proc/PID/schedstat``, nanoseconds: the server runs on
    this machine), read by a connection of its own (not counted)."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements = self.begins = 0
        self.last: tuple[float, float, float] | None = (
            None  # ``timed``'s latest: statements, BEGINs, db ms
        )
        self.monitor = None
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)
        if engine.dialect.name == "postgresql":
            import psycopg

            url = engine.url.set(drivername="postgresql")
            self.monitor = psycopg.connect(
                url.render_as_string(hide_password=False), autocommit=True
            )

    def _statement(self, *_: Any) -> None:
        self.statements += 1

    def _begin(self, *_: Any) -> None:
        self.begins += 1

    def backend_ns(self) -> dict[int, int]:
        """Each of the app's backends' run time so far (ns), by pid."""
        if self.monitor is None:
            return {}
        pids = self.monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        spent = {}
        for (pid,) in pids:
            try:
                spent[pid] = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except (OSError, ValueError):
                continue  # gone, or not on this machine
        return spent

    def counts(self) -> tuple[int, int, dict[int, int]]:
        return self.statements, self.begins, self.backend_ns()


def _per_request(
    before: tuple[int, int, dict[int, int]], after: tuple[int, int, dict[int, int]], requests: int
) -> tuple[float, float, float]:
    ran_ns = sum(ns - before[2].get(pid, 0) for pid, ns in after[2].items())
    return (
        (after[0] - before[0]) / requests,
        (after[1] - before[1]) / requests,
        ran_ns / 1e6 / requests,
    )


async def timed(
    client: httpx.AsyncClient, path: str, requests: int, backends: Backends | None = None
) -> tuple[float, float, httpx.Response]:
    """``requests`` GETs of ``path`` after 3 to warm up: the median wall ms and the mean CPU ms (this
    process's) a request, and the warm-up's last answer; with ``backends``, a request's statements,
    transactions and database CPU ms in its ``last``."""
    for _ in range(3):
        answer = (await client.get(path)).raise_for_status()
    walls = []
    counted = backends.counts() if backends else None
    cpu = time.process_time()
    for _ in range(requests):
        began = time.perf_counter()
        (await client.get(path)).raise_for_status()
        walls.append(time.perf_counter() - began)
    cpu = (time.process_time() - cpu) * 1000 / requests
    if backends is not None and counted is not None:
        backends.last = _per_request(counted, backends.counts(), requests)
    return statistics.median(walls) * 1000, cpu, answer


async def _route(
    client: httpx.AsyncClient, path: str, args: argparse.Namespace, backends: Backends | None
) -> tuple[float, float, dict[str, float]]:
    requests = args.requests
    rounds, counted = [], []
    for _ in range(args.rounds):
        rounds.append(await timed(client, path, requests, backends))
        if backends is not None and backends.last is not None:
            counted.append(backends.last)
    wall, cpu = rounds[0][0], min(cpu for _, cpu, _ in rounds)
    if backends is not None:
        least = min(counted, key=lambda database: database[2])
        return wall, cpu, {"stmts": least[0], "begins": least[1], "db ms": least[2]}
    if args.cpu_only:
        return wall, cpu, {}
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        (await client.get(path)).raise_for_status()
    profile.disable()
    return wall, cpu, _layers(profile, requests)


async def _names(client: httpx.AsyncClient) -> dict[str, Any]:
    first = await client.get("/api/customers?limit=1")
    total = int(first.headers["X-Total-Count"])
    customer = first.json()[0]["customer_id"]
    middle = await client.get(f"/api/customers?limit=50&offset={total // 2 - 50}")
    owner = (await client.get(f"/api/customers/{customer}")).json()["account"]["owner"]
    interaction = (await client.get("/api/interactions?limit=1")).json()["items"][0]["id"]
    tickets = await client.get(f"/api/interactions?limit=20&kind=ticket&offset={total // 2 - 20}")
    return {
        "tickets": tickets.headers["X-Next-Cursor"],
        "queue": (await client.get("/api/queue?limit=20&kind=ticket")).headers["X-Next-Cursor"],
        "customer": customer,
        "middle": total // 2,
        "cursor": middle.headers["X-Next-Cursor"],
        "owner": owner,
        "interaction": interaction,
        "alert": (await client.get("/api/alerts?limit=1")).json()["items"][0]["id"],
    }


# the routes timed: the portfolio's, then the other read routes' JSON ones (comments, tasks, webhooks, an alert)
PROFILED = ROUTES + [route for route in OTHER_ROUTES if route.startswith("/api/")]

# the other shapes of the JSON reads the tests ask for, beside ROUTES': bands, offsets, cursors, owners, kinds, reps,
# the defaults, a bad cursor, 404s and 422s (--answers)
SHAPES = [
    "/api/customers", "/api/customers?limit=50&band=yellow", "/api/customers?limit=50&band=green&offset=200",
    "/api/customers?limit=3&owner={owner}&band=red", "/api/customers?limit=2&offset=9999",
    "/api/customers/nobody", "/api/customers/{customer}/timeline", "/api/customers/nobody/timeline",
    "/api/interactions", "/api/interactions?limit=20&kind=call", "/api/interactions?limit=7&offset=13",
    "/api/interactions?limit=5&rep=lee", "/api/interactions?limit=20&customer={customer}&kind=ticket&offset=3",
    "/api/interactions?limit=20&cursor={tickets}", "/api/interactions?limit=20&cursor=bogus",
    "/api/interactions?limit=0", "/api/queue?limit=20&kind=ticket&offset=300",
    "/api/queue?limit=20&kind=ticket&reviewed=true", "/api/queue?limit=20&kind=ticket&customer={customer}",
    "/api/interactions/int_nope", "/api/search?q=cancel&limit=5", "/api/alerts",
    "/api/alerts?limit=20&status=resolved", "/api/alerts?limit=20&offset=40&owner={owner}",
    "/api/alerts?limit=5&customer={customer}", "/api/alerts/1", "/api/alerts/999999", "/openapi.json",
]  # fmt: skip


async def _answers(client: httpx.AsyncClient, names: dict[str, Any]) -> None:
    """``--answers``: the sha256 of each JSON read's status, headers and body, a line each (two trees' lists
    compared with ``diff``: the same answers, byte for byte)."""
    for shape in [r for r in PROFILED if r.startswith("/api/")] + SHAPES:
        answer = await client.get(shape.format(**names))
        heads = b"".join(name + b": " + value + b"\n" for name, value in answer.headers.raw)
        whole = f"{answer.status_code}\n".encode() + heads + b"\n" + answer.content
        print(hashlib.sha256(whole).hexdigest(), shape, flush=True)


async def _sign_in(client: httpx.AsyncClient, token: str) -> None:
    signed = await client.post(
        "/dashboard/login", data={"token": token}, headers={"Origin": "http://127.0.0.1"}
    )
    client.cookies.set("callintel_session", signed.cookies["callintel_session"])


async def _run(
    args: argparse.Namespace, serve: Callable[[], Awaitable[None]] | None = None
) -> None:
    from api.app import create_app
    from models.settings import Settings

    app = create_app(Settings(database_url=args.database_url, rate_limit=0, risk_as_of=END))
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {args.token}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1", headers=headers
        ) as client,
    ):
        await _sign_in(client, args.token)
        names = await _names(client)
        if args.answers:
            return await _answers(client, names)
        backends = Backends(app.state.callintel.store.engine) if args.statements else None
        columns = (
            ["stmts", "begins", "db ms"] if backends else [name for name, _ in LAYERS] + ["other"]
        )
        print(
            "ms a request (wall: median; cpu: this process's, unprofiled); then "
            + (
                "a request's statements, transactions, database CPU ms"
                if backends
                else "% of the profiled time"
            )
        )
        print(f"{'route':<46}{'wall':>6}{'cpu':>6}" + "".join(f"{c[:6]:>7}" for c in columns))
        for route in [r for r in PROFILED if not args.only or any(o in r for o in args.only)]:
            path = route.format(**names)
            wall, cpu, spent = await _route(client, path, args, backends)
            shown = path if len(path) < 45 else path[:41] + "..."
            print(
                f"{shown:<46}{wall:>6.1f}{cpu:>6.1f}{_cells(spent, columns, backends)}", flush=True
            )


def _cells(spent: dict[str, float], columns: list[str], backends: Backends | None) -> str:
    if backends is not None:
        return "".join(
            f"{spent[c]:>7.1f}" if c != "db ms" else f"{spent[c]:>7.2f}" for c in columns
        )
    total = sum(spent.values()) or 1.0
    return "".join(f"{100 * spent.get(c, 0.0) / total:>7.0f}" for c in columns if spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--token", default=os.environ.get("CALLINTEL_BENCH_TOKEN"))
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--only", action="append", help="only the routes holding this text (repeatable)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="cpu: the least of this many rounds")
    parser.add_argument("--cpu-only", action="store_true", help="time the routes, profile none")
    parser.add_argument(
        "--hops", action="store_true", help="keep the thread pool's hops, as under uvicorn"
    )
    parser.add_argument(
        "--code", metavar="TREE", help="serve this checkout's app (its packages imported)"
    )
    parser.add_argument(
        "--answers", action="store_true", help="print each JSON read's sha256 instead of timing"
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="a request's statements and transactions, and PostgreSQL's CPU ms (with --cpu-only)",
    )
    args = parser.parse_args()
    if args.statements:
        args.cpu_only = True
    if not args.hops:
        anyio.to_thread.run_sync = _inline  # type: ignore[assignment]  # sync routes inline, for the profile
    asyncio.run(_run(args))


if __name__ == "__main__":
    main()
