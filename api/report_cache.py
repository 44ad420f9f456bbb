"""The book-wide reports' answers: one computation per question at a time, kept, and served stale for a bounded
time while a current one is computed.

The portfolio, the RFM segments and the contact reports read the whole book on every request (0.7 to 22 s on a
10,000-customer book); each is a pure function of the store, its configuration files and the moment. A
``ReportCache`` keeps the last answer of each *slot* (a report and its arguments) with what it is current for
(its *freshness*: the store's version, models/store_version.py, bumped by every transaction that changes data;
the configuration files' stamps; the minute when it was asked for "now"), in a small LRU of slots:

- **current**: the kept answer's freshness is the one asked for: returned as it is.
- **single flight**: otherwise one thread computes the answer for (slot, freshness) and every other thread that
  asks for it meanwhile waits for that answer (a ``Future``): eight requests missing at once cost one
  computation, not eight. An exception reaches every waiter and nothing is kept.
- **stale while revalidate**: a kept answer that is no longer current, asked by a caller that accepts it
  (``stale_ok``: a web request without ``Cache-Control: no-cache``, api/freshness.py) and at most
  ``stale_s`` seconds old, is returned at once, marked stale with its age, and ONE background thread computes the
  current answer, which replaces it. Older than ``stale_s`` (or ``stale_s`` 0), the caller waits for a current
  one. The CLI and every caller outside a web request accept no stale answer.

Thread-safe: the web routes run in a thread pool; the lock guards the tables, never a computation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from time import time as wall_clock
from typing import Any, TypeVar

__all__ = ["CURRENT", "Kept", "ReportCache", "Served", "file_stamp"]

T = TypeVar("T")
logger = logging.getLogger("callintel.reports")


def file_stamp(path: Path) -> tuple[int, int] | None:
    """A configuration file's (modification time, size), None when it cannot be read (its report then
    computes, and fails as it would)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@dataclass(frozen=True)
class Served:
    """How fresh an answer handed out was: seconds since it was computed, and whether it was stale (computed
    for an older freshness than the one asked for)."""

    age_s: float
    stale: bool


CURRENT = Served(0.0, False)  # computed for this very question


@dataclass(frozen=True)
class Kept:
    """A slot's kept answer: the value, the freshness it was computed for, when (wall clock, seconds) it was
    computed and when its computation started (monotonic: a slower, older computation never replaces it)."""

    value: Any
    fresh: Hashable
    computed_at: float
    started: float

    def served(self, stale: bool) -> Served:
        return Served(max(0.0, wall_clock() - self.computed_at), stale)


class ReportCache:
    """The last answers of ``size`` slots, least recently used dropped first (``size`` 0: compute every time,
    no single flight); stale answers up to ``stale_s`` seconds old to callers that accept them."""

    def __init__(self, size: int, stale_s: float = 0.0) -> None:
        self.size = size
        self.stale_s = stale_s
        self.computations = 0  # computations started: what the tests count
        self._kept: OrderedDict[Hashable, Kept] = OrderedDict()
        self._flights: dict[tuple[Hashable, Hashable], Future[Any]] = {}
        self._background: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def answer(
        self, slot: Hashable, fresh: Hashable, compute: Callable[[], T], stale_ok: bool = False
    ) -> tuple[T, Served]:
        """``slot``'s answer current for ``fresh`` (kept, or computed once however many ask at once), or with
        ``stale_ok`` a kept stale one at most ``stale_s`` old while a background thread computes the current."""
        if self.size <= 0:
            self.computations += 1
            return compute(), CURRENT
        with self._lock:
            kept = self._kept.get(slot)
            if kept is not None:
                self._kept.move_to_end(slot)
                if kept.fresh == fresh:
                    return kept.value, kept.served(stale=False)
                if stale_ok and self._young(kept):
                    self._revalidate(slot, fresh, compute)
                    return kept.value, kept.served(stale=True)
            flight, leader = self._flight(slot, fresh)
        if leader:
            self._run(slot, fresh, compute, flight)
        return flight.result(), CURRENT

    def settle(self, timeout: float | None = None) -> bool:
        """Wait for the background computations started so far (and those they start); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                running = next(iter(self._background), None)
            if running is None:
                return True
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            running.join(left)
            if running.is_alive():
                return False

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)

    def _young(self, kept: Kept) -> bool:
        return self.stale_s > 0 and wall_clock() - kept.computed_at <= self.stale_s

    def _flight(self, slot: Hashable, fresh: Hashable) -> tuple[Future[Any], bool]:
        """The computation under way for (slot, fresh), or a new one (True: the caller runs it). Locked."""
        found = self._flights.get((slot, fresh))
        if found is not None:
            return found, False
        flight: Future[Any] = Future()
        self._flights[(slot, fresh)] = flight
        self.computations += 1
        return flight, True

    def _revalidate(self, slot: Hashable, fresh: Hashable, compute: Callable[[], Any]) -> None:
        """One background computation of (slot, fresh), unless one is under way. Locked."""
        flight, leader = self._flight(slot, fresh)
        if not leader:
            return
        thread = threading.Thread(
            target=self._background_run,
            args=(slot, fresh, compute, flight),
            name="callintel-report",
            daemon=True,
        )
        self._background.add(thread)
        thread.start()

    def _background_run(
        self, slot: Hashable, fresh: Hashable, compute: Callable[[], Any], flight: Future[Any]
    ) -> None:
        try:
            self._run(slot, fresh, compute, flight)
            error = flight.exception()  # nobody to raise it to: logged, the stale answer stays
            if error is not None:
                logger.error("recomputing a book-wide report failed: %r", error)
        finally:
            with self._lock:
                self._background.discard(threading.current_thread())

    def _run(
        self, slot: Hashable, fresh: Hashable, compute: Callable[[], Any], flight: Future[Any]
    ) -> None:
        """Compute, keep the answer (unless a computation started later was kept first), then hand it (or the
        exception, not kept) to every waiter."""
        started = time.monotonic()
        try:
            value = compute()
        except BaseException as exc:
            with self._lock:
                del self._flights[(slot, fresh)]
            flight.set_exception(exc)
            return
        with self._lock:
            kept = self._kept.get(slot)
            if kept is None or kept.started <= started:
                self._kept[slot] = Kept(value, fresh, wall_clock(), started)
                self._kept.move_to_end(slot)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
            del self._flights[(slot, fresh)]
        flight.set_result(value)
