"""Ingest throughput of transcripts: calls a minute from files on disk to analysed, on PostgreSQL.

    python bench/ingest_throughput.py [--copies 2] [--runs 1] [--database-url URL] [--broker redis://...]

The bundled transcripts (samples/calls: JSON, WebVTT, SRT, text) are written --copies times to a folder, each
copy distinct content (the copy's number of trailing newlines), and each configuration gets a fresh PostgreSQL
database (on the server of --database-url, default CALLINTEL_TEST_POSTGRES_URL). The clock runs from the first
file read to an empty queue: `ingest_paths` (the real ingest path: read, validate, store, one transaction a
file), then every job through the pipeline's stages with tagging on (transcribe is a pass-through for a
transcript; tag, metrics, summary, risk). The workers load their models before the clock starts.

- pool, 1 and 2 workers: the embedded worker pool (`callintel jobs run --workers N`: processes with cores/N
  threads each), let go once the files are stored;
- Celery, 2 workers: two `callintel worker --concurrency 1` processes on the redis broker (--broker, default
  redis://127.0.0.1:6379/15), the jobs dispatched as `callintel jobs run` does with CALLINTEL_BROKER_URL once
  the files are stored.

Best of --runs; the ratio is each row over the 1-worker pool, same process run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.pipeline_speed import timed_pool  # noqa: E402
from bench.scale import drop_store, fresh_store, start_workers, stop_workers  # noqa: E402
from ingest import ingest_paths  # noqa: E402
from ingest.files import discover  # noqa: E402
from models.settings import Settings  # noqa: E402
from models.store import Store  # noqa: E402
from pipeline.distributed import run_distributed  # noqa: E402
from pipeline.queue import JobQueue  # noqa: E402
from samples import SAMPLES_DIR  # noqa: E402

TRANSCRIPT_SUFFIXES = (".json", ".vtt", ".srt", ".txt")


@dataclass(frozen=True)
class Run:
    calls: int
    ingest_s: float
    seconds: float  # from the first file read to an empty queue

    @property
    def per_minute(self) -> float:
        return self.calls / self.seconds * 60


def write_calls(folder: Path, copies: int) -> int:
    """The bundled calls folder (with its manifests and sidecars), ``copies`` times, each copy's transcripts
    distinct content; how many transcripts."""
    calls = 0
    for copy in range(copies):
        target = folder / f"copy{copy}"
        shutil.copytree(SAMPLES_DIR / "calls", target)
        for path in discover([target]):
            if path.suffix.lower() in TRANSCRIPT_SUFFIXES:
                path.write_bytes(path.read_bytes() + b"\n" * (copy + 1))
                calls += 1
            else:
                path.unlink()  # recordings: not this benchmark's
    return calls


def _ingest(url: str, folder: Path) -> float:
    started = time.perf_counter()
    with Store(url) as store:
        report = ingest_paths([folder], store)
    if report.failed:
        raise SystemExit(f"ingest failed: {report.failed[0].error}")
    return time.perf_counter() - started


def _all_done(url: str, calls: int) -> None:
    with Store(url) as store:
        counts = JobQueue(store).counts()
    if counts.get("done") != calls:
        raise SystemExit(f"not every job finished: {dict(counts)}")


def pool_run(server: str, folder: Path, calls: int, workers: int, tmp: Path) -> Run:
    url = fresh_store(server, tmp)
    try:
        Store(url).close()  # migrated before the clock
        took: list[float] = []
        seconds, _ = timed_pool(
            url,
            Settings(database_url=url),
            workers,
            False,
            lambda: took.append(_ingest(url, folder)),
        )
        _all_done(url, calls)
        return Run(calls, took[0], seconds)
    finally:
        drop_store(server, url)


def celery_run(server: str, broker: str, folder: Path, calls: int, tmp: Path) -> Run:
    url = fresh_store(server, tmp)
    Store(url).close()
    threads = max(1, (os.cpu_count() or 1) // 2)
    env = {
        **os.environ,
        "CALLINTEL_DATABASE_URL": url,
        "CALLINTEL_BROKER_URL": broker,
        "CALLINTEL_THREADS": str(threads),
    }
    procs = []
    try:
        procs = start_workers(2, env, tmp)
        started = time.perf_counter()
        ingest_s = _ingest(url, folder)
        report = run_distributed(url, Settings(database_url=url, broker_url=broker), poll_s=0.1)
        seconds = time.perf_counter() - started
        if report.done != calls:
            raise SystemExit(f"only {report.done} of {calls} jobs done")
        return Run(calls, ingest_s, seconds)
    finally:
        stop_workers(procs)
        drop_store(server, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--database-url", default=os.environ.get("CALLINTEL_TEST_POSTGRES_URL"))
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        parser.error(
            "--database-url (or CALLINTEL_TEST_POSTGRES_URL) must name a PostgreSQL server"
        )
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        calls = write_calls(tmp / "calls", args.copies)
        configs = [
            ("pool", 1, lambda: pool_run(args.database_url, tmp / "calls", calls, 1, tmp)),
            ("pool", 2, lambda: pool_run(args.database_url, tmp / "calls", calls, 2, tmp)),
            (
                "celery",
                2,
                lambda: celery_run(args.database_url, args.broker, tmp / "calls", calls, tmp),
            ),
        ]
        print(
            f"cpu cores: {os.cpu_count()}; store: PostgreSQL; best of {args.runs}; models loaded first"
        )
        print(
            f"{'workers':<10}{'n':>3}{'calls':>7}{'ingest s':>10}{'seconds':>9}{'calls/min':>11}{'vs 1':>7}"
        )
        base = None
        for name, workers, measure in configs:
            best = min((measure() for _ in range(args.runs)), key=lambda r: r.seconds)
            base = base or best.per_minute
            print(
                f"{name:<10}{workers:>3}{best.calls:>7}{best.ingest_s:>10.2f}{best.seconds:>9.2f}"
                f"{best.per_minute:>11.1f}{best.per_minute / base:>7.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
