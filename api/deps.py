"""FastAPI dependencies: the facade (api/service.py), the caller's token, role checks (as ``Annotated`` aliases).

The JSON API reads the token from ``Authorization: Bearer``; the dashboard from its session (api/sessions.py), whose
id is in the HttpOnly, SameSite=Strict cookie its login form sets (never both: a cookie alone cannot call the API,
so no cross-site request can). The dashboard's forms that change state are refused from any other origin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import ApiToken
from api.service import Callintel
from models.errors import Forbidden, LoginRequired, Unauthorized

__all__ = [
    "COOKIE",
    "CursorParam",
    "ServiceDep",
    "TokenDep",
    "allow",
    "check_role",
    "keyset_cursor",
    "same_origin",
    "viewer",
]

COOKIE = "callintel_session"
C = TypeVar("C")
CursorParam = Annotated[
    str | None, Query(max_length=1024, description="Start after this place: a page's X-Next-Cursor")
]


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
_bearer = HTTPBearer(auto_error=False, description="An API token from `callintel token create`.")


def _token(
    callintel: ServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiToken:
    if credentials is None:
        raise Unauthorized(
            "missing API token: send 'Authorization: Bearer <token>' (see callintel token create)"
        )
    token = callintel.verify_token(credentials.credentials)
    if token is None:
        raise Unauthorized("invalid or revoked API token")
    return token


TokenDep = Annotated[ApiToken, Depends(_token)]


def check_role(token: ApiToken, roles: tuple[str, ...]) -> ApiToken:
    if token.role not in roles:
        raise Forbidden(f"a {token.role} token cannot do this (allowed: {', '.join(roles)})")
    return token


def allow(*roles: str) -> Callable[[ApiToken], Awaitable[ApiToken]]:
    """A dependency that lets only these roles through (403 otherwise): async, as it only compares, so it costs
    no thread hop (the token's lookup, ``_token``, does I/O and stays in the thread pool)."""

    async def check(token: TokenDep) -> ApiToken:
        return check_role(token, roles)

    return check


def _cookie_token(request: Request, callintel: ServiceDep) -> ApiToken:
    secret = request.cookies.get(COOKIE)
    token = callintel.session_token(secret) if secret else None
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
