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
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import get_args

from sqlalchemy import Update, select, update
from sqlalchemy.exc import SQLAlchemyError

from models.errors import InputError
from models.records import TokenRole
from models.store import BUSY_TIMEOUT_MS, Store, rowcount
from models.tables import ApiTokenRow

__all__ = [
    "ROLES",
    "ApiToken",
    "Role",
    "create_token",
    "list_tokens",
    "record_quietly",
    "revoke_token",
    "token_record",
    "verify_token",
]

Role = TokenRole
ROLES: tuple[str, ...] = get_args(Role)
PREFIX = "ci_"
LAST_USED_RESOLUTION = timedelta(minutes=1)
logger = logging.getLogger("callintel.api")


@dataclass(frozen=True)
class ApiToken:
    id: int
    name: str
    role: Role
    rep: str | None
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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
        row = ApiTokenRow(
            name=name,
            role=role,
            rep=rep if role == "rep" else None,
            prefix=secret[:10],
            token_hash=_hash(secret),
        )
        session.add(row)
        session.flush()
        return token_record(row), secret


def verify_token(store: Store, secret: str) -> ApiToken | None:
    """The live token with this secret (its last use recorded), or None."""
    if not secret.startswith(PREFIX):
        return None
    with store.transaction() as session:
        row = session.scalars(
            select(ApiTokenRow).where(ApiTokenRow.token_hash == _hash(secret))
        ).first()
        if row is None or row.revoked_at is not None:
            return None
        token = token_record(row)
    now = datetime.now(UTC)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        _touch(store, token.id, now)  # at most one write a minute per token, not one per request
    return token


def _touch(store: Store, token_id: int, now: datetime) -> None:
    record_quietly(
        store,
        update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=now),
        f"token {token_id}: last use",
    )


def record_quietly(store: Store, statement: Update, what: str) -> None:
    """Run a bookkeeping write (a last use) if the database takes it at once: a read never waits on it."""
    sqlite = store.engine.dialect.name == "sqlite"
    try:
        with store.engine.connect() as connection:
            connection.exec_driver_sql(
                "PRAGMA busy_timeout=0" if sqlite else "SET lock_timeout = '100ms'"
            )
            try:
                connection.execute(statement)
                connection.commit()
            finally:
                connection.rollback()
                connection.exec_driver_sql(
                    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}" if sqlite else "RESET lock_timeout"
                )
                connection.commit()
    except SQLAlchemyError:
        logger.debug("%s not recorded (the database is busy)", what)


def list_tokens(store: Store) -> list[ApiToken]:
    with store.transaction() as session:
        return [
            token_record(row)
            for row in session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))
        ]


def revoke_token(store: Store, token_id: int) -> bool:
    with store.transaction() as session:
        revoked = session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        return rowcount(revoked) == 1
