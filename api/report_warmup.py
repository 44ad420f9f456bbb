"""Start-up warming of the book-wide reports: each web process of ``callintel serve`` computes, in one background
thread and one at a time, the reports its default requests ask for (``GET /api/portfolio``, ``/api/segments``,
``/api/contacts``, ``/api/reps``, ``/dashboard/portfolio``, ``/dashboard/segments``, ``/dashboard/contacts``
without a query), so that their first visitor does not pay for them (0.7 to 22 s each on a 10,000-customer
book). Whether it is done is in ``/api/health``'s ``reports`` (with a random id of the process, so that a
client of several processes can tell when each is warm: bench/api_portfolio.py waits for that before timing).

The hourly refresh runs in serve's pipeline worker, another process: the web processes see its writes as a new
store version, and stale-while-revalidate (api/report_cache.py) recomputes what is asked after it.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.service import Callintel

__all__ = ["Warmup", "default_reports"]

logger = logging.getLogger("callintel.reports")

API_SEGMENTS_LIMIT = 50  # GET /api/segments's default limit (api/routes_portfolio.py)
API_CONTACTS_LIMIT = 100  # GET /api/contacts's default limit (api/routes_contacts.py)


def default_reports(callintel: Callintel) -> list[Callable[[], Any]]:
    """The reports the default API and dashboard requests ask for, each as a call that computes (or finds) it
    with the same arguments, judged at the moment those requests use."""
    from api.dashboard import PAGE_SIZE
    from api.dashboard_contacts import SHOWN
    from models.rfm_repo import SegmentFilter
    from portfolio.contact_report import CustomerFilter

    def at() -> Any:
        return callintel.report_moment()

    return [
        lambda: callintel.portfolio(at()),  # /api/portfolio, /dashboard/portfolio
        lambda: callintel.contact_summary(at()),  # /dashboard/portfolio
        lambda: callintel.segments(at(), SegmentFilter(), API_SEGMENTS_LIMIT, 0),  # /api/segments
        lambda: callintel.segments(at(), SegmentFilter(), PAGE_SIZE, 0),  # /dashboard/segments
        lambda: callintel.contacts(at(), limit=1),  # /api/reps
        lambda: callintel.contacts(at(), limit=API_CONTACTS_LIMIT),  # /api/contacts
        lambda: callintel.contacts(
            at(), limit=SHOWN, wanted=CustomerFilter()
        ),  # /dashboard/contacts
    ]


class Warmup:
    """One background thread computing ``default_reports`` one at a time; ``stop`` ends it between reports."""

    def __init__(self, callintel: Callintel) -> None:
        self.callintel = callintel
        self.process = secrets.token_hex(
            4
        )  # tells this web process's health answers from another's
        self.done = threading.Event()
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="callintel-warmup", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after the report being computed (a closing store must not be read), and wait for that."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def status(self) -> dict[str, Any]:
        """``/api/health``'s ``reports``: whether the default reports are computed, in which process."""
        return {"warm": self.done.is_set(), "failed": self.failed, "process": self.process}

    def _run(self) -> None:
        try:
            for report in default_reports(self.callintel):
                if self._stop.is_set():
                    return
                try:
                    report()
                except Exception as exc:  # noqa: BLE001 - logged: a request for it will fail as it would
                    self.failed += 1
                    logger.error("warming a book-wide report failed: %r", exc)
        finally:
            self.done.set()
