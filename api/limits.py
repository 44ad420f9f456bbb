"""Request bodies are checked before anything reads them: the token first, then their size.

An ASGI middleware, outside the routes: a request with a body to ``/api/...`` (all but /api/health) and no
valid bearer token is answered 401 before a byte of its body is read, so a stranger cannot fill the disk or
the memory with a body the routes would parse first. Then the size: a ``Content-Length`` over the route's
limit is a 413 at once, and a body sent without one (chunked) is counted as it streams and cut off with a
413 where it passes the limit.

    /api/uploads      CALLINTEL_MAX_UPLOAD_MB  (a recording; the route holds text files to CALLINTEL_MAX_TEXT_MB)
    /api/... others   CALLINTEL_MAX_TEXT_MB    (JSON)
    /dashboard/...    DASHBOARD_MAX_BYTES      (sign-in and sign-out forms)

A JSON body (every ``/api/...`` body but uploads) is also watched as it streams for its nesting: one deeper
than MAX_JSON_DEPTH arrays or objects is a 400 before anything parses it (deep nesting would otherwise end in
a RecursionError, a 500, somewhere between the parser, the validation and the store).
"""

from __future__ import annotations

import json
import re
from typing import Any

from api.auth import verify_token_async
from models.errors import StoreError
from models.settings import Settings

__all__ = ["DASHBOARD_MAX_BYTES", "MAX_JSON_DEPTH", "BodyLimits", "JsonDepth"]

MIB = 1024 * 1024
DASHBOARD_MAX_BYTES = 64 * 1024
_BODY_METHODS = {"POST", "PUT", "PATCH"}
MAX_JSON_DEPTH = 64
_JSON_TOKENS = re.compile(rb'[\[\]{}"\\]')


class _Refused(Exception):
    pass


class JsonDepth:
    """How deep a JSON text nests, fed in chunks (strings and their escapes skipped): ``feed`` is False once it
    goes deeper than ``limit``. Only the structural bytes are looked at, so a long body costs little."""

    def __init__(self, limit: int = MAX_JSON_DEPTH) -> None:
        self.limit, self.depth, self.in_string, self.offset, self.escaped_at = (
            limit,
            0,
            False,
            0,
            -1,
        )

    def feed(self, chunk: bytes) -> bool:
        for match in _JSON_TOKENS.finditer(chunk):
            at, token = self.offset + match.start(), match.group()
            if self.in_string:
                if token == b"\\" and at != self.escaped_at:
                    self.escaped_at = at + 1
                elif token == b'"' and at != self.escaped_at:
                    self.in_string = False
            elif token == b'"':
                self.in_string = True
            elif token in (b"[", b"{"):
                self.depth += 1
                if self.depth > self.limit:
                    return False
            elif token in (b"]", b"}"):
                self.depth -= 1
        self.offset += len(chunk)
        return True


async def _answer(send: Any, status: int, error: str, message: str) -> None:
    body = json.dumps({"error": error, "message": message, "path": None}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimits:
    def __init__(self, app: Any, settings: Settings) -> None:
        self.app, self.settings = app, settings

    def limit(self, path: str) -> int:
        if path.startswith("/dashboard"):
            return DASHBOARD_MAX_BYTES
        if path.rstrip("/") == "/api/uploads":
            return self.settings.max_upload_mb * MIB
        return self.settings.max_text_mb * MIB

    async def _unauthorised(self, scope: dict, headers: dict[bytes, bytes]) -> str | None:
        """Why the request may not send a body here, or None when its token is good (roles are the routes')."""
        path = scope["path"]
        if not path.startswith("/api/") or path.rstrip("/") == "/api/health":
            return None
        scheme, _, secret = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return "missing API token: send 'Authorization: Bearer <token>' (see callintel token create)"
        store = scope["app"].state.callintel.store  # the app's facade's (api/service.py)
        token = await verify_token_async(store, secret.strip())  # api/deps.py's lookup
        return None if token is not None else "invalid or revoked API token"

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        try:
            why = await self._unauthorised(scope, headers)
        except (
            StoreError
        ) as exc:  # outside the app's exception handlers: answered here, as they would
            return await _answer(send, exc.http_status, "StoreError", exc.public()[0])
        if why is not None:
            return await _answer(send, 401, "Unauthorized", why)
        limit = self.limit(scope["path"])
        too_large = f"the request body is larger than {limit // MIB or limit} {'MiB' if limit >= MIB else 'bytes'}"
        declared = headers.get(b"content-length")
        if declared is not None and not declared.isdigit():
            return await _answer(send, 400, "BadRequest", "bad Content-Length")
        if declared is not None and int(declared) > limit:
            return await _answer(send, 413, "TooLarge", too_large)
        return await self._counted(scope, receive, send, limit, too_large)

    def _depth(self, path: str) -> JsonDepth | None:
        is_json = path.startswith("/api/") and path.rstrip("/") != "/api/uploads"
        return JsonDepth() if is_json else None

    async def _counted(
        self, scope: dict, receive: Any, send: Any, limit: int, too_large: str
    ) -> None:
        """Count the body as it streams (and watch a JSON body's depth); past the limit, answer 413 (too deep:
        400) ourselves and drop whatever the app then sends (FastAPI turns any error while it reads a body into
        its own 400)."""
        seen, started, answered, depth = 0, False, False, self._depth(scope["path"])

        async def refuse(status: int, error: str, message: str) -> None:
            nonlocal started, answered
            if not started:
                started = answered = True
                await _answer(send, status, error, message)
            raise _Refused

        async def counting_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                seen += len(body)
                if seen > limit:
                    await refuse(413, "TooLarge", too_large)
                if depth is not None and not depth.feed(body):
                    await refuse(
                        400, "BadRequest", f"the JSON body nests deeper than {depth.limit} levels"
                    )
            return message

        async def watching_send(message: dict) -> None:
            nonlocal started
            if answered:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _Refused:
            pass  # answered in counting_receive
