"""How fresh a web request's book-wide reports are: what it accepts, and what it got (api/report_cache.py).

``ReportFreshness`` (ASGI middleware) opens a ``ReportRequest`` for each HTTP request: it accepts a stale kept
report (at most CALLINTEL_REPORT_STALE_SECONDS old) unless the request says ``Cache-Control: no-cache``, and it
collects how fresh each report the route used was (``Callintel._report`` adds to it, from the route's thread: the
thread pool runs the route in a copy of this context, which holds the same record). A response that used a
report carries, besides its unchanged body:

- ``Age``: seconds since the oldest report it used was computed (standard HTTP; 0: computed for this request);
- ``X-Report-Freshness``: ``current`` (every report it used is current for the store's version, the
  configuration and the minute) or ``stale`` (one was not: a current one is being computed; ask again, or ask
  with ``Cache-Control: no-cache`` to wait for it).

Outside a web request (the CLI, the tests' direct calls, start-up warming) there is no ``ReportRequest``: the
reports are always current.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.report_cache import Served

__all__ = ["ReportFreshness", "ReportRequest", "open_request", "report_request", "wants_current"]

FRESHNESS_HEADER = "X-Report-Freshness"


@dataclass
class ReportRequest:
    """One web request's reports: whether it accepts a stale one, and how fresh those it got were."""

    accept_stale: bool
    served: list[Served] = field(default_factory=list)

    def headers(self) -> dict[str, str]:
        """``Age`` and ``X-Report-Freshness`` for the reports served; none when no report was."""
        if not self.served:
            return {}
        age = math.floor(max(s.age_s for s in self.served))
        stale = any(s.stale for s in self.served)
        return {"Age": str(age), FRESHNESS_HEADER: "stale" if stale else "current"}


_CURRENT: ContextVar[ReportRequest | None] = ContextVar("callintel_report_request", default=None)


def report_request() -> ReportRequest | None:
    """The web request being answered in this context, None outside one."""
    return _CURRENT.get()


@contextmanager
def open_request(accept_stale: bool) -> Iterator[ReportRequest]:
    """A web request's ``ReportRequest``, this context's while the block runs."""
    request = ReportRequest(accept_stale)
    token = _CURRENT.set(request)
    try:
        yield request
    finally:
        _CURRENT.reset(token)


def wants_current(headers: Headers) -> bool:
    """``Cache-Control: no-cache`` (or ``Pragma: no-cache``, HTTP/1.0's): the client waits for a current answer."""
    directives = {d.strip().lower() for d in headers.get("cache-control", "").split(",")}
    return "no-cache" in directives or headers.get("pragma", "").strip().lower() == "no-cache"


class ReportFreshness:
    """Opens each HTTP request's ``ReportRequest`` and writes its headers onto the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with open_request(accept_stale=not wants_current(Headers(scope=scope))) as request:

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    MutableHeaders(scope=message).update(request.headers())
                await send(message)

            await self.app(scope, receive, sending)
