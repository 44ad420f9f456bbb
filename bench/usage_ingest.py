"""Memory and speed of ingesting a usage export: streamed (ingest/usage_stream.py) against read whole.

    python bench/usage_ingest.py [--events 110000 440000] [--whole 110000] [--database-url URL]

Writes a JSON Lines export of --events login and feature events over 2,000 customers (as a product-analytics
export is), then ingests it in a fresh process each time (so that each peak RSS is that ingest's own) into a
fresh store (a SQLite file; a new database on the PostgreSQL server of --database-url):

- streamed: `ingest_file`, the path `callintel ingest` takes (events read a line at a time, stored USAGE_BATCH
  at a time, one transaction);
- whole (the baseline, only at the sizes in --whole: it holds everything): the whole-file reader
  (`read_source`) and one `Store.save_batch`, as every file was ingested before.

Prints the seconds, events a second and the process's peak RSS for each.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_export(path: Path, events: int, customers: int = 2_000, seed: int = 7) -> Path:
    """``events`` usage events (logins and feature use of 5 users a customer) over 180 days, one a line."""
    rng = random.Random(seed)
    start = datetime(2026, 5, 4, tzinfo=UTC)
    with path.open("w") as out:
        for i in range(events):
            customer = f"cust{i % customers:05d}"
            at = start + timedelta(seconds=rng.randrange(180 * 86_400))
            user = {"user": f"user{rng.randrange(5)}@{customer}.example"}
            kind, props = (
                ("login", user)
                if rng.random() < 0.6
                else ("feature_used", {**user, "feature": rng.choice(("dashboards", "summaries"))})
            )
            row = {"customer_id": customer, "kind": kind, "occurred_at": at.isoformat()}
            out.write(json.dumps({**row, "properties": props}) + "\n")
    return path


def child(mode: str, export: Path, url: str) -> None:
    """One ingest in this process; prints {"events", "seconds", "peak_rss_mb"} as JSON."""
    from ingest import ingest_file, read_source
    from ingest.readers import IngestDefaults
    from models.store import Store

    with Store(url) as store:
        started = time.perf_counter()
        if mode == "streamed":
            outcome = ingest_file(export, store, IngestDefaults())
            if outcome.error is not None:
                raise SystemExit(outcome.error.message)
            stored = outcome.usage_events
        else:
            stored = store.save_batch([], read_source(export).usage_events).usage_events
        seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"events": stored, "seconds": seconds, "peak_rss_mb": rss}))


def measure(mode: str, export: Path, server: str | None, tmp: Path) -> dict:
    from bench.scale import drop_store, fresh_store

    url = fresh_store(server, tmp)
    try:
        command = [sys.executable, __file__, "--child", mode, str(export), url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{mode} ingest failed: {done.stderr.strip()[-400:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        drop_store(server, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[110_000, 440_000])
    parser.add_argument("--whole", type=int, nargs="*", default=[110_000])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite files)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.child[2])
        return
    store = "PostgreSQL" if args.database_url else "SQLite"
    print(f"store: {store}; each ingest in a fresh process and a fresh store")
    print(f"{'mode':<10}{'events':>9}{'seconds':>9}{'events/s':>10}{'peak RSS MB':>13}")
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for events in args.events:
            export = write_export(tmp / f"usage-{events}.jsonl", events)
            modes = ["streamed", *(["whole"] if events in args.whole else [])]
            for mode in modes:
                row = measure(mode, export, args.database_url, tmp)
                print(
                    f"{mode:<10}{row['events']:>9}{row['seconds']:>9.1f}"
                    f"{row['events'] / row['seconds']:>10.0f}{row['peak_rss_mb']:>13.0f}",
                    flush=True,
                )
            os.remove(export)


if __name__ == "__main__":
    main()
