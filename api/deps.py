"""FastAPI dependencies: the store, the caller's token, role checks (as ``Annotated`` aliases)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import ApiToken, verify_token
from models.errors import CallintelError
from models.settings import Settings
from models.store import Store

__all__ = ["Forbidden", "SettingsDep", "StoreDep", "TokenDep", "Unauthorized", "allow"]


class Unauthorized(CallintelError):
    http_status = 401


class Forbidden(CallintelError):
    http_status = 403


def _store(request: Request) -> Store:
    return request.app.state.store


def _settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(_store)]
SettingsDep = Annotated[Settings, Depends(_settings)]
_bearer = HTTPBearer(auto_error=False, description="An API token from `callintel token create`.")


def _token(store: StoreDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> ApiToken:
    if credentials is None:
        raise Unauthorized("missing API token: send 'Authorization: Bearer <token>' (see callintel token create)")
    token = verify_token(store, credentials.credentials)
    if token is None:
        raise Unauthorized("invalid or revoked API token")
    return token


TokenDep = Annotated[ApiToken, Depends(_token)]


def allow(*roles: str) -> Callable[[ApiToken], ApiToken]:
    """A dependency that lets only these roles through (403 otherwise)."""

    def check(token: TokenDep) -> ApiToken:
        if token.role not in roles:
            raise Forbidden(f"a {token.role} token cannot do this (allowed: {', '.join(roles)})")
        return token

    return check
