"""Scale-out: the distributed pipeline's throughput with 1 and with 2 Celery workers on the same batch.

    python bench/scale.py [--copies 4] [--database-url URL] [--runs 2]

Starts a private redis-server, then for each worker count: a fresh store (a new PostgreSQL database when
--database-url names a server, e.g. the CALLINTEL_TEST_POSTGRES_URL that .ci/services.sh sets up, else a
SQLite file), the bundled transcripts stored --copies times, N `callintel worker --concurrency 1` processes
started and waited for (each loads its models before it reports ready), and the clock from dispatch to an
empty queue (`callintel jobs run` with CALLINTEL_BROKER_URL). Threads per worker: cores / N. Best of --runs;
the ratio is 2 workers over 1, same process run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.pipeline_speed import populate  # noqa: E402
from models.settings import Settings  # noqa: E402
from pipeline.distributed import run_distributed  # noqa: E402

CALLINTEL = Path(sys.executable).with_name("callintel")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(tmp: Path) -> tuple[subprocess.Popen, str]:
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return server, f"redis://127.0.0.1:{port}/0"


def fresh_store(server_url: str | None, tmp: Path) -> str:
    if not server_url:
        return f"sqlite:///{tmp / f'{uuid.uuid4().hex}.db'}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"callintel_scale_{uuid.uuid4().hex[:10]}"
    with create_engine(server_url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def start_workers(workers: int, env: dict[str, str], tmp: Path) -> list[subprocess.Popen]:
    """``workers`` `callintel worker --concurrency 1` processes, returned once each has loaded its models and
    reported ready (stop them with stop_workers)."""
    logs = [tmp / f"w{workers}-{n}-{uuid.uuid4().hex[:6]}.log" for n in range(workers)]
    procs = [
        subprocess.Popen(
            [str(CALLINTEL), "worker", "--concurrency", "1"],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for log in logs
    ]
    deadline = time.monotonic() + 600
    while not all(" ready." in log.read_text() for log in logs):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            stop_workers(procs)
            raise SystemExit(f"workers did not start: see {logs[0]}")
        time.sleep(0.2)  # polling a condition (the workers' logs), not waiting a fixed time
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        proc.wait(60)


def timed_batch(
    workers: int, copies: int, broker: str, server_url: str | None, tmp: Path
) -> tuple[int, float]:
    url = fresh_store(server_url, tmp)
    calls = populate(url, "transcripts", copies)
    threads = max(1, (os.cpu_count() or 1) // workers)
    env = {
        **os.environ,
        "CALLINTEL_DATABASE_URL": url,
        "CALLINTEL_BROKER_URL": broker,
        "CALLINTEL_THREADS": str(threads),
    }
    procs: list[subprocess.Popen] = []
    try:
        procs = start_workers(workers, env, tmp)
        report = run_distributed(url, Settings(database_url=url, broker_url=broker), poll_s=0.1)
        if report.done != calls:
            raise SystemExit(f"only {report.done} of {calls} jobs done")
        return calls, report.seconds
    finally:
        stop_workers(procs)
        drop_store(server_url, url)


def drop_store(server_url: str | None, url: str) -> None:
    """Drop the batch's PostgreSQL database (a SQLite file goes with the temporary folder)."""
    if not server_url:
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    with create_engine(server_url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("CALLINTEL_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        redis, broker = start_redis(tmp)
        try:
            store = "PostgreSQL" if args.database_url else "SQLite"
            print(
                f"cpu cores: {os.cpu_count()}; store: {store}; broker: redis; best of {args.runs}; models loaded first"
            )
            print(
                f"{'workers':>8}{'threads':>8}{'calls':>7}{'seconds':>9}{'calls/min':>11}{'vs 1':>7}"
            )
            base = None
            for workers in (1, 2):
                best = min(
                    (
                        timed_batch(workers, args.copies, broker, args.database_url, tmp)
                        for _ in range(args.runs)
                    ),
                    key=lambda r: r[1],
                )
                rate = best[0] / best[1] * 60
                base = base or rate
                threads = max(1, (os.cpu_count() or 1) // workers)
                print(
                    f"{workers:>8}{threads:>8}{best[0]:>7}{best[1]:>9.2f}{rate:>11.1f}{rate / base:>7.2f}",
                    flush=True,
                )
        finally:
            redis.terminate()


if __name__ == "__main__":
    main()
