"""``callintel serve`` with several web processes (``--web-workers``, CALLINTEL_WEB_WORKERS): uvicorn's own
supervisor (``uvicorn.supervisors.Multiprocess``) over the one listening socket ``serve`` bound.

One process serves requests one at a time as far as Python's CPU work goes (the GIL), so a single worker answers
8 concurrent reads one after another; N processes answer N at once. What must run once stays in the parent:
the pipeline worker pool (api/cli.py ``serve``, pipeline/background.py: its first worker runs the hourly risk
refresh and the webhook deliveries), so the refresh never runs twice. Each web process opens its own store
(SQLite: WAL and a busy timeout, models/database.py, as the pipeline's processes already do) and sweeps the
upload folder at start (api/uploads.py ``sweep_orphans``, which leaves a live upload's files alone). The pool's
status, which /api/health reports, is copied into shared memory every ``PUBLISH_S`` by a thread of the parent,
since the web processes cannot ask the pool themselves. The rate limiter's buckets (api/ratelimit.py) are each
process's own: with N processes a token may make up to N times CALLINTEL_RATE_LIMIT requests a minute.
"""

from __future__ import annotations

import functools
import multiprocessing
import socket
import threading
from typing import TYPE_CHECKING, Any, Protocol

from fastapi import FastAPI

from models.settings import Settings

if TYPE_CHECKING:
    from pipeline.background import WorkerPool

__all__ = ["PUBLISH_S", "SharedStatus", "WorkerStatus", "serve_processes", "web_app"]

PUBLISH_S = 1.0  # how often the parent copies the pool's status for the web processes' /api/health
STATUS_KEYS = ("expected", "running", "restarts")


class WorkerStatus(Protocol):
    """What /api/health asks of serve's pipeline workers (pipeline.background.WorkerPool, or its copy)."""

    def status(self) -> dict[str, int]: ...


class SharedStatus:
    """The pool's status as the parent last saw it, in shared memory that spawned web processes inherit."""

    def __init__(self) -> None:
        self._values: Any = multiprocessing.get_context("spawn").Array("q", len(STATUS_KEYS))

    def publish(self, pool: WorkerStatus) -> None:
        now = pool.status()
        with self._values.get_lock():
            self._values[:] = [now[key] for key in STATUS_KEYS]

    def status(self) -> dict[str, int]:
        with self._values.get_lock():
            return dict(zip(STATUS_KEYS, self._values[:], strict=True))


def web_app(settings: Settings, workers: WorkerStatus | None) -> FastAPI:
    """The app of one web process (uvicorn's factory: called in the process, after it starts)."""
    from api.app import create_app

    return create_app(settings, workers=workers, warm=True)


# How long uvicorn's supervisor waits for a web process to answer its health ping before it kills and replaces
# it (uvicorn's default is 5 s). The answer comes from a thread that needs the interpreter lock, which a process
# busy with requests on a saturated machine can hold off for seconds: at load average 15-20 on 2 cores the
# default killed busy processes mid-request ("Child process died"). A hung process is still replaced.
HEALTHCHECK_S = 30


def _publishing(pool: WorkerStatus, shared: SharedStatus, stop: threading.Event) -> None:
    shared.publish(pool)
    while not stop.wait(PUBLISH_S):
        shared.publish(pool)


def serve_processes(
    settings: Settings, listening: socket.socket, processes: int, pool: WorkerPool | None
) -> None:
    """Serve on ``listening`` from ``processes`` web processes until SIGINT or SIGTERM (uvicorn's supervisor
    restarts one that dies, then stops them all)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    shared = SharedStatus() if pool is not None else None
    stop = threading.Event()
    if pool is not None and shared is not None:
        publisher = threading.Thread(
            target=_publishing, args=(pool, shared, stop), daemon=True, name="callintel-status"
        )
        publisher.start()
    factory = functools.partial(web_app, settings, shared)
    host, port = listening.getsockname()[:2]
    config = uvicorn.Config(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=processes,
        log_level="info",
        timeout_worker_healthcheck=HEALTHCHECK_S,
    )
    try:
        Multiprocess(config, sockets=[listening]).run()
    finally:
        stop.set()
