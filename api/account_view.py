"""A customer's account as a person reads it: contacts with their last login, invoice states, what had happened
by a moment, the recommended action. Pure (a history, a moment -> values): the dashboard's customer page and
`callintel timeline` show ``account_summary``; the API (``GET /api/customers/{id}``) shows ``account_view``, the
account data whole with each survey's ticket. One rule for a contact's last login (``contact_lines``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar

from models.accounts import Account, CommercialEvent, Contact, Invoice, SurveyResponse
from models.analysis import Alert
from risk.health import Health
from risk.history import CustomerHistory, UsageFact
from risk.playbooks import Recommendation

__all__ = [
    "AccountSummary",
    "AccountView",
    "ContactLine",
    "InvoiceState",
    "SurveyView",
    "account_summary",
    "account_view",
    "contact_lines",
    "contact_lines_of",
    "invoice_state",
    "recommended_action",
    "seen_by",
]

T = TypeVar("T")


@dataclass(frozen=True)
class ContactLine:
    contact: Contact
    last_seen: datetime | None  # the latest usage event whose properties.user is the contact's user
    last_kind: str | None = None


def contact_lines(history: CustomerHistory, as_of: datetime) -> list[ContactLine]:
    """Each contact with their last usage event up to ``as_of`` (users matched case-insensitively), key roles
    first, then by name."""
    latest: dict[str, UsageFact] = {}
    for fact in history.usage:
        user = fact.properties.get("user")
        if isinstance(user, str) and fact.at <= as_of:
            key = user.strip().casefold()
            if key not in latest or fact.at >= latest[key].at:
                latest[key] = fact
    return _lines(history.contacts, {k: (f.at, f.kind) for k, f in latest.items()})


def contact_lines_of(
    contacts: Iterable[Contact],
    last_by_user: Iterable[tuple[str, str, datetime]],
    events_at: Callable[[datetime], Sequence[tuple[str, str]]],
) -> list[ContactLine]:
    """``contact_lines`` from each distinct user's latest event (or each user's and kind's) read in SQL
    (models.history_repo last_usage_by_user: user, kind, time), users matched as ``contact_lines`` matches them; where a user's
    latest moment has events of several kinds, ``events_at`` (user, kind of the events at that moment, the
    last stored first) says which came last, as the history's order does."""
    latest: dict[str, tuple[datetime, set[str]]] = {}
    for user, kind, at in last_by_user:
        key = user.strip().casefold()
        seen = latest.get(key)
        if seen is None or at > seen[0]:
            latest[key] = (at, {kind})
        elif at == seen[0]:
            seen[1].add(kind)
    found: dict[str, tuple[datetime, str]] = {}
    for key, (at, kinds) in latest.items():
        if len(kinds) > 1:
            kinds = {next(k for u, k in events_at(at) if u.strip().casefold() == key)}
        found[key] = (at, kinds.pop())
    return _lines(contacts, found)


def _lines(
    contacts: Iterable[Contact], latest: Mapping[str, tuple[datetime, str]]
) -> list[ContactLine]:
    lines = []
    for contact in contacts:
        at, kind = latest.get(contact.user.strip().casefold(), (None, None))
        lines.append(ContactLine(contact, at, kind))
    order = {role: i for i, role in enumerate(("decision_maker", "champion", "admin", "user"))}
    return sorted(lines, key=lambda c: (order[c.contact.role], c.contact.name or c.contact.user))


InvoiceState = Literal["paid", "paid late", "failed", "overdue", "open"]


def invoice_state(invoice: Invoice, as_of: datetime) -> InvoiceState:
    """paid (by the due date), paid late, failed (a payment attempt failed and it is unpaid), overdue, or open."""
    if invoice.paid_at is not None and invoice.paid_at <= as_of:
        return "paid" if invoice.paid_at <= invoice.due_at else "paid late"
    if invoice.failed_attempts:
        return "failed"
    return "overdue" if as_of > invoice.due_at else "open"


def seen_by(records: Iterable[T], as_of: datetime, when: Callable[[T], datetime]) -> list[T]:
    """The records that had happened by ``as_of``, newest first (what a page as of that moment may show)."""
    return sorted((r for r in records if when(r) <= as_of), key=when, reverse=True)


def recommended_action(alerts: Iterable[Alert]) -> Alert | None:
    """The newest alert still open or acknowledged that recommends an action (alerts come newest first)."""
    return next((a for a in alerts if a.status != "resolved" and a.action), None)


@dataclass(frozen=True)
class AccountSummary:
    """What a customer page shows beside the health: the account and what had happened by ``as_of``."""

    account: Account | None
    contacts: list[ContactLine]
    invoices: list[tuple[Invoice, InvoiceState]]  # newest first
    surveys: list[SurveyResponse]  # newest first
    recommended: Alert | None  # the newest open or acknowledged alert that recommends an action
    recommendation: Recommendation | None = None  # the playbooks' intervention for the health now


def account_summary(
    history: CustomerHistory,
    as_of: datetime,
    alerts: Iterable[Alert],
    recommendation: Recommendation | None = None,
    contacts: list[ContactLine] | None = None,
) -> AccountSummary:
    """The account, contacts with their last login (``contacts``, when read apart: ``contact_lines_of``),
    invoices with their state, surveys and the recommended action (``alerts`` newest first), as of
    ``as_of``."""
    invoices = seen_by(history.invoices, as_of, lambda i: i.issued_at)
    return AccountSummary(
        history.account,
        contact_lines(history, as_of) if contacts is None else contacts,
        [(i, invoice_state(i, as_of)) for i in invoices],
        seen_by(history.surveys, as_of, lambda s: s.responded_at),
        recommended_action(alerts),
        recommendation,
    )


@dataclass(frozen=True)
class SurveyView:
    response: SurveyResponse
    interaction_id: str | None  # the ticket its comment was stored as (tagged by the pipeline)


@dataclass(frozen=True)
class AccountView:
    customer_id: str
    name: str | None
    account: Account | None
    contacts: tuple[ContactLine, ...]  # key roles first
    invoices: tuple[Invoice, ...]  # by issue time
    commercial: tuple[CommercialEvent, ...]  # in time order
    surveys: tuple[SurveyView, ...]  # in time order
    health: Health | None = None  # at the moment asked for, if one was


def account_view(
    history: CustomerHistory,
    survey_links: Mapping[str, str],
    health: Health | None = None,
    as_of: datetime | None = None,
    contacts: list[ContactLine] | None = None,
) -> AccountView:
    """All of the customer's account data (contacts' last logins up to ``as_of``, all of them when None; or
    ``contacts``, read apart: ``contact_lines_of``)."""
    if contacts is None:
        latest = max((f.at for f in history.usage), default=None)
        contacts = contact_lines(history, as_of or latest or datetime.now(UTC))
    return AccountView(
        history.customer_id,
        history.name,
        history.account,
        tuple(contacts),
        history.invoices,
        history.commercial,
        tuple(SurveyView(s, survey_links.get(s.dedup_key())) for s in history.surveys),
        health,
    )
