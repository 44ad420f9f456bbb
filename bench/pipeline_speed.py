"""Pipeline throughput: calls per minute through transcribe -> tag -> metrics -> summary, with 1 and 2 workers.

    python bench/pipeline_speed.py [--copies 4] [--audio-copies 4] [--runs 2] [--workers 1 2] [--kinds transcripts audio]

Inputs: the bundled transcripts (samples/calls: JSON, WebVTT, SRT, text; 22 calls) stored --copies times
under distinct content, and the 3 bundled stereo recordings --audio-copies times. Each configuration gets a
fresh SQLite store; each worker is a separate process (as `callintel jobs run --workers N` starts them) that
loads its models first, then all start together and the clock runs until the queue is empty: steady-state
throughput, model loading excluded (it is reported on its own line). With CALLINTEL_THREADS unset each of N
workers gets cores/N threads. Audio uses CALLINTEL_WHISPER_MODEL when set, else the bundled tiny.en; int8,
beam 5, VAD on, batched, as the pipeline runs it, but temperature 0 only (repeatable). Best of --runs; the
ratio is 2 workers over 1, same process run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ingest import read_source  # noqa: E402
from ingest.files import discover  # noqa: E402
from models.records import Interaction  # noqa: E402
from models.settings import Settings  # noqa: E402
from models.store import Store  # noqa: E402
from pipeline.runner import per_worker, work  # noqa: E402
from pipeline.stages import Engines  # noqa: E402
from samples import SAMPLES_DIR  # noqa: E402


def populate(url: str, kind: str, copies: int) -> int:
    """Store the sample calls of ``kind`` (transcripts or audio) ``copies`` times, each copy distinct content."""
    items = [
        item
        for path in discover([SAMPLES_DIR / "calls"])
        for item in read_source(path).items
        if (item.transcript is None) == (kind == "audio")
    ]
    with Store(url) as store:
        for copy in range(copies):
            for item in items:
                clone = Interaction.from_content(
                    f"{item.interaction.sha256}:{copy}".encode(),
                    **item.interaction.model_dump(exclude={"id", "sha256"}),
                )
                transcript = (
                    item.transcript.model_copy(update={"interaction_id": clone.id})
                    if item.transcript
                    else None
                )
                store.save_interaction(clone, transcript, customer_name=item.customer_name)
    return len(items) * copies


def _worker(url: str, settings: Settings, audio: bool, ready, go) -> None:
    engines = Engines(
        settings, whisper_overrides={"temperature": 0.0}
    )  # no fallback resampling: repeatable
    engines.tagger().encode(["warm up"])
    if audio:
        engines.whisper("left", None)
    ready.put(os.getpid())
    go.wait()
    work(url, settings, engines)


def timed_pool(
    url: str, settings: Settings, workers: int, audio: bool, first: Callable[[], object] = int
) -> tuple[float, float]:
    """(seconds from the start signal to an empty queue, seconds the workers took to load their models);
    ``first`` runs on the clock before the workers are let go (e.g. ingesting the files they analyse)."""
    context = multiprocessing.get_context("spawn")
    ready, go = context.Queue(), context.Event()
    settings = per_worker(settings, workers)
    started = time.perf_counter()
    children = [
        context.Process(target=_worker, args=(url, settings, audio, ready, go))
        for _ in range(workers)
    ]
    for child in children:
        child.start()
    for _ in children:
        ready.get(timeout=600)
    loaded = time.perf_counter() - started
    begin = time.perf_counter()
    try:
        first()
    except BaseException:
        for child in children:  # waiting for a start signal that will not come
            child.terminate()
        raise
    go.set()
    for child in children:
        child.join()
    if any(child.exitcode for child in children):
        raise SystemExit("a worker failed")
    return time.perf_counter() - begin, loaded


def measure(kind: str, copies: int, workers: int, runs: int, settings: Settings, tmp: Path) -> dict:
    best, load = float("inf"), 0.0
    for run in range(runs):
        url = f"sqlite:///{tmp / f'{kind}-{workers}-{run}.db'}"
        calls = populate(url, kind, copies)
        seconds, load = timed_pool(url, settings, workers, kind == "audio")
        with Store(url) as store:
            from pipeline.queue import JobQueue

            counts = JobQueue(store).counts()
        if counts != {"done": calls}:
            raise SystemExit(f"not every job finished: {dict(counts)}")
        best = min(best, seconds)
    threads = per_worker(settings, workers).threads or os.cpu_count()
    return {
        "kind": kind,
        "workers": workers,
        "threads": threads,
        "calls": calls,
        "seconds": round(best, 2),
        "calls_per_min": round(calls / best * 60, 1),
        "load_s": round(load, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--audio-copies", type=int, default=4)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--kinds", nargs="+", choices=("transcripts", "audio"), default=["transcripts", "audio"]
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        model = os.environ.get("CALLINTEL_WHISPER_MODEL")
        print(f"audio: Whisper {model or 'tiny.en (bundled)'}")
        settings = Settings(whisper_model=model, database_url=f"sqlite:///{tmp / 'unused.db'}")
        print(
            f"cpu cores: {os.cpu_count()}; best of {args.runs}; models loaded before the clock starts"
        )
        print(
            f"{'input':<12}{'workers':>8}{'threads':>8}{'calls':>7}{'seconds':>9}{'calls/min':>11}{'vs 1':>7}{'load s':>8}"
        )
        for kind, copies in (("transcripts", args.copies), ("audio", args.audio_copies)):
            if kind not in args.kinds:
                continue
            base = None
            for workers in args.workers:
                row = measure(kind, copies, workers, args.runs, settings, tmp)
                base = base or row["calls_per_min"]
                print(
                    f"{kind:<12}{workers:>8}{row['threads']:>8}{row['calls']:>7}{row['seconds']:>9}"
                    f"{row['calls_per_min']:>11}{row['calls_per_min'] / base:>7.2f}{row['load_s']:>8}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
