"""Requests per minute per API token (CALLINTEL_RATE_LIMIT): a token bucket each, in this process's memory.

An ASGI middleware (inside the host and header layer of api/security.py): each request to ``/api/...``
(but /api/health) or ``/dashboard/...`` (but its static files) takes one token from its caller's bucket.
A bucket holds CALLINTEL_RATE_LIMIT tokens (the burst)
and refills evenly at that many a minute; an empty one answers 429 with ``Retry-After`` (whole seconds until a
token is back) before the request reaches the store or a route.

The caller is the API token: the bearer token on /api, the token of the sign-in session's cookie on /dashboard, keyed by the
token's id (so the same token counts once across both). A request without a valid token is keyed by its client
address, so inventing tokens buys nothing. The buckets live in memory: each ``callintel serve`` process counts
on its own (several processes behind a balancer allow that many times the rate), and a restart refills them.
Behind a reverse proxy every anonymous request has the proxy's address, so they share one bucket.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio

from api.auth import ApiToken
from api.deps import COOKIE
from models.errors import StoreError
from models.settings import Settings

__all__ = ["Bucket", "RateLimit", "RateLimiter"]

MAX_KEYS = 10_000  # buckets kept; the least recently used go first (a fresh bucket is a full one)
_EXEMPT = ("/api/health", "/dashboard/static/")


@dataclass
class Bucket:
    tokens: float
    at: float


class RateLimiter:
    """``per_minute`` requests a minute per key, bursts up to that many; ``take`` says how long to wait, or 0."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity, self.per_second, self.clock = float(per_minute), per_minute / 60.0, clock
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()

    def take(self, key: str) -> float:
        """Take one request from ``key``'s bucket: 0.0 when it may go ahead, else the seconds until it may."""
        now = self.clock()
        bucket = self.buckets.pop(key, None) or Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        self.buckets[key] = bucket
        while len(self.buckets) > MAX_KEYS:
            self.buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.per_second


class RateLimit:
    """The middleware: off (a pass-through) when CALLINTEL_RATE_LIMIT is 0."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit > 0 else None
        self.known: OrderedDict[str, int] = (
            OrderedDict()
        )  # SHA-256 of a valid secret -> its token's id

    def _secret(self, scope: dict) -> str | None:
        headers = dict(scope["headers"])
        if scope["path"].startswith("/dashboard"):
            cookies = headers.get(b"cookie", b"").decode("latin-1")
            found = [
                v
                for k, _, v in (c.strip().partition("=") for c in cookies.split(";"))
                if k == COOKIE
            ]
            return found[0].strip('"') if found else None
        scheme, _, secret = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None

    def _lookup(self, scope: dict, secret: str) -> ApiToken | None:
        """The token behind a bearer secret, or behind a dashboard session's cookie."""
        callintel = scope["app"].state.callintel  # the app's facade (api/service.py)
        if scope["path"].startswith("/dashboard"):
            return callintel.session_token(secret)
        return callintel.verify_token(secret)

    async def _key(self, scope: dict) -> str:
        """``token:<id>`` for a valid token, else ``client:<address>``."""
        secret = self._secret(scope)
        if secret:
            digest = hashlib.sha256(secret.encode()).hexdigest()
            if digest not in self.known:
                try:
                    token = await anyio.to_thread.run_sync(self._lookup, scope, secret)
                except StoreError:
                    token = None  # keyed by address; the route answers 503
                if token is not None:
                    self.known[digest] = token.id
                    while len(self.known) > MAX_KEYS:
                        self.known.popitem(last=False)
            if digest in self.known:
                return f"token:{self.known[digest]}"
        client = scope.get("client")
        return f"client:{client[0] if client else 'unknown'}"

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        limited = path.startswith(("/api/", "/dashboard")) and not path.startswith(_EXEMPT)
        if self.limiter is None or scope["type"] != "http" or not limited:
            return await self.app(scope, receive, send)
        wait = self.limiter.take(await self._key(scope))
        if wait <= 0:
            return await self.app(scope, receive, send)
        retry = max(1, math.ceil(wait))
        body = json.dumps(
            {
                "error": "TooManyRequests",
                "path": None,
                "message": f"more than {int(self.limiter.capacity)} requests a minute with this token "
                f"(CALLINTEL_RATE_LIMIT): try again in {retry} s",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(retry).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
