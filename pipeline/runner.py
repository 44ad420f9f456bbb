"""Workers: claim a job, run its remaining stages, commit each stage's output with the job's progress.

``work`` is one worker's loop (until the queue is empty); ``run_jobs`` runs a pool of them, in this process
for one worker or as separate processes (spawned, so each loads its own models) for more.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from models.analysis import Job
from models.errors import CallintelError, ConfigError, InputError, LeaseLost, ModelUnavailable
from models.settings import Settings
from models.store import Store
from pipeline.queue import JobQueue, worker_name
from pipeline.stages import BY_NAME, Engines, persist, stages_after
from pipeline.webhooks import deliver_due

__all__ = [
    "PoolReport",
    "attempt",
    "drain",
    "per_worker",
    "queue_for",
    "run_job",
    "run_jobs",
    "work",
]

logger = logging.getLogger("callintel.pipeline")
PERMANENT = (
    InputError,
    ModelUnavailable,
    ConfigError,
)  # retrying cannot help: a user must change something


@dataclass(frozen=True)
class PoolReport:
    done: int
    failed: int
    queued: int
    seconds: float


def queue_for(store: Store, settings: Settings) -> JobQueue:
    return JobQueue(store, lease_s=settings.job_lease_s, max_attempts=settings.max_attempts)


@contextmanager
def _heartbeat(queue: JobQueue, interaction_id: str, worker: str):
    """Renew the lease every third of it while a stage runs (a long recording can take minutes)."""
    stop = threading.Event()
    period = queue.lease.total_seconds() / 3

    def beat() -> None:
        while not stop.wait(period):
            queue.heartbeat(interaction_id, worker)

    thread = threading.Thread(target=beat, name=f"heartbeat-{interaction_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_job(job: Job, store: Store, queue: JobQueue, engines: Engines, worker: str) -> None:
    """Run the stages after ``job.stage``; each stage's output and progress commit together."""
    with _heartbeat(queue, job.interaction_id, worker):
        for stage in stages_after(job.stage):
            stored = store.get_interaction(job.interaction_id)
            if stored is None:
                raise InputError(f"interaction {job.interaction_id} is no longer stored")
            output = BY_NAME[stage].run(engines, stored)
            with store.transaction() as session:
                persist(session, stage, job.interaction_id, output)
                queue.advance(session, job.interaction_id, worker, stage)
            logger.info("%s: %s done", job.interaction_id, stage)
    queue.finish(job.interaction_id, worker)


def attempt(job: Job, store: Store, queue: JobQueue, engines: Engines, worker: str) -> bool:
    try:
        run_job(job, store, queue, engines, worker)
        return True
    except LeaseLost as exc:
        logger.warning("%s", exc)
    except PERMANENT as exc:
        queue.fail(job.interaction_id, worker, str(exc), retry=False)
    except (KeyboardInterrupt, SystemExit):
        queue.release(job.interaction_id, worker)
        raise
    except (
        Exception
    ) as exc:  # a bug or a transient failure: recorded on the job, retried while attempts remain
        logger.debug("job %s failed", job.interaction_id, exc_info=True)
        message = str(exc) if isinstance(exc, CallintelError) else f"{type(exc).__name__}: {exc}"
        queue.fail(job.interaction_id, worker, message, retry=True)
    return False


def drain(
    store: Store,
    queue: JobQueue,
    engines: Engines,
    worker: str,
    on_job: Callable[[Job, bool], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> int:
    """Claim and run jobs until none is left (or ``stop()``); returns how many finished."""
    finished = 0
    while not stop() and (job := queue.claim(worker)) is not None:
        ok = attempt(job, store, queue, engines, worker)
        finished += ok
        if on_job is not None:
            on_job(job, ok)
    return finished


def work(
    database_url: str,
    settings: Settings,
    engines: Engines | None = None,
    on_job: Callable[[Job, bool], None] | None = None,
) -> int:
    """One worker: run jobs until none is left to claim; returns how many it finished."""
    engines = engines or Engines(settings)
    with Store(database_url) as store:
        engines.store = store
        return drain(store, queue_for(store, settings), engines, worker_name(), on_job)


def _child(database_url: str, settings: Settings, verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s"
    )
    try:
        work(database_url, settings)
    except KeyboardInterrupt:
        pass


def run_jobs(
    database_url: str,
    settings: Settings,
    workers: int = 1,
    engines: Engines | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> PoolReport:
    """Run every pending job with ``workers`` workers; ``on_progress(finished, total)`` while they work.

    With CALLINTEL_BROKER_URL set the jobs go to the Celery workers instead (pipeline.distributed)."""
    if settings.broker_url:
        from pipeline.distributed import run_distributed

        return run_distributed(database_url, settings, on_progress)
    started = time.perf_counter()
    with Store(database_url) as store:
        queue = queue_for(store, settings)
        queue.reclaim_orphans()
        counts = queue.counts()
        total = counts["queued"] + counts["running"]
        base = counts["done"] + counts["failed"]

        def progress(*_: object) -> None:
            if on_progress is not None:
                now = queue.counts()
                on_progress(now["done"] + now["failed"] - base, total)

        if workers == 1:
            work(database_url, settings, engines, on_job=progress)
        else:
            _pool(database_url, settings, workers, progress)
        final = queue.counts()
        deliver_due(
            store, settings
        )  # the webhooks the jobs raised (a failed delivery waits for its retry)
    return PoolReport(
        final["done"],
        final["failed"],
        final["queued"] + final["running"],
        round(time.perf_counter() - started, 3),
    )


def per_worker(settings: Settings, workers: int) -> Settings:
    """With ``threads`` unset, the cores are shared out among the workers instead of each taking them all."""
    if settings.threads or workers == 1:
        return settings
    return settings.model_copy(update={"threads": max(1, (os.cpu_count() or 1) // workers)})


def _pool(
    database_url: str, settings: Settings, workers: int, progress: Callable[[], None]
) -> None:
    context = multiprocessing.get_context("spawn")
    settings = per_worker(settings, workers)
    verbose = logging.getLogger().isEnabledFor(logging.INFO)
    children = [
        context.Process(
            target=_child, args=(database_url, settings, verbose), name=f"callintel-worker-{i}"
        )
        for i in range(workers)
    ]
    for child in children:
        child.start()
    try:
        while any(child.is_alive() for child in children):
            progress()
            time.sleep(0.5)
    finally:
        for child in children:
            child.join(timeout=30)
    progress()
