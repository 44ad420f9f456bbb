"""Each statement the portfolio's read routes run on PostgreSQL, timed under its generic plan and its custom plan.

    python bench/pg_plans.py --database-url postgresql+psycopg://... --token SECRET [--only TEXT]... [--repeat 3]
        [--server-cpu N] [--no-plans] [--show]

psycopg prepares a statement on a connection once it has run five times (its prepare_threshold), and from the
sixth run PostgreSQL may answer it with a generic plan: one made without the parameters' values, cached, chosen
when its estimated cost is no worse than the custom plans'. A generic plan can be far worse than its estimate (an
equality on a parameter is priced as the column's average selectivity, whatever the value). This drives the app
in process (as bench/api_profile.py does: its routes, its names), records every statement of each route with
SQLAlchemy's ``before_cursor_execute`` event (and the token lookup's driver read), then on its own connection
prepares each statement as psycopg does and runs ``EXPLAIN (ANALYZE, BUFFERS) EXECUTE`` with the real values
under ``plan_cache_mode = force_generic_plan`` and ``force_custom_plan``: the minimum of --repeat execution
times each way, the custom plan's planning time, the sequential scans each plan makes, which plan the default
(auto) settles on after ten runs and the backend's CPU ms a run then. With --server-cpu N, first each route's
database work as a whole: the app's backends' CPU ms a request (/proc/PID/schedstat, so PostgreSQL must run on
this machine) over N requests after eight. Nothing is written but the token's last use.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api_portfolio import ROUTES  # noqa: E402
from bench.api_profile import _inline, _names, _sign_in  # noqa: E402
from bench.make_portfolio import END  # noqa: E402

__all__ = ["Timing", "auto_choice", "main", "positional", "timing"]

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Timing:
    """One statement's plan under a plan_cache_mode: min execution ms, shared blocks, relations scanned whole."""

    ms: float
    planning_ms: float
    blocks: int
    seq_scans: tuple[str, ...]


@contextmanager
def _recording(into: list[tuple[str, Any]]) -> Iterator[None]:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from models.database import Database

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        into.append((statement, parameters))

    fetch_one = Database._fetch_one

    def driver_read(self: Database, raw: Any, sql: str, bound: Any) -> Any:
        into.append((sql, bound))
        return fetch_one(self, raw, sql, bound)

    event.listen(Engine, "before_cursor_execute", record)
    Database._fetch_one = driver_read  # type: ignore[method-assign]
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", record)
        Database._fetch_one = fetch_one  # type: ignore[method-assign]


def _backends_ns(url: str) -> int:
    """CPU nanoseconds the database's other backends (the app's pooled connections) have run, from
    /proc/PID/schedstat (PostgreSQL on this machine)."""
    import psycopg

    with psycopg.connect(_dsn(url), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchall()
    spent = 0
    for (pid,) in rows:
        try:
            spent += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except OSError:
            continue  # a backend that ended
    return spent


async def _server_cpu(client: httpx.AsyncClient, url: str, path: str, requests: int) -> float:
    """The database backends' CPU ms a request of ``path``, after enough requests for psycopg to prepare
    the route's statements (so that PostgreSQL's plan choice is the one a long-running server gets)."""
    for _ in range(8):
        (await client.get(path)).raise_for_status()
    began = _backends_ns(url)
    for _ in range(requests):
        (await client.get(path)).raise_for_status()
    return (_backends_ns(url) - began) / 1e6 / requests


async def _drive(
    args: argparse.Namespace,
) -> tuple[dict[str, list[tuple[str, Any]]], dict[str, float]]:
    """Each route's statements and values, from its second request (the first may fill caches), and with
    --server-cpu the backends' CPU ms a request."""
    from api.app import create_app
    from models.settings import Settings

    app = create_app(Settings(database_url=args.database_url, rate_limit=0, risk_as_of=END))
    headers = {"Authorization": f"Bearer {args.token}"}
    captured: dict[str, list[tuple[str, Any]]] = {}
    server: dict[str, float] = {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1", headers=headers
        ) as client,
    ):
        await _sign_in(client, args.token)
        names = await _names(client)
        for route in [r for r in ROUTES if not args.only or any(o in r for o in args.only)]:
            path = route.format(**names)
            (await client.get(path)).raise_for_status()
            statements: list[tuple[str, Any]] = []
            with _recording(statements):
                (await client.get(path)).raise_for_status()
            captured[path] = statements
            if args.server_cpu:
                server[path] = await _server_cpu(client, args.database_url, path, args.server_cpu)
    return captured, server


def positional(sql: str, values: Any) -> tuple[str, list[Any]]:
    """``sql`` with $n placeholders (a repeated name is one parameter, as psycopg sends it) and its values."""
    if isinstance(values, dict):
        order: list[str] = []
        for name in PLACEHOLDER.findall(sql):
            if name not in order:
                order.append(name)
        numbered = PLACEHOLDER.sub(lambda m: f"${order.index(m.group(1)) + 1}", sql)
        return numbered.replace("%%", "%"), [values[name] for name in order]
    count = iter(range(1, 10_000))
    numbered = re.sub(r"%s", lambda _: f"${next(count)}", sql)
    return numbered.replace("%%", "%"), list(values or ())


def _dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(False)


def timing(connection: Any, sql: str, values: Any, mode: str, repeat: int) -> Timing:
    """``sql`` prepared as psycopg prepares it, explained under ``plan_cache_mode = mode``."""
    from psycopg import sql as psql

    cursor = connection.cursor()
    cursor.execute(sql, values, prepare=True)  # psycopg's named statement, with its parameter types
    cursor.fetchall()
    numbered, ordered = positional(sql, values)
    cursor.execute("SELECT name FROM pg_prepared_statements WHERE statement = %s", (numbered,))
    name = cursor.fetchone()[0]
    literals = psql.SQL(", ").join(psql.Literal(v) for v in ordered)
    cursor.execute(f"SET plan_cache_mode = {mode}")
    explain = psql.SQL("EXPLAIN (ANALYZE, BUFFERS) EXECUTE {}").format(psql.Identifier(name))
    if ordered:
        explain = psql.SQL("{}({})").format(explain, literals)
    best: Timing | None = None
    for _ in range(repeat):
        cursor.execute(explain)
        lines = [row[0] for row in cursor.fetchall()]
        found = _read_plan(lines)
        if best is None or found.ms < best.ms:
            best = found
    cursor.execute("RESET plan_cache_mode")
    assert best is not None
    return best


def auto_choice(connection: Any, sql: str, values: Any, runs: int = 30) -> tuple[str, float]:
    """Which plan PostgreSQL's default (plan_cache_mode = auto) settles on for ``sql`` (prepared as psycopg
    prepares it), and the backend's CPU ms a run once it has: planning, execution and sending the rows."""
    cursor = connection.cursor()
    for _ in range(10):
        cursor.execute(sql, values, prepare=True)
        cursor.fetchall()
    cursor.execute("SELECT pg_backend_pid()")
    schedstat = Path(f"/proc/{cursor.fetchone()[0]}/schedstat")
    began = int(schedstat.read_text().split()[0])
    for _ in range(runs):
        cursor.execute(sql, values, prepare=True)
        cursor.fetchall()
    spent = (int(schedstat.read_text().split()[0]) - began) / 1e6 / runs
    numbered, _ = positional(sql, values)
    cursor.execute(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = %s",
        (numbered,),
    )
    generic, custom = cursor.fetchone()
    return ("generic" if generic > custom else "custom"), spent


def _read_plan(lines: list[str]) -> Timing:
    text = "\n".join(lines)
    ms = float(re.search(r"Execution Time: ([\d.]+)", text).group(1))  # type: ignore[union-attr]
    planning = float(re.search(r"Planning Time: ([\d.]+)", text).group(1))  # type: ignore[union-attr]
    first = re.search(r"Buffers: shared ([^\n]*)", text)
    blocks = sum(int(n) for n in re.findall(r"=(\d+)", first.group(1))) if first else 0
    scans = tuple(sorted(set(re.findall(r"Seq Scan on (\w+)", text))))
    return Timing(ms, planning, blocks, scans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--token", default=os.environ.get("CALLINTEL_BENCH_TOKEN"))
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="print each statement's SQL")
    parser.add_argument(
        "--server-cpu", type=int, default=0, help="requests a route to time the backends' CPU over"
    )
    parser.add_argument("--no-plans", action="store_true", help="skip the EXPLAINs")
    args = parser.parse_args()
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    captured, server = asyncio.run(_drive(args))
    if server:
        print("database backends' CPU ms a request (after 8 requests: statements prepared)")
        for path, ms in server.items():
            print(f"  {ms:7.2f}  {path}")
    if not args.no_plans:
        _explain(args, captured)


def _explain(args: argparse.Namespace, captured: dict[str, list[tuple[str, Any]]]) -> None:
    import psycopg

    with psycopg.connect(_dsn(args.database_url), autocommit=True) as connection:
        print(
            f"{'route / statement':<60}{'generic ms':>11}{'custom ms':>10}{'planning':>9}{'auto':>8}"
            f"{'cpu ms':>7}  seq scans (generic; custom)"
        )
        for path, statements in captured.items():
            print(path)
            for index, (sql, values) in enumerate(statements):
                if sql.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SET", "RESET")):
                    continue
                generic = timing(connection, sql, values, "force_generic_plan", args.repeat)
                custom = timing(connection, sql, values, "force_custom_plan", args.repeat)
                chosen, cpu = auto_choice(connection, sql, values)
                head = " ".join(sql.split())[:52]
                print(
                    f"  {index}: {head:<54}{generic.ms:>11.2f}{custom.ms:>10.2f}"
                    f"{custom.planning_ms:>9.2f}{chosen:>8}{cpu:>7.2f}  "
                    f"{','.join(generic.seq_scans) or '-'}; {','.join(custom.seq_scans) or '-'}"
                )
                if args.show:
                    print("     ", " ".join(sql.split()), values)


if __name__ == "__main__":
    main()
