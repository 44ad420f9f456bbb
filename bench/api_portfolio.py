"""``bench/api_load.py --portfolio``: every read route over a generated book, with the at-risk list as it was
read before the current-health rows (migration 0013: every customer's latest snapshot sorted on each request),
in process, and today's recomputing list over HTTP, in the same run (issue 19: p95 under 50 ms at 10,000
customers)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.api_load import CALLINTEL, COOKIE, free_port, measure, measure_ab, run, timed  # noqa: E402
from bench.make_portfolio import END  # noqa: E402

__all__ = ["AGGREGATES", "NOT_TIMED", "OTHER_ROUTES", "ROUTES", "chosen", "run_portfolio"]

ROUTES = [
    "/api/customers?limit=50",
    "/api/customers?limit=50&band=red",
    "/api/customers?limit=50&offset={middle}",
    "/api/customers?limit=50&cursor={cursor}",
    "/api/customers?limit=50&owner={owner}",
    "/api/customers/{customer}",
    "/api/customers/{customer}/timeline?days=60",
    "/api/queue?limit=20",
    "/api/queue?limit=20&label=cancellation_intent",
    "/api/interactions?limit=20",
    "/api/interactions?limit=20&customer={customer}",
    "/api/interactions?limit=20&kind=ticket&offset={middle}",
    "/api/interactions?limit=20&kind=ticket&cursor={tickets}",
    "/api/queue?limit=20&kind=ticket",  # the book has tickets, no calls: this queue is not empty
    "/api/queue?limit=20&kind=ticket&cursor={queue}",
    "/api/interactions/{interaction}",
    "/api/search?q=export",
    "/api/alerts?limit=50",
    "/api/alerts?limit=50&status=open&customer_id={customer}",
    "/dashboard/customers?limit=50",
    "/dashboard/customers/{customer}",
]
# The other read routes (sixteenth session: "every read route"), timed after ROUTES with the same requests.
OTHER_ROUTES = [
    "/api/alerts/{alert}",
    "/api/interactions/{interaction}/comments",
    "/api/tasks?limit=50",
    "/api/webhooks",
    "/api/webhooks/deliveries",
    "/dashboard/",
    "/dashboard/calls/{interaction}",
    "/dashboard/search?q=export",
    "/dashboard/alerts",
    "/dashboard/tasks",
]
# The book-wide reports: each reads the whole book (RFM scores, contact counts and flags over every interaction),
# so they get --aggregate-requests (0: left out).
AGGREGATES = [
    "/api/portfolio",
    "/api/segments?limit=50",
    "/api/contacts?limit=50",
    "/api/contacts",  # the default request (limit 100): the one serve warms at start (api/report_warmup.py)
    "/api/reps",
    "/dashboard/portfolio",
    "/dashboard/segments",
    "/dashboard/contacts",
]
# The read routes the bench leaves out, and why (tests/bench/test_api_load.py: every GET route is timed or here).
NOT_TIMED = {
    "/openapi.json": "the schema, no data",
    "/api/health": "no data",
    "/": "a redirect to the dashboard",
    "/dashboard/login": "the login form, no data",
    "/dashboard/calls/{}/audio": "the generated book has no recordings",
    "/api/reps/{}": "the generated book's interactions name no rep",
    "/dashboard/contacts/reps/{}": "the generated book's interactions name no rep",
    "/api/tasks/{}": "the generated book has no follow-up tasks",
}
BASELINE = "/api/customers?limit=50&recompute=true"


def _customers(url: str) -> int:
    from sqlalchemy import func, select

    from models.store import Store
    from models.tables import CustomerRow

    with Store(url) as store, store.transaction() as session:
        return session.scalar(select(func.count()).select_from(CustomerRow)) or 0


def fill(url: str, customers: int, usage_days: float) -> None:
    """The book through bench/make_portfolio.py's store writer, then every customer evaluated at its end."""
    from api.service import Callintel
    from models.settings import Settings
    from risk.engine import evaluate

    began = time.perf_counter()
    argv = ["--customers", str(customers), "--database-url", url, "--usage-days", str(usage_days)]
    subprocess.run([sys.executable, "bench/make_portfolio.py", *argv], check=True)
    with Callintel(Settings(database_url=url)) as callintel:
        ids = [c.customer_id for c in callintel.store.customer_counts()]
        config = callintel.risk_config()
        for start in range(0, len(ids), 250):  # bounded memory: 250 histories at a time
            evaluate(callintel.store, config, END, ids[start : start + 250])
    print(f"filled and evaluated {customers} customers in {time.perf_counter() - began:.0f} s")


def _session(url: str, token: str) -> str:
    """A dashboard session for ``token``, started before the server is: signing in is a write (a new store
    version), which would make the reports the web processes warm at start stale."""
    from api.service import Callintel
    from models.settings import Settings

    with Callintel(Settings(database_url=url)) as callintel:
        found = callintel.verify_token(token)
        assert found is not None, "the token just created"
        return callintel.start_session(found)


def _sign_in(client: httpx.Client, session: str) -> None:
    for _ in range(300):
        try:
            client.get("/api/health")
            break
        except httpx.TransportError:
            time.sleep(0.2)  # polling for the server to listen
    client.cookies.set(COOKIE, session)


def wait_warm(client: httpx.Client, processes: int, limit_s: float = 1800) -> float:
    """Poll /api/health until each of the ``processes`` web processes says its start-up warming of the
    book-wide reports is done (api/report_warmup.py; a server without it says nothing: no wait); seconds."""
    began = time.perf_counter()
    warm: set[str] = set()
    while time.perf_counter() - began < limit_s:
        health = httpx.get(  # a new connection each time: a kept-alive one stays with one process
            str(client.base_url.join("/api/health")), headers={"Connection": "close"}
        )
        reports = health.json().get("reports")
        if reports is None:
            return 0.0
        if reports["warm"]:
            warm.add(reports["process"])
        if len(warm) >= processes:
            return time.perf_counter() - began
        time.sleep(0.25)  # polling for a condition (the health answer), not waiting a fixed time
    raise SystemExit(f"the web processes did not finish warming the reports in {limit_s:.0f} s")


def _names(client: httpx.Client) -> dict[str, Any]:
    first = client.get("/api/customers?limit=1")
    total = int(first.headers["X-Total-Count"])
    customer = first.json()[0]["customer_id"]
    middle = client.get(f"/api/customers?limit=50&offset={total // 2 - 50}")
    interaction = client.get("/api/interactions?limit=1").json()["items"][0]["id"]
    tickets = client.get(f"/api/interactions?limit=20&kind=ticket&offset={total // 2 - 20}")
    return {
        "tickets": tickets.headers["X-Next-Cursor"],  # the same page as offset=middle, by keyset
        "queue": client.get("/api/queue?limit=20&kind=ticket").headers[
            "X-Next-Cursor"
        ],  # the second page
        "customer": customer,
        "middle": total // 2,
        "cursor": middle.headers["X-Next-Cursor"],  # the same page as offset=middle, by keyset
        "owner": client.get(f"/api/customers/{customer}").json()["account"]["owner"],
        "interaction": interaction,
        "alert": client.get("/api/alerts?limit=1").json()["items"][0]["id"],
    }


def _in_process(url: str, args: argparse.Namespace, middle: int) -> None:
    """The stored at-risk list's page read (models/pages.py health_page, without HTTP), from the snapshots
    as before 0013 and from the current-health rows, on the same store in the same run."""
    from models.health_pages import HealthFilter, health_page
    from models.store import Store

    pages: dict[str, dict[str, Any]] = {
        "limit=50": {},
        "band=red": {"wanted": HealthFilter("red")},
        "offset": {"offset": middle},
    }
    print(
        f"\nat-risk list in process, {args.concurrency} threads{'':<24}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}"
    )
    with Store(url) as store:
        for name, given in pages.items():
            for old in (True, False):
                how = "snapshots (before)" if old else "current rows"

                def read(given: dict[str, Any] = given, old: bool = old) -> Any:
                    return health_page(store, END, limit=50, from_snapshots=old, **given)

                rate, p50, p95 = timed(read, args.requests, args.concurrency, warm=3)
                print(f"{name + ', ' + how:<58}{rate:>8.1f}{p50:>9.1f}{p95:>9.1f}", flush=True)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc): the server and its web processes."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo.extend(parents.get(found[-1], []))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its live descendants."""
    ticks = 0
    for each in _tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _measure(
    client: httpx.Client, path: str, args: argparse.Namespace, requests: int, warm: int
) -> tuple[float, float, float]:
    if args.client == "httpx":
        return measure(client, path, requests, args.concurrency, warm)
    headers = {"Authorization": str(client.headers["Authorization"])}
    session = next(c.value for c in client.cookies.jar if c.name == COOKIE and c.value)
    headers["Cookie"] = f"{COOKIE}={session}"
    return measure_ab(
        str(client.base_url).rstrip("/"), path, headers, requests, args.concurrency, warm
    )


def _route_line(
    client: httpx.Client, args: argparse.Namespace, path: str, server: int, requests: int, warm: int
) -> None:
    """One route's req/s, p50, p95 and the server's CPU ms a request (timed requests and warm-up)."""
    began = cpu_seconds(server)
    rate, p50, p95 = _measure(client, path, args, requests, warm)
    cpu = (cpu_seconds(server) - began) * 1000 / (requests + warm)
    shown = path if len(path) < 57 else path[:53] + "..."
    print(f"{shown:<58}{rate:>8.1f}{p50:>9.1f}{p95:>9.1f}{cpu:>8.1f}", flush=True)


def chosen(routes: list[str], prefixes: list[str], empty_ok: bool = False) -> list[str]:
    """The routes whose path starts with one of ``prefixes`` (every route when there are none); none is an
    error unless ``empty_ok``."""
    if not prefixes:
        return list(routes)
    picked = [route for route in routes if route.startswith(tuple(prefixes))]
    if not picked and not empty_ok:
        raise SystemExit(f"--only: no route starts with {' or '.join(prefixes)}")
    return picked


def _clients(args: argparse.Namespace) -> str:
    return "client threads" if args.client == "httpx" else "ab connections (ApacheBench)"


def _report(
    client: httpx.Client, args: argparse.Namespace, names: dict[str, Any], server: int
) -> None:
    """Each route's req/s, p50 and p95, and the server's CPU ms a request (its processes' user + system
    time over the timed requests and their warm-up: less noisy than latency on a shared machine)."""
    print(f"{'route':<58}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'cpu ms':>8}")
    for route in chosen(ROUTES + OTHER_ROUTES, args.only, empty_ok=True):
        _route_line(client, args, route.format(**names), server, args.requests, warm=10)
    if args.aggregate_requests > 0:
        print(f"the book-wide reports, {args.aggregate_requests} requests each:")
        for route in chosen(AGGREGATES, args.only, empty_ok=True):
            _route_line(
                client, args, route.format(**names), server, args.aggregate_requests, warm=1
            )
    if args.baseline_requests > 0:
        rate, p50, p95 = measure(client, BASELINE, args.baseline_requests, args.concurrency, warm=0)
        print(f"{BASELINE + ' (recomputed)':<58}{rate:>8.2f}{p50:>9.1f}{p95:>9.1f}", flush=True)


def _serve_and_report(
    url: str, args: argparse.Namespace, token: str, processes: int
) -> dict[str, Any]:
    """`callintel serve --web-workers PROCESSES` over the book, every route timed; the names it used."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "CALLINTEL_RISK_AS_OF": END.isoformat(),
        "CALLINTEL_RATE_LIMIT": "0",
    }
    session = _session(url, token)
    port = free_port()
    command = ["serve", "--port", str(port), "--database-url", url, "--workers", "0"]
    command += ["--web-workers", str(processes)]
    server = subprocess.Popen([str(CALLINTEL), *command], env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=args.concurrency)
    try:
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600, limits=limits
        ) as client:
            _sign_in(client, session)
            warmed = wait_warm(client, processes)
            names = _names(client)
            backend = url.split(":", 1)[0].split("+")[0]
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(
                f"\n{_customers(url)} customers, {backend}; {args.requests} requests per route "
                f"({args.baseline_requests} for the recomputed list), {args.concurrency} {_clients(args)}, "
                f"{processes} uvicorn worker{'s' if processes > 1 else ''}, loopback; cpu cores: "
                f"{os.cpu_count()} (shared); load average {load}; reports warmed in {warmed:.1f} s"
            )
            _report(client, args, names, server.pid)
            print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            return names
    finally:
        server.terminate()
        server.wait(60)


def run_portfolio(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/portfolio.db"
        if _customers(url) == 0:
            fill(url, args.customers, args.usage_days)
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        token = run(["token", "create", "--role", "admin", "--database-url", url], env)
        token = token.splitlines()[-1]
        names: dict[str, Any] = {}
        for processes in args.workers:
            names = _serve_and_report(url, args, token, processes)
        if args.in_process:
            _in_process(url, args, names["middle"])
