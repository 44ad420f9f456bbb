"""The workers `callintel serve` runs beside the API: uploads are analysed and webhooks sent without a cron job.

Each is a spawned process (it loads its own models, on its first job) that runs the pending jobs, then waits
``POLL_S`` and looks again, until the server stops. The first one also re-evaluates every customer's risk every
CALLINTEL_RISK_REFRESH_S, so that what time alone brings (no contact for weeks, a usage drop) raises its alerts
and webhooks without a cron job, and sends the webhook deliveries that are due from a thread of its own
(``deliver_forever``): a slow or dead receiver holds up only other deliveries, never analysis. A job it is
running when the server stops is given back if it does not finish within ``STOP_GRACE_S``: the next worker
reclaims it and goes on from its last committed stage.

A failure inside one round (a database locked by another process, a bug) is logged and the round tried again
after a backoff (``poll_s`` doubled per failure in a row, at most ``MAX_BACKOFF_S``); a worker process that
dies all the same is started again by the server (``WorkerPool``), which reports its workers in /api/health.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from models.errors import CallintelError
from models.settings import Settings
from models.store import Store
from pipeline.queue import worker_name
from pipeline.runner import drain, per_worker, queue_for
from pipeline.stages import Engines
from pipeline.webhooks import deliver_due

__all__ = [
    "POLL_S",
    "WorkerPool",
    "background_workers",
    "deliver_forever",
    "follow",
    "refresh_risk",
    "remind",
]

logger = logging.getLogger("callintel.pipeline")
POLL_S = 2.0
STOP_GRACE_S = 30.0
MAX_BACKOFF_S = 60.0
SUPERVISE_S = 1.0


def refresh_risk(store: Store, settings: Settings) -> int:
    """Evaluate now (or as of CALLINTEL_RISK_AS_OF) the customers whose data changed or who were not evaluated
    today (risk/refresh.py: incremental, in bounded batches); returns how many new alerts that raised."""
    from risk.config import load_config
    from risk.playbooks import load_playbooks
    from risk.refresh import refresh

    config = load_config(settings.risk_config)
    playbooks = load_playbooks(settings.risk_playbooks, config)
    done = refresh(store, config, settings.risk_moment(), playbooks=playbooks)
    remind(store, settings)  # E: follow-up task reminders
    return len(done.alerts)


# -- E: follow-up task reminders (portfolio/tasks.py), raised with every risk refresh --


def remind(store: Store, settings: Settings) -> int:
    """Raise the due reminders (overdue tasks, red customers left alone); how many tasks were reminded."""
    from portfolio.tasks import raise_reminders

    reminders = raise_reminders(store, settings.risk_moment(), settings.reminder_days)
    if reminders.reminded:
        logger.info("%d follow-up tasks overdue: their owners reminded", len(reminders.reminded))
    return len(reminders.reminded)


def deliver_forever(
    database_url: str, settings: Settings, stop: threading.Event, poll_s: float = POLL_S
) -> None:
    """Send the webhook deliveries that are due, every ``poll_s``, until ``stop`` is set (a failing round is
    logged, one line for a CallintelError such as a wrong CALLINTEL_SECRET_KEY, and retried after a backoff)."""
    failures = 0
    with Store(database_url, migrate=False) as store:
        while not stop.is_set():
            try:
                deliver_due(store, settings, stop=stop.is_set)
                failures = 0
            except CallintelError as exc:
                failures += 1
                logger.error("webhook deliveries failed (%d in a row): %s", failures, exc)
            except Exception:
                failures += 1
                logger.exception("webhook deliveries failed (%d in a row); trying again", failures)
            stop.wait(min(MAX_BACKOFF_S, poll_s * 2**failures))


def follow(
    database_url: str,
    settings: Settings,
    stop: threading.Event,
    poll_s: float = POLL_S,
    refresh: bool = False,
    engines: Engines | None = None,
    deliver: bool = False,
) -> None:
    """Run jobs as they arrive and (``refresh``) re-evaluate risk, until ``stop`` is set; with ``deliver``, a
    thread beside it sends the due webhooks."""
    worker, engines = worker_name(), engines or Engines(settings)
    refresh_due = [time.monotonic() if refresh and settings.risk_refresh_s > 0 else float("inf")]
    failures = 0
    with Store(database_url) as store, _delivering(database_url, settings, stop, poll_s, deliver):
        engines.store = store
        queue = queue_for(store, settings)
        while not stop.is_set():
            try:
                _round(store, queue, engines, worker, settings, stop, refresh_due)
                failures = 0
            except Exception:  # one bad round is logged and retried: the worker never dies of it
                failures += 1
                logger.exception("%s: round failed (%d in a row); trying again", worker, failures)
            stop.wait(min(MAX_BACKOFF_S, poll_s * 2**failures))


@contextmanager
def _delivering(
    database_url: str, settings: Settings, stop: threading.Event, poll_s: float, deliver: bool
) -> Iterator[None]:
    """The delivery thread for the block (none unless ``deliver``); it ends with ``stop``."""
    if not deliver:
        yield
        return
    thread = threading.Thread(
        target=deliver_forever,
        args=(database_url, settings, stop, poll_s),
        name="callintel-webhooks",
        daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(STOP_GRACE_S)


def _round(
    store: Store,
    queue,
    engines: Engines,
    worker: str,
    settings: Settings,
    stop: threading.Event,
    refresh_due: list[float],
) -> None:
    queue.reclaim_orphans()
    if drain(store, queue, engines, worker, stop=stop.is_set):
        logger.info("%s: the queue is empty again", worker)
    if time.monotonic() >= refresh_due[0]:
        logger.info("%s: risk refreshed, %d new alerts", worker, refresh_risk(store, settings))
        refresh_due[0] = time.monotonic() + settings.risk_refresh_s


def _watch(parent: int, asked: list[bool], stop: threading.Event) -> None:
    """Sets ``stop`` when the server asks (SIGTERM) or is gone (killed outright: SIGKILL, OOM).

    No synchronisation object is shared with the server: a process killed while it waits on a shared
    multiprocessing.Event leaves that Event's ``set()`` blocked for good in every other process."""
    while not stop.wait(0.5):
        if asked:
            stop.set()
        elif os.getppid() != parent:
            logger.warning("the server (pid %d) is gone: stopping", parent)
            stop.set()


def _child(
    database_url: str, settings: Settings, verbose: bool, refresh: bool, parent: int
) -> None:
    signal.signal(
        signal.SIGINT, signal.SIG_IGN
    )  # Ctrl-C stops the server, which then stops its workers
    asked: list[bool] = []
    signal.signal(
        signal.SIGTERM, lambda *_: asked.append(True)
    )  # no locks in a handler: the watcher acts on it
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s"
    )
    stop = threading.Event()
    threading.Thread(target=_watch, args=(parent, asked, stop), daemon=True).start()
    follow(
        database_url, settings, stop, refresh=refresh, deliver=refresh
    )  # the first worker delivers


class WorkerPool:
    """The server's worker processes, watched: one that dies is started again, and counted. They are stopped
    with SIGTERM (a job still running after STOP_GRACE_S is given back), then killed."""

    def __init__(self, database_url: str, settings: Settings, workers: int) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._closing = threading.Event()
        self._args = (database_url, per_worker(settings, max(1, workers)))
        self._verbose = logging.getLogger().isEnabledFor(logging.INFO)
        self.children = [self._start(i) for i in range(workers)]
        self.restarts = 0
        self._watch = threading.Thread(
            target=self._supervise, daemon=True, name="callintel-worker-supervisor"
        )
        self._watch.start()

    def _start(self, index: int):
        database_url, settings = self._args
        child = self._context.Process(
            target=_child,
            args=(database_url, settings, self._verbose, index == 0, os.getpid()),
            name=f"callintel-serve-worker-{index}",
            daemon=True,
        )
        child.start()
        return child

    def _supervise(self) -> None:
        while not self._closing.wait(SUPERVISE_S):
            for index, child in enumerate(self.children):
                if child.exitcode is not None and not self._closing.is_set():
                    logger.warning(
                        "worker %s (pid %s) exited with %s: starting it again",
                        child.name,
                        child.pid,
                        child.exitcode,
                    )
                    self.restarts += 1
                    self.children[index] = self._start(index)

    def status(self) -> dict[str, int]:
        """What /api/health reports: workers expected, running now, and restarted since the server started."""
        return {
            "expected": len(self.children),
            "running": sum(c.is_alive() for c in self.children),
            "restarts": self.restarts,
        }

    def close(self) -> None:
        self._closing.set()
        self._watch.join(SUPERVISE_S * 2)
        for child in self.children:
            child.terminate()  # SIGTERM: the worker finishes its round and stops
        deadline = time.monotonic() + STOP_GRACE_S
        for child in self.children:
            child.join(max(0.0, deadline - time.monotonic()))
            if child.is_alive():
                child.kill()
                child.join(5)


@contextmanager
def background_workers(database_url: str, settings: Settings, workers: int) -> Iterator[WorkerPool]:
    """``workers`` following processes, restarted when they die, for the duration of the block (none when 0)."""
    pool = WorkerPool(database_url, settings, workers)
    try:
        yield pool
    finally:
        pool.close()
