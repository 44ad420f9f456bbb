"""FastAPI dependencies: the facade (api/service.py), the caller's token, role checks (as ``Annotated`` aliases).

The JSON API reads the token from ``Authorization: Bearer``; the dashboard from its session (api/sessions.py), whose
id is in the HttpOnly, SameSite=Strict cookie its login form sets (never both: a cookie alone cannot call the API,
so no cross-site request can). The dashboard's forms that change state are refused from any other origin.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio.to_thread
from fastapi import Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import TypeAdapter

from api.auth import ApiToken, verify_token_async
from api.service import Callintel
from api.sessions import session_token_async
from models.errors import Forbidden, LoginRequired, Unauthorized

__all__ = [
    "COOKIE",
    "CursorParam",
    "ServiceDep",
    "TokenDep",
    "allow",
    "check_role",
    "json_answer",
    "keyset_cursor",
    "same_origin",
    "sqlite_inline",
    "viewer",
]

COOKIE = "callintel_session"
C = TypeVar("C")
T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")
CursorParam = Annotated[
    str | None, Query(max_length=1024, description="Start after this place: a page's X-Next-Cursor")
]


def json_answer(adapter: TypeAdapter[T], value: T, next_cursor: str | None = None) -> Response:
    """``value`` answered as FastAPI answers a route's response model (its serialiser's JSON bytes, pydantic's
    ``dump_json``, in a Response of ``application/json``), with a page's ``X-Next-Cursor`` if any. A route
    returning it keeps its ``response_model`` for /openapi.json, and FastAPI does not validate what it built
    again (for a sync route, in a second hop to the thread pool)."""
    answer = Response(adapter.dump_json(value), media_type="application/json")
    if next_cursor is not None:
        answer.headers["X-Next-Cursor"] = next_cursor
    return answer


def keyset_cursor(token: str | None, read: Callable[[str], C]) -> C | None:
    """The page's cursor as ``read`` (a cursor's decode: models/keyset.py) gives it; a 422 naming
    ``query.cursor`` for anything a page of that list did not give."""
    if token is None:
        return None
    try:
        return read(token)
    except ValueError as exc:
        error = {"loc": ("query", "cursor"), "msg": str(exc), "type": "value_error"}
        raise RequestValidationError([error]) from None


async def _callintel(request: Request) -> Callintel:
    """The app's one facade (api/service.py): every route and page reaches the library through it (async: no
    I/O, so FastAPI runs it on the event loop rather than hopping to its thread pool and back)."""
    return request.app.state.callintel


ServiceDep = Annotated[Callintel, Depends(_callintel)]


class _Bearer(HTTPBearer):
    """The caller's API token from ``Authorization: Bearer`` (401 without a live one) and, given ``roles``, the
    role check (403), as ONE async dependency: FastAPI solves one dependency a route instead of a chain of
    three (the scheme, the facade, the lookup), and the lookup itself does not hop to the thread pool
    (api/auth.py ``verify_token_async``). Still FastAPI's HTTPBearer scheme, so /openapi.json says the same."""

    def __init__(self, roles: tuple[str, ...] | None = None) -> None:
        super().__init__(
            auto_error=False,
            scheme_name="HTTPBearer",
            description="An API token from `callintel token create`.",
        )
        self.roles = roles

    async def __call__(self, request: Request) -> ApiToken:  # type: ignore[override]
        scheme, secret = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "bearer" or not secret:
            raise Unauthorized(
                "missing API token: send 'Authorization: Bearer <token>' (see callintel token create)"
            )
        token = await verify_token_async(request.app.state.callintel.store, secret)
        if token is None:
            raise Unauthorized("invalid or revoked API token")
        return token if self.roles is None else check_role(token, self.roles)


TokenDep = Annotated[ApiToken, Depends(_Bearer())]


def check_role(token: ApiToken, roles: tuple[str, ...]) -> ApiToken:
    if token.role not in roles:
        raise Forbidden(f"a {token.role} token cannot do this (allowed: {', '.join(roles)})")
    return token


def allow(*roles: str) -> Callable[[Request], Awaitable[ApiToken]]:
    """A dependency that lets only a live token of these roles through (401, 403 otherwise): the token's
    dependency with the role check in the same call."""
    return _Bearer(roles)


async def _cookie_token(request: Request, callintel: ServiceDep) -> ApiToken:
    """The dashboard's token, from its session cookie; async, so the lookup runs on the event loop as the API
    token's does (a sync dependency hops to the thread pool and back on every page)."""
    secret = request.cookies.get(COOKIE)
    token = (
        await session_token_async(callintel.store, secret, callintel.settings) if secret else None
    )
    if token is None:
        raise LoginRequired(
            "sign in with an API token" if not secret else "your session has ended: sign in again"
        )
    return token


def same_origin(request: Request) -> None:
    """A form that changes state (sign-in, sign-out, an alert's step) must come from a page of this server: its
    Origin is ours."""
    origin = request.headers.get("origin")
    if origin != f"{request.url.scheme}://{request.url.netloc}":
        raise Forbidden(
            f"a form from another site ({origin or 'no Origin header'}) cannot sign in or out, "
            "or change anything, here"
        )


def viewer(*roles: str) -> Callable[[ApiToken], Awaitable[ApiToken]]:
    """The dashboard's version of ``allow``: the token comes from the login cookie."""

    async def check(token: Annotated[ApiToken, Depends(_cookie_token)]) -> ApiToken:
        return check_role(token, roles)

    return check


def sqlite_inline(
    hop: Callable[[dict[str, Any]], bool] | None = None,
) -> Callable[[Callable[P, R]], Callable[P, Awaitable[R]]]:
    """A sync read route (one with a ``callintel`` parameter, that writes nothing) made async: on SQLite run on
    the event loop, where its reads are the process's own CPU work and FastAPI's hop of a sync route to the
    thread pool and back costs more than it saves (0.1-1.4 ms of a uvicorn process's CPU a request at
    concurrency 8 on the 10k book); in the thread pool as before on PostgreSQL, whose reads wait on the network,
    and where ``hop`` of the route's arguments says the request is a long one (a recomputation at a moment: the
    loop would stall every other request of the process for it; one customer with no stored evaluation is
    still recomputed on the loop). FastAPI reads the route's own signature and docstring
    (``functools.wraps``): the same parameters, the same /openapi.json."""

    def served_by(route: Callable[P, R]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(route)
        async def served(*args: P.args, **kwargs: P.kwargs) -> R:
            callintel = kwargs["callintel"]
            sqlite = isinstance(callintel, Callintel) and callintel.store.dialect == "sqlite"
            if sqlite and (hop is None or not hop(kwargs)):
                return route(*args, **kwargs)
            return await anyio.to_thread.run_sync(functools.partial(route, *args, **kwargs))

        return served

    return served_by
