"""One customer's account data as the API, the dashboard and the CLI show it: the account, each contact with
their last login, invoices, commercial events and survey responses (each with the ticket its comment became).

``account_view`` is pure: it reads a loaded CustomerHistory (risk/history.py) and the survey links.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from models.accounts import Account, CommercialEvent, Contact, Invoice, SurveyResponse
from risk.health import Health
from risk.history import CustomerHistory, UsageFact

__all__ = ["AccountView", "ContactView", "SurveyView", "account_view", "last_seen"]


@dataclass(frozen=True)
class ContactView:
    contact: Contact
    last_login: (
        datetime | None
    )  # the latest usage event whose properties.user is the contact's user


@dataclass(frozen=True)
class SurveyView:
    response: SurveyResponse
    interaction_id: str | None  # the ticket its comment was stored as (tagged by the pipeline)


@dataclass(frozen=True)
class AccountView:
    customer_id: str
    name: str | None
    account: Account | None
    contacts: tuple[ContactView, ...]
    invoices: tuple[Invoice, ...]  # by issue time
    commercial: tuple[CommercialEvent, ...]  # in time order
    surveys: tuple[SurveyView, ...]  # in time order
    health: Health | None = None  # at the moment asked for, if one was


def last_seen(usage: Iterable[UsageFact]) -> dict[str, datetime]:
    """The latest usage event of each user (``properties.user``, case-insensitive)."""
    latest: dict[str, datetime] = {}
    for fact in usage:
        user = fact.properties.get("user")
        if isinstance(user, str) and user.strip():
            key = user.strip().lower()
            latest[key] = max(latest.get(key, fact.at), fact.at)
    return latest


def account_view(
    history: CustomerHistory, survey_links: Mapping[str, str], health: Health | None = None
) -> AccountView:
    seen = last_seen(history.usage)
    return AccountView(
        history.customer_id,
        history.name,
        history.account,
        tuple(ContactView(c, seen.get(c.user.strip().lower())) for c in history.contacts),
        history.invoices,
        history.commercial,
        tuple(SurveyView(s, survey_links.get(s.dedup_key())) for s in history.surveys),
        health,
    )
