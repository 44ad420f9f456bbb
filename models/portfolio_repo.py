"""The portfolio's reads for follow-up tasks and reminders: accounts' owners, stored summaries, the red
customers, their unresolved alerts and their last contacts.

Functions over the caller's Session, returning typed records; which of them become tasks, and when, is
portfolio/tasks.py's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.accounts_repo import chunked
from models.analysis import Summary
from models.tables import AccountRow, AlertRow, HealthSnapshotRow, InteractionRow, SummaryRow

__all__ = [
    "OpenAlert",
    "account_owner",
    "last_contacts",
    "red_customers",
    "summaries",
    "summary_ids",
    "unresolved_alerts",
]


@dataclass(frozen=True)
class OpenAlert:
    """An alert not resolved yet, as a reminder reads it."""

    id: int
    customer_id: str
    occurred_at: datetime
    owner: str | None


def account_owner(session: Session, customer_id: str) -> str | None:
    """The owner of the customer's account (None: no account, or no owner)."""
    return session.scalar(select(AccountRow.owner).where(AccountRow.customer_id == customer_id))


def summary_ids(session: Session) -> list[str]:
    """The interactions with a stored summary, in id order."""
    query = select(SummaryRow.interaction_id).order_by(SummaryRow.interaction_id)
    return list(session.scalars(query))


def summaries(session: Session, interaction_ids: list[str]) -> list[Summary]:
    """The stored summaries of these interactions."""
    rows = session.scalars(select(SummaryRow).where(SummaryRow.interaction_id.in_(interaction_ids)))
    return [Summary.model_validate(row.data) for row in rows]


def red_customers(session: Session, as_of: datetime) -> set[str]:
    """Customers whose latest health snapshot at or before ``as_of`` is red."""
    latest = (
        select(HealthSnapshotRow.customer_id, func.max(HealthSnapshotRow.as_of).label("at"))
        .where(HealthSnapshotRow.as_of <= as_of)
        .group_by(HealthSnapshotRow.customer_id)
        .subquery()
    )
    query = select(HealthSnapshotRow.customer_id).join(
        latest,
        (HealthSnapshotRow.customer_id == latest.c.customer_id)
        & (HealthSnapshotRow.as_of == latest.c.at),
    )
    return set(session.scalars(query.where(HealthSnapshotRow.band == "red")))


def unresolved_alerts(
    session: Session, customers: set[str], before: datetime
) -> Iterator[OpenAlert]:
    """These customers' unresolved alerts raised before ``before``; each customer's oldest first."""
    columns = (AlertRow.id, AlertRow.customer_id, AlertRow.occurred_at, AlertRow.owner)
    for ids in chunked(sorted(customers)):
        query = select(*columns).where(
            AlertRow.customer_id.in_(ids),
            AlertRow.status != "resolved",
            AlertRow.occurred_at < before,
        )
        for row in session.execute(query.order_by(AlertRow.occurred_at, AlertRow.id)):
            yield OpenAlert(row.id, row.customer_id, row.occurred_at, row.owner)


def last_contacts(session: Session, customers: set[str], as_of: datetime) -> dict[str, datetime]:
    """Each customer's last interaction at or before ``as_of`` (none: not in the result)."""
    last: dict[str, datetime] = {}
    for ids in chunked(sorted(customers)):
        query = (
            select(InteractionRow.customer_id, func.max(InteractionRow.occurred_at))
            .where(InteractionRow.customer_id.in_(ids), InteractionRow.occurred_at <= as_of)
            .group_by(InteractionRow.customer_id)
        )
        last.update({customer: at for customer, at in session.execute(query).all()})
    return last
