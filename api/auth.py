"""API tokens and who may do what.

A token is ``ci_`` + 43 random URL-safe characters; the store keeps only its SHA-256 (a token has 256 bits
of entropy, so a fast hash is enough) and its first characters to tell tokens apart. Roles:

    admin     everything, including webhooks
    manager   every interaction, the flagged queue, customers, timelines, search; uploads
    rep       only the interactions whose rep is the token's rep; uploads (as that rep)
    crm       customers, health, timelines, risk signals and alerts; pushes usage events
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import get_args

from models import tokens_repo
from models.errors import InputError
from models.records import TokenRole
from models.store import Store
from models.tokens_repo import ApiToken

__all__ = [
    "ROLES",
    "ApiToken",
    "Role",
    "create_token",
    "list_tokens",
    "revoke_token",
    "verify_token",
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


def verify_token(store: Store, secret: str) -> ApiToken | None:
    """The live token with this secret (its last use recorded), or None."""
    if not secret.startswith(PREFIX):
        return None
    with store.reading() as connection:  # each API request asks: no ORM session
        token = tokens_repo.live_token(connection, _hash(secret))
    if token is None:
        return None
    now = datetime.now(UTC)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        store.write_quietly(  # at most one write a minute per token, not one per request
            tokens_repo.token_used(token.id, now), f"token {token.id}: last use"
        )
    return token


def list_tokens(store: Store) -> list[ApiToken]:
    with store.transaction() as session:
        return tokens_repo.list_tokens(session)


def revoke_token(store: Store, token_id: int) -> bool:
    with store.transaction() as session:
        return tokens_repo.revoke_token(session, token_id, datetime.now(UTC))
