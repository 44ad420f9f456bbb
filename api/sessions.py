"""Dashboard sessions: what the sign-in cookie holds instead of the API token itself.

Signing in with a token starts a session: a random id (256 bits) goes into the cookie, the store keeps only
its SHA-256, tied to the token. A session ends CALLINTEL_SESSION_HOURS after it began, after
CALLINTEL_SESSION_IDLE_MINUTES without a request, when its token is revoked, or when the user signs out
(its row is deleted). Its last request is recorded at most once a minute, and never waits on a lock.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, select, update

from api.auth import LAST_USED_RESOLUTION, ApiToken, record_quietly, token_record
from models.settings import Settings
from models.store import Store
from models.tables import ApiTokenRow, DashboardSessionRow

__all__ = ["end_session", "session_token", "start_session"]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _idle(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.session_idle_minutes)


def start_session(store: Store, token: ApiToken, settings: Settings) -> str:
    """A new session for this (live) token; its secret, for the cookie. Ended sessions are swept on the way."""
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.transaction() as session:
        session.execute(
            delete(DashboardSessionRow).where(
                or_(
                    DashboardSessionRow.expires_at <= now,
                    DashboardSessionRow.last_seen_at <= now - _idle(settings),
                )
            )
        )
        session.add(
            DashboardSessionRow(
                session_hash=_hash(secret),
                token_id=token.id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=settings.session_hours),
            )
        )
    return secret


def session_token(store: Store, secret: str, settings: Settings) -> ApiToken | None:
    """The token of the live session with this secret (its last request recorded), or None."""
    now = datetime.now(UTC)
    with store.transaction() as session:
        found = session.execute(
            select(DashboardSessionRow.id, DashboardSessionRow.last_seen_at, ApiTokenRow)
            .join(ApiTokenRow, ApiTokenRow.id == DashboardSessionRow.token_id)
            .where(
                DashboardSessionRow.session_hash == _hash(secret),
                DashboardSessionRow.expires_at > now,
                DashboardSessionRow.last_seen_at > now - _idle(settings),
                ApiTokenRow.revoked_at.is_(None),
            )
        ).first()
        if found is None:
            return None
        session_id, last_seen, row = found
        token = token_record(row)
    if now - last_seen > min(
        LAST_USED_RESOLUTION, _idle(settings) / 10
    ):  # at most one write a minute or so
        record_quietly(
            store,
            update(DashboardSessionRow)
            .where(DashboardSessionRow.id == session_id)
            .values(last_seen_at=now),
            f"session {session_id}: last request",
        )
    return token


def end_session(store: Store, secret: str) -> None:
    """Sign out: the session is deleted (its cookie opens nothing from now on)."""
    with store.transaction() as session:
        session.execute(
            delete(DashboardSessionRow).where(DashboardSessionRow.session_hash == _hash(secret))
        )
