"""A customer's history as the risk engine reads it: interactions with their customer-side tags and sentiment,
usage events with their properties, and the account data (account, contacts, invoices, commercial events,
survey responses). The records and their reads are models/history_repo.py's; ``load_history`` reads them from
the store; everything after that is pure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from models import history_repo
from models.history_repo import CustomerHistory, InteractionFacts, TagFact, UsageFact
from models.store import Store

if TYPE_CHECKING:
    from risk.window import Window

__all__ = [
    "CustomerHistory",
    "InteractionFacts",
    "TagFact",
    "UsageFact",
    "load_histories",
    "load_history",
    "read_histories",
]


def load_history(
    store: Store, customer_id: str, window: Window | None = None
) -> CustomerHistory | None:
    histories = load_histories(store, [customer_id], window)
    return histories[0] if histories else None


def load_histories(
    store: Store, customer_ids: list[str] | None = None, window: Window | None = None
) -> list[CustomerHistory]:
    """Every customer's history (or those named), in customer id order; with a ``window``, only the usage
    events its assessment reads (risk/window.py: the same assessment, from a bounded read)."""
    with store.transaction() as session:
        return read_histories(session, customer_ids, window)


def read_histories(
    session: Session, customer_ids: list[str] | None = None, window: Window | None = None
) -> list[CustomerHistory]:
    """``load_histories`` inside the caller's transaction."""
    return history_repo.read_histories(
        session, customer_ids, window.usage if window is not None else None
    )
