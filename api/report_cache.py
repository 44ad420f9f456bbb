"""The book-wide reports' answers, kept while the store and the reports' configuration are unchanged.

The portfolio, the RFM segments and the contact reports read the whole book on every request (0.7 to 5 s on a
10,000-customer book); each is a pure function of the store, its configuration files and the moment. A
``ReportCache`` keeps the last answers (the computed records, not bytes) in a small LRU keyed by the report, its
arguments, the moment, the store's version (models/store_version.py: bumped by every transaction that changes
data) and the configuration files' stamps: an answer is reused only while all of them are the same, so it is
exactly as fresh as a computed one. Thread-safe: the web routes run in a thread pool; the lock guards the
table, never a computation (two requests missing at once both compute; the second answer stored wins).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["ReportCache", "file_stamp", "minute_of"]

T = TypeVar("T")


def file_stamp(path: Path) -> tuple[int, int] | None:
    """A configuration file's (modification time, size), None when it cannot be read (its report then
    computes, and fails as it would)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def minute_of(moment: datetime | None = None) -> datetime:
    """``moment`` (default now, UTC) rounded down to its minute: the moment a report asked for "now" is
    judged at, so that the same report within a minute is the same answer."""
    return (moment or datetime.now(UTC)).replace(second=0, microsecond=0)


class ReportCache:
    """The last ``size`` answers by key, least recently used dropped first; ``size`` 0 keeps none."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def answer(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer stored under ``key``, else ``compute()``'s (stored unless it raised)."""
        if self.size <= 0:
            return compute()
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                found: T = self._answers[key]
                return found
        computed = compute()
        with self._lock:
            self._answers[key] = computed
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return computed

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)
