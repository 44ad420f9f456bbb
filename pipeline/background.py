"""The workers `callintel serve` runs beside the API: uploads are analysed and webhooks sent without a cron job.

Each is a spawned process (it loads its own models, on its first job) that runs the pending jobs, sends the
webhook deliveries that are due, then waits ``POLL_S`` and looks again, until the server stops. The first one
also re-evaluates every customer's risk every CALLINTEL_RISK_REFRESH_S, so that what time alone brings (no
contact for weeks, a usage drop) raises its alerts and webhooks without a cron job. A job it is
running when the server stops is given back if it does not finish within ``STOP_GRACE_S``: the next worker
reclaims it and goes on from its last committed stage.
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
from multiprocessing.synchronize import Event

from models.settings import Settings
from models.store import Store
from pipeline.queue import worker_name
from pipeline.runner import drain, per_worker, queue_for
from pipeline.stages import Engines
from pipeline.webhooks import deliver_due

__all__ = ["POLL_S", "background_workers", "follow", "refresh_risk"]

logger = logging.getLogger("callintel.pipeline")
POLL_S = 2.0
STOP_GRACE_S = 30.0


def refresh_risk(store: Store, settings: Settings) -> int:
    """Evaluate every customer now (or as of CALLINTEL_RISK_AS_OF); returns how many new alerts that raised."""
    from risk.config import load_config
    from risk.engine import evaluate

    assessments = evaluate(store, load_config(settings.risk_config), settings.risk_moment())
    return sum(len(a.alerts) for a in assessments)


def follow(database_url: str, settings: Settings, stop: Event, poll_s: float = POLL_S, refresh: bool = False,
           engines: Engines | None = None) -> None:
    """Run jobs as they arrive, send due webhooks and (``refresh``) re-evaluate risk, until ``stop`` is set."""
    worker, engines = worker_name(), engines or Engines(settings)
    refresh_due = time.monotonic() if refresh and settings.risk_refresh_s > 0 else float("inf")
    with Store(database_url) as store:
        engines.store = store
        queue = queue_for(store, settings)
        while not stop.is_set():
            queue.reclaim_orphans()
            if drain(store, queue, engines, worker, stop=stop.is_set):
                logger.info("%s: the queue is empty again", worker)
            if time.monotonic() >= refresh_due:
                logger.info("%s: risk refreshed, %d new alerts", worker, refresh_risk(store, settings))
                refresh_due = time.monotonic() + settings.risk_refresh_s
            deliver_due(store)
            stop.wait(poll_s)


def _stop_when_orphaned(parent: int, stop: Event) -> None:
    """A server killed outright (SIGKILL, OOM) cannot stop its workers: they notice and stop themselves."""
    while not stop.wait(1.0):
        if os.getppid() != parent:
            logger.warning("the server (pid %d) is gone: stopping", parent)
            stop.set()


def _child(database_url: str, settings: Settings, stop: Event, verbose: bool, refresh: bool, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which then stops its workers
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    threading.Thread(target=_stop_when_orphaned, args=(parent, stop), daemon=True).start()
    follow(database_url, settings, stop, refresh=refresh)


@contextmanager
def background_workers(database_url: str, settings: Settings, workers: int) -> Iterator[int]:
    """``workers`` following processes for the duration of the block (none when 0)."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    settings, verbose = per_worker(settings, max(1, workers)), logging.getLogger().isEnabledFor(logging.INFO)
    children = [context.Process(target=_child, args=(database_url, settings, stop, verbose, i == 0, os.getpid()),
                                name=f"callintel-serve-worker-{i}", daemon=True) for i in range(workers)]
    for child in children:
        child.start()
    try:
        yield len(children)
    finally:
        stop.set()
        for child in children:
            child.join(STOP_GRACE_S)
            if child.is_alive():
                child.terminate()
                child.join(5)
