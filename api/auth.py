"""API tokens and who may do what.

A token is ``ci_`` + 43 random URL-safe characters; the store keeps only its SHA-256 (a token has 256 bits
of entropy, so a fast hash is enough) and its first characters to tell tokens apart. Roles:

    admin     everything, including webhooks
    manager   every interaction, the flagged queue, customers, timelines, search; uploads
    rep       only the interactions whose rep is the token's rep; uploads (as that rep)
    crm       customers, health, timelines, risk signals and alerts; pushes usage events
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import get_args

import anyio.to_thread

from models import tokens_repo
from models.errors import InputError
from models.records import TokenRole
from models.store import Store
from models.tokens_repo import ApiToken

__all__ = [
    "ROLES",
    "ApiToken",
    "Role",
    "Verified",
    "create_token",
    "list_tokens",
    "revoke_token",
    "verify_token",
    "verify_token_async",
]

Role = TokenRole
ROLES: tuple[str, ...] = get_args(Role)
PREFIX = "ci_"
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    store: Store, role: str, name: str, rep: str | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once; only its hash is stored)."""
    if role not in ROLES:
        raise InputError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
    if role == "rep" and not rep:
        raise InputError("a rep token needs --rep NAME: a rep sees only their own calls")
    secret = PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as session:
        rep = rep if role == "rep" else None
        token = tokens_repo.add_token(session, name, role, rep, secret[:10], _hash(secret))
    return token, secret


def _due(token: ApiToken, now: datetime) -> bool:
    """Whether this request records the token's last use: at most one write a minute per token."""
    return token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION


def _record_use(store: Store, token: ApiToken, now: datetime) -> None:
    store.write_quietly(tokens_repo.token_used(token.id, now), f"token {token.id}: last use")


@dataclass(frozen=True)
class Verified:
    """A credential check's answer and the last-use write it owes (None when none is due). The sync and the
    async check (here and api/sessions.py) share the lookup and differ only in how they run that write."""

    token: ApiToken | None
    write: Callable[[], None] | None = None

    def settle(self) -> ApiToken | None:
        """The token, the write (if any) done on this thread."""
        if self.write is not None:
            self.write()
        return self.token

    async def settle_async(self) -> ApiToken | None:
        """The token, the write (if any) done in the thread pool: a commit may wait on the disk or a lock."""
        if self.write is not None:
            await anyio.to_thread.run_sync(self.write)
        return self.token


def _verify(store: Store, secret: str) -> Verified:
    """The live token with this secret, and its last-use write when one is due."""
    if not secret.startswith(PREFIX):
        return Verified(None)
    token = tokens_repo.live_token(store, _hash(secret))
    now = datetime.now(UTC)
    if token is not None and _due(token, now):
        return Verified(token, functools.partial(_record_use, store, token, now))
    return Verified(token)


def verify_token(store: Store, secret: str) -> ApiToken | None:
    """The live token with this secret (its last use recorded), or None."""
    return _verify(store, secret).settle()


async def verify_token_async(store: Store, secret: str) -> ApiToken | None:
    """``verify_token`` for the event loop (every API request's token dependency, api/deps.py). The lookup runs
    inline on both backends: one indexed read (tens of microseconds from a local SQLite file; on PostgreSQL one
    round trip in autocommit, about a tenth of a ms on loopback) costs less than a hop to the thread pool and
    back, which at concurrency 8 cost PostgreSQL's routes more than the read blocks the loop (README: the
    fifteenth session). The rare last-use write hops (a commit may wait on the disk or a lock)."""
    return await _verify(store, secret).settle_async()


def list_tokens(store: Store) -> list[ApiToken]:
    with store.transaction() as session:
        return tokens_repo.list_tokens(session)


def revoke_token(store: Store, token_id: int) -> bool:
    with store.transaction() as session:
        return tokens_repo.revoke_token(session, token_id, datetime.now(UTC))
