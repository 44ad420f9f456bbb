"""Dashboard sessions: what the sign-in cookie holds instead of the API token itself.

Signing in with a token starts a session: a random id (256 bits) goes into the cookie, the store keeps only
its SHA-256, tied to the token. A session ends CALLINTEL_SESSION_HOURS after it began, after
CALLINTEL_SESSION_IDLE_MINUTES without a request, when its token is revoked, or when the user signs out
(its row is deleted). Its last request is recorded at most once a minute, and never waits on a lock.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from api.auth import LAST_USED_RESOLUTION, ApiToken, Verified
from models import tokens_repo
from models.settings import Settings
from models.store import Store

__all__ = ["end_session", "session_token", "session_token_async", "start_session"]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _idle(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.session_idle_minutes)


def start_session(store: Store, token: ApiToken, settings: Settings) -> str:
    """A new session for this (live) token; its secret, for the cookie. Ended sessions are swept on the way."""
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires = now + timedelta(hours=settings.session_hours)
    with store.transaction() as session:
        tokens_repo.add_session(
            session, _hash(secret), token.id, now, expires, now - _idle(settings)
        )
    return secret


def _check(store: Store, secret: str, settings: Settings) -> Verified:
    """The token of the live session with this secret, and its last-request write when one is due."""
    now = datetime.now(UTC)
    found = tokens_repo.live_session(store, _hash(secret), now, now - _idle(settings))
    if found is None:
        return Verified(None)
    if _seen_due(found, now, settings):
        return Verified(found.token, functools.partial(_record_seen, store, found.id, now))
    return Verified(found.token)


def session_token(store: Store, secret: str, settings: Settings) -> ApiToken | None:
    """The token of the live session with this secret (its last request recorded), or None."""
    return _check(store, secret, settings).settle()


async def session_token_async(store: Store, secret: str, settings: Settings) -> ApiToken | None:
    """``session_token`` for the event loop (every dashboard page's session check, api/deps.py): the lookup is
    one driver read, run inline as the API token's is (api/auth.py ``verify_token_async``); the rare
    last-request write hops to the thread pool."""
    return await _check(store, secret, settings).settle_async()


def _seen_due(found: tokens_repo.LiveSession, now: datetime, settings: Settings) -> bool:
    """Whether the session's last request is worth recording: at most one write a minute or so."""
    return now - found.last_seen_at > min(LAST_USED_RESOLUTION, _idle(settings) / 10)


def _record_seen(store: Store, session_id: int, now: datetime) -> None:
    store.write_quietly(
        tokens_repo.session_seen(session_id, now), f"session {session_id}: last request"
    )


def end_session(store: Store, secret: str) -> None:
    """Sign out: the session is deleted (its cookie opens nothing from now on)."""
    with store.transaction() as session:
        tokens_repo.delete_session(session, _hash(secret))
