"""Usage events (logins, features used, pages visited), pushed by the CRM or product analytics.

Functions over the caller's Session. An event is stored once: inserted ``ON CONFLICT DO NOTHING`` on its dedup
key, in statements of ``USAGE_BATCH`` rows, so that a file of 440,000 events is one transaction of bounded
INSERTs (under SQLite's and PostgreSQL's limits on bound variables) and re-running it stores nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import convert
from models.accounts_repo import dialect_insert
from models.database import batched
from models.records import UsageEvent
from models.tables import UsageEventRow

__all__ = ["USAGE_BATCH", "add_usage_events", "latest_usage_time", "list_usage_events"]

USAGE_BATCH = 2_000  # usage events per INSERT statement: bounded whatever the file's size


def add_usage_events(session: Session, events: Iterable[UsageEvent]) -> int:
    """Insert the events whose dedup key is not stored yet (here or by a concurrent transaction); keys in
    sorted order, so concurrent writers never wait in a cycle. Their customers must exist. How many were new."""
    by_key = {event.dedup_key(): event for event in events}
    statement = dialect_insert(session, UsageEventRow).on_conflict_do_nothing(
        index_elements=["dedup_key"]
    )
    new = 0
    for keys in batched(sorted(by_key), USAGE_BATCH):
        rows = [{**by_key[key].model_dump(), "dedup_key": key} for key in keys]
        new += len(session.scalars(statement.returning(UsageEventRow.id), rows).all())
    return new


def list_usage_events(session: Session, customer_id: str | None = None) -> list[UsageEvent]:
    """The events in time order, of one customer or all."""
    query = select(UsageEventRow).order_by(UsageEventRow.occurred_at, UsageEventRow.id)
    if customer_id:
        query = query.where(UsageEventRow.customer_id == customer_id)
    return [convert.usage_event(row) for row in session.scalars(query)]


def latest_usage_time(session: Session) -> datetime | None:
    """When the newest usage event happened (as stored: SQLite gives it back without a time zone)."""
    return session.scalar(select(func.max(UsageEventRow.occurred_at)))
