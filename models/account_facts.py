"""What the dashboard's at-risk list adds to each row of the JSON list's page (api/dashboard_rows.py): the
customer's account (owner, ARR, currency, renewal) and last contact, read for a page of ids in one statement
built once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.sql.elements import BindParameter

from models.store import Store
from models.tables import AccountRow, CustomerRow, InteractionRow

__all__ = ["AccountFacts", "page_accounts"]


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What the list shows of a customer's account (``has_account`` False: no account data), and their last
    contact."""

    has_account: bool
    owner: str | None
    arr: float | None
    currency: str | None  # None: no account data
    renewal_date: date | None
    last_contact: datetime | None


_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_LAST = (
    select(func.max(InteractionRow.occurred_at))
    .where(InteractionRow.customer_id == CustomerRow.id)
    .scalar_subquery()
)
_ACCOUNTS = (
    select(
        CustomerRow.id,
        AccountRow.customer_id,
        AccountRow.owner,
        AccountRow.arr,
        AccountRow.currency,
        AccountRow.renewal_date,
        _LAST,
    )
    .outerjoin(AccountRow, AccountRow.customer_id == CustomerRow.id)
    .where(CustomerRow.id.in_(_IDS))
)  # built once: a statement built per request costs SQLAlchemy more than the read


def page_accounts(store: Store, ids: Sequence[str]) -> dict[str, AccountFacts]:
    """Each customer's account facts and last contact, in one statement."""
    if not ids:
        return {}
    with store.reading() as session:
        rows = session.execute(_ACCOUNTS, {"ids": list(ids)}).all()
    return {row[0]: AccountFacts(row[1] is not None, *row[2:]) for row in rows}
