"""API tokens and dashboard sessions: their rows (only hashes of secrets are stored).

Functions over the caller's Session (but ``live_token``, every API request's read: a driver read on the
Database, models/database.py ``first_row``). Making secrets, hashing them and deciding who may do what is api/auth.py's
and api/sessions.py's; a last use is recorded with ``Database.write_quietly`` and the statements built here
(``token_used``, ``session_seen``), so that a read never waits on that bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Update, bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from models.database import Database, rowcount
from models.records import TokenRole
from models.tables import ApiTokenRow, DashboardSessionRow

__all__ = [
    "ApiToken",
    "LiveSession",
    "add_session",
    "add_token",
    "delete_session",
    "list_tokens",
    "live_session",
    "live_token",
    "revoke_token",
    "session_seen",
    "token_record",
    "token_used",
]


@dataclass(frozen=True)
class ApiToken:
    id: int
    name: str
    role: TokenRole
    rep: str | None
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class LiveSession:
    """A dashboard session that has not ended, with its token."""

    id: int
    last_seen_at: datetime
    token: ApiToken


def token_record(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        row.id,
        row.name,
        row.role,
        row.rep,
        row.prefix,
        row.created_at,
        row.last_used_at,
        row.revoked_at,
    )


# -- tokens ---------------------------------------------------------------------------------------------


def add_token(
    session: Session, name: str, role: str, rep: str | None, prefix: str, token_hash: str
) -> ApiToken:
    row = ApiTokenRow(name=name, role=role, rep=rep, prefix=prefix, token_hash=token_hash)
    session.add(row)
    session.flush()
    return token_record(row)


# built once, and run as a driver read (models/database.py ``Database.first_row``): every API request makes it,
# and SQLAlchemy's execution and result layers cost several times the read itself
_TOKEN_COLUMNS = tuple(
    getattr(ApiTokenRow, name)
    for name in ("id", "name", "role", "rep", "prefix", "created_at", "last_used_at", "revoked_at")
)  # ApiToken's fields, in its order
_LIVE_TOKEN = select(*_TOKEN_COLUMNS).where(
    ApiTokenRow.token_hash == bindparam("token_hash"), ApiTokenRow.revoked_at.is_(None)
)


def live_token(database: Database, token_hash: str) -> ApiToken | None:
    """The unrevoked token with this hash, or None (a driver read, in no transaction of the caller's)."""
    found = database.first_row(_LIVE_TOKEN, {"token_hash": token_hash})
    return ApiToken(*found) if found is not None else None


def token_used(token_id: int, now: datetime) -> Update:
    """The statement that records a token's last use (for ``Database.write_quietly``)."""
    return update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=now)


def list_tokens(session: Session) -> list[ApiToken]:
    return [
        token_record(row) for row in session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))
    ]


def revoke_token(session: Session, token_id: int, now: datetime) -> bool:
    """Revoke the token if it is live; whether it was."""
    revoked = session.execute(
        update(ApiTokenRow)
        .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return rowcount(revoked) == 1


# -- dashboard sessions -----------------------------------------------------------------------------------


def add_session(
    session: Session,
    session_hash: str,
    token_id: int,
    now: datetime,
    expires_at: datetime,
    idle_since: datetime,
) -> None:
    """A new session, begun ``now``; sessions ended by then (expired, or idle since ``idle_since``) are swept."""
    session.execute(
        delete(DashboardSessionRow).where(
            or_(
                DashboardSessionRow.expires_at <= now,
                DashboardSessionRow.last_seen_at <= idle_since,
            )
        )
    )
    session.add(
        DashboardSessionRow(
            session_hash=session_hash,
            token_id=token_id,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )


# built once, and run as a driver read (as ``_LIVE_TOKEN``): every dashboard page makes it; its times are
# compared here (a driver read takes no parameter that needs converting, as a time does on SQLite)
_LIVE_SESSION = (
    select(
        DashboardSessionRow.id,
        DashboardSessionRow.last_seen_at,
        DashboardSessionRow.expires_at,
        *_TOKEN_COLUMNS,
    )
    .join(ApiTokenRow, ApiTokenRow.id == DashboardSessionRow.token_id)
    .where(
        DashboardSessionRow.session_hash == bindparam("session_hash"),
        ApiTokenRow.revoked_at.is_(None),
    )
)


def live_session(
    database: Database, session_hash: str, now: datetime, idle_since: datetime
) -> LiveSession | None:
    """The session with this hash if it has not expired, was seen after ``idle_since`` and its token is live
    (a driver read, in no transaction of the caller's)."""
    found = database.first_row(_LIVE_SESSION, {"session_hash": session_hash})
    if found is None:
        return None
    session_id, last_seen, expires, *token = found
    if expires <= now or last_seen <= idle_since:
        return None
    return LiveSession(session_id, last_seen, ApiToken(*token))


def session_seen(session_id: int, now: datetime) -> Update:
    """The statement that records a session's last request (for ``Database.write_quietly``)."""
    return (
        update(DashboardSessionRow)
        .where(DashboardSessionRow.id == session_id)
        .values(last_seen_at=now)
    )


def delete_session(session: Session, session_hash: str) -> None:
    session.execute(
        delete(DashboardSessionRow).where(DashboardSessionRow.session_hash == session_hash)
    )
