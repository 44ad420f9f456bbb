"""The distributed pipeline: Celery workers with a Redis broker running the same stages as the embedded pool.

With CALLINTEL_BROKER_URL set, pending jobs are sent as ``callintel.run_job`` tasks (one per job) and
``callintel worker`` processes run them: each task claims its job in the store exactly as an embedded worker
does (compare-and-set under a lease) and runs the remaining stages, committing each with the job's progress.
Tasks are acknowledged late and rejected when their worker process dies, so Redis hands a killed worker's
task to another worker, which takes the job over from its last committed stage; a task for a job that is
already done, or held by a live worker, does nothing. The store (PostgreSQL when workers run on several
machines) stays the one record of what is done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import lru_cache

from celery import Celery
from celery.signals import worker_process_init
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

from models.errors import BrokerUnavailable, ConfigError
from models.settings import Settings
from models.store import Store
from pipeline.queue import worker_name
from pipeline.runner import PoolReport, attempt, queue_for
from pipeline.stages import Engines
from pipeline.webhooks import deliver_due

__all__ = ["TASK", "celery_app", "check_broker", "dispatch", "run_distributed", "run_worker"]

logger = logging.getLogger("callintel.pipeline")
TASK = "callintel.run_job"
QUEUE = "callintel"
CONNECT_TIMEOUT_S = 3.0  # a broker that does not answer in this long is reported, not waited on


def _broker(settings: Settings) -> str:
    """The configured broker URL; ConfigError when there is none (Celery would try amqp://localhost)."""
    if not settings.broker_url:
        raise ConfigError(
            "the distributed pipeline needs a broker: set CALLINTEL_BROKER_URL (e.g. redis://localhost:6379/0)"
        )
    return settings.broker_url


@lru_cache(maxsize=4)
def celery_app(broker_url: str, lease_s: float = 120.0) -> Celery:
    app = Celery("callintel", broker=broker_url)
    app.conf.update(
        task_acks_late=True,  # a task is done when its job is, not when a worker takes it
        task_reject_on_worker_lost=True,  # a worker process killed mid-task gives the task back
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=CONNECT_TIMEOUT_S,
        broker_transport_options={
            "visibility_timeout": max(60, int(lease_s * 2)),
            "socket_connect_timeout": CONNECT_TIMEOUT_S,
        },
        task_publish_retry_policy={
            "max_retries": 1,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 0.5,
        },
        worker_proc_alive_timeout=300,  # a worker process loads its models before it takes tasks
        worker_hijack_root_logger=False,
    )
    app.task(name=TASK, ignore_result=True)(run_job_task)
    return app


# --- in the worker processes ---------------------------------------------------------------------------------


# The settings ``run_worker`` was given (by the facade's caller: ``callintel worker``); its worker processes are
# forked from it and read them here, not from the environment again.
_worker_settings: Settings | None = None


@lru_cache(maxsize=1)
def _process_state() -> tuple[Settings, Store, Engines]:
    settings = _worker_settings
    if settings is None:
        raise ConfigError(
            "a callintel worker process is started by 'callintel worker' (run_worker)"
        )
    store = Store(settings.database_url)
    engines = Engines(settings)
    engines.store = store
    return settings, store, engines


@worker_process_init.connect
def _load_models(**_: object) -> None:
    """Each worker process opens the store and loads the tagger before it takes a task."""
    engines = _process_state()[2]
    engines.tagger()


def run_job_task(interaction_id: str) -> str:
    settings, store, engines = _process_state()
    queue = queue_for(store, settings)
    queue.reclaim_orphans()  # a worker process that died on this host: its job is free again at once
    worker = worker_name()
    job = queue.claim_job(interaction_id, worker)
    if job is None:
        return "not claimable (done, failed, or held by a live worker)"
    done = attempt(job, store, queue, engines, worker)
    deliver_due(store, settings)
    if not done and (again := queue.job(interaction_id)) is not None and again.status == "queued":
        celery_app(_broker(settings), settings.job_lease_s).send_task(
            TASK, args=[interaction_id], countdown=2**again.attempts
        )
    return "done" if done else "failed"


# --- on the dispatching side ---------------------------------------------------------------------------------


def check_broker(broker_url: str) -> None:
    """BrokerUnavailable (one line, the URL without its password) unless the broker answers within seconds."""
    try:
        with celery_app(broker_url).connection_for_write() as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=CONNECT_TIMEOUT_S
            )
    except (OperationalError, OSError) as exc:
        raise BrokerUnavailable(maybe_sanitize_url(broker_url), exc) from None


def dispatch(store: Store, settings: Settings, interaction_ids: list[str] | None = None) -> int:
    """Send a task for these jobs, or for every pending one (queued, or running under an expired lease);
    BrokerUnavailable when the broker cannot be reached."""
    broker = _broker(settings)
    app = celery_app(broker, settings.job_lease_s)
    pending = (
        interaction_ids if interaction_ids is not None else queue_for(store, settings).pending_ids()
    )
    try:
        for interaction_id in pending:
            app.send_task(TASK, args=[interaction_id])
    except (OperationalError, OSError) as exc:
        raise BrokerUnavailable(maybe_sanitize_url(broker), exc) from None
    return len(pending)


def run_distributed(
    database_url: str,
    settings: Settings,
    on_progress: Callable[[int, int], None] | None = None,
    poll_s: float = 0.5,
    timeout_s: float | None = None,
) -> PoolReport:
    """Dispatch the pending jobs to the Celery workers and wait until none is pending."""
    started = time.perf_counter()
    with Store(database_url) as store:
        queue = queue_for(store, settings)
        counts = queue.counts()
        base, total = counts["done"] + counts["failed"], counts["queued"] + counts["running"]
        dispatch(store, settings)
        while True:
            counts = queue.counts()
            if on_progress is not None:
                on_progress(counts["done"] + counts["failed"] - base, total)
            if counts["queued"] + counts["running"] == 0:
                break
            if timeout_s is not None and time.perf_counter() - started > timeout_s:
                break
            time.sleep(poll_s)
    return PoolReport(
        counts["done"],
        counts["failed"],
        counts["queued"] + counts["running"],
        round(time.perf_counter() - started, 3),
    )


def run_worker(settings: Settings, concurrency: int, loglevel: str = "INFO") -> None:
    """Run a Celery worker (prefork, ``concurrency`` processes) until it is stopped; BrokerUnavailable at once
    when the broker cannot be reached at the start (a worker already running waits for it to come back)."""
    global _worker_settings
    broker = _broker(settings)
    check_broker(broker)
    _worker_settings = settings
    app = celery_app(broker, settings.job_lease_s)
    app.worker_main(
        [
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--queues",
            QUEUE,
            "--loglevel",
            loglevel,
            "--hostname",
            f"callintel-{worker_name().replace(':', '-')}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
    )
