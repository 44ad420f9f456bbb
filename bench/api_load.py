"""Load on the HTTP API's main read endpoints: requests per second and latency percentiles, loopback only.

    python bench/api_load.py [--requests 300] [--concurrency 8] [--database-url sqlite:///demo.db]
    python bench/api_load.py --portfolio [--customers 10000] [--database-url URL] [--baseline-requests 4]
        [--workers 1 2] [--client httpx|ab] [--no-in-process] [--only PREFIX ...]

Builds the demo database (the bundled samples through the pipeline) unless --database-url names one, starts
`callintel serve` on a free loopback port (one uvicorn worker, no pipeline workers), creates a manager token (sent
as the bearer header to the API, and signed in with on the dashboard's form for its session cookie), then for each endpoint
sends --requests GETs from --concurrency client threads (httpx, keep-alive) after 10 warm-up requests. Bounded:
a fixed number of requests, to 127.0.0.1 only. Reports requests/s, p50 and p95 per endpoint.

--portfolio: every read route over a generated book of --customers customers (bench/make_portfolio.py's
store writer fills --database-url, or a SQLite file in a temporary folder, when it holds no customers; every
customer is then evaluated as of the portfolio's end, as `callintel alerts --refresh` would, so the at-risk
list has its stored health), and in the same run today's recomputing at-risk list (``recompute=true``: every
customer's health from their whole history on each request) for --baseline-requests requests. The server runs
with each of --workers web processes in turn (`serve --web-workers N`); each route's line also gives the
server's CPU ms a request (its processes' user + system time), steadier than latency on a shared machine.
--client ab sends the timed requests with ApacheBench instead of httpx threads: the threads cost this
process more CPU a request than the server spends on the simple routes, on the same two cores.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

CALLINTEL = Path(sys.executable).with_name("callintel")
COOKIE = "callintel_session"  # the dashboard's session cookie (api/deps.py)
ENDPOINTS = [
    "/api/queue?limit=20",
    "/api/interactions?limit=20",
    "/api/interactions/{interaction}",
    "/api/customers",
    "/api/customers/acme/timeline?days=60",
    "/api/search?q=price",
    "/dashboard/",
    "/dashboard/calls/{interaction}",
    "/dashboard/customers",
    "/dashboard/customers/acme",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict[str, str]) -> str:
    return subprocess.run(
        [str(CALLINTEL), *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def measure(
    client: httpx.Client, path: str, requests: int, concurrency: int, warm: int = 10
) -> tuple[float, float, float]:
    """req/s, p50 and p95 ms of GET ``path``."""
    return timed(lambda: client.get(path).raise_for_status(), requests, concurrency, warm)


def timed(
    read: Callable[[], object], requests: int, concurrency: int, warm: int = 10
) -> tuple[float, float, float]:
    """req/s, p50 and p95 ms of ``read`` called ``requests`` times from ``concurrency`` threads, after
    ``warm`` calls that are not counted."""
    for _ in range(warm):
        read()

    def one(_: int) -> float:
        started = time.perf_counter()
        read()
        return time.perf_counter() - started

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - began
    p95 = latencies[max(0, int(0.95 * len(latencies)) - 1)]
    return requests / elapsed, statistics.median(latencies) * 1000, p95 * 1000


def measure_ab(
    base: str, path: str, headers: dict[str, str], requests: int, concurrency: int, warm: int = 10
) -> tuple[float, float, float]:
    """req/s, p50 and p95 ms of GET ``path`` sent by ApacheBench (``ab``, C: a load generator that costs
    the shared cores next to nothing, where the httpx threads cost more CPU a request than the server);
    a new connection a request (uvicorn closes HTTP/1.0's); ab gives whole milliseconds."""
    command = ["ab", "-q"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if warm:  # ab refuses a concurrency over its number of requests
        warming = [*command, "-c", str(min(warm, concurrency)), "-n", str(warm)]
        subprocess.run([*warming, base + path], check=True, capture_output=True)
    sent = [*command, "-c", str(min(requests, concurrency)), "-n", str(requests)]
    out = subprocess.run([*sent, base + path], check=True, capture_output=True, text=True).stdout
    if "Non-2xx responses" in out or "Failed requests:        0" not in out:
        raise SystemExit(f"ab: {path}: requests failed:\n{out}")
    found: dict[str, float] = {}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests per second:"):
            found["rate"] = float(parts[3])
        elif len(parts) == 2 and parts[0] in ("50%", "95%"):
            found[parts[0]] = float(parts[1])
    return found["rate"], found["50%"], found["95%"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url")
    parser.add_argument("--portfolio", action="store_true", help="every read route over a big book")
    parser.add_argument(
        "--aggregate-requests",
        type=int,
        default=16,
        help="with --portfolio: requests for each book-wide report (portfolio, segments, contacts, reps; 0: none)",
    )
    parser.add_argument("--customers", type=int, default=10_000, help="with --portfolio")
    parser.add_argument("--usage-days", type=float, default=180, help="usage kept per customer")
    parser.add_argument(
        "--baseline-requests", type=int, default=4, help="recomputing list requests"
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="with --portfolio: uvicorn worker processes (serve --web-workers); several: one run each",
    )
    parser.add_argument(
        "--client",
        choices=["httpx", "ab"],
        default="httpx",
        help="with --portfolio: who sends the requests: httpx threads in this process, or ApacheBench "
        "(apt-get install apache2-utils), which leaves the cores to the server",
    )
    parser.add_argument(
        "--no-in-process",
        dest="in_process",
        action="store_false",
        help="with --portfolio: leave out the in-process page reads (snapshots against current rows)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="PREFIX",
        default=[],
        help="with --portfolio: time only the routes whose path starts with one of these "
        "(e.g. /dashboard/ or /api/customers)",
    )
    args = parser.parse_args()
    if args.portfolio:
        from bench.api_portfolio import run_portfolio

        run_portfolio(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "CALLINTEL_RISK_AS_OF": "2026-10-30T23:59:59Z",
            "CALLINTEL_RATE_LIMIT": "0",
        }  # measure the server, not the limiter
        url = args.database_url
        if url is None:
            run(["demo", "--keep", f"{tmp}/demo.db"], env)
            url = f"sqlite:///{tmp}/demo.db"
        token = run(
            ["token", "create", "--role", "manager", "--database-url", url], env
        ).splitlines()[-1]
        port = free_port()
        server = subprocess.Popen(
            [str(CALLINTEL), "serve", "--port", str(port), "--database-url", url, "--workers", "0"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(
                base_url=base,
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
                limits=httpx.Limits(max_connections=args.concurrency),
            ) as client:
                for _ in range(100):
                    try:
                        client.get("/api/health")
                        break
                    except httpx.TransportError:
                        time.sleep(0.2)
                signed = client.post(
                    "/dashboard/login", data={"token": token}, headers={"Origin": base}
                )
                client.cookies.set(
                    COOKIE, signed.cookies[COOKIE]
                )  # the dashboard's session, from its sign-in form
                interaction = client.get("/api/queue?limit=1").json()["items"][0]["interaction"][
                    "id"
                ]
                print(
                    f"{args.requests} requests per endpoint, {args.concurrency} client threads, 1 uvicorn worker, "
                    f"SQLite, loopback; cpu cores: {os.cpu_count()}"
                )
                print(f"{'endpoint':<40}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}")
                for path in ENDPOINTS:
                    path = path.format(interaction=interaction)
                    rate, p50, p95 = measure(client, path, args.requests, args.concurrency)
                    print(f"{path:<40}{rate:>8.1f}{p50:>9.1f}{p95:>9.1f}", flush=True)
        finally:
            server.terminate()
            server.wait(20)


if __name__ == "__main__":
    main()
