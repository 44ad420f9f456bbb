"""Who may write which kind of record: one table, applied by every route that stores records.

An interaction (a call or a ticket) and a usage event are written through ``POST /api/uploads`` (a file may hold
either, or both) and usage events also through ``POST /api/usage-events``; the same rule holds on both. Account
data (accounts and contacts; invoices and commercial events; survey responses, whose comments become tickets) is
written through uploads and its own routes (api/routes_accounts.py), by the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Literal

from fastapi import Depends

from api.auth import ROLES, ApiToken
from api.deps import TokenDep
from ingest.parsed import ParsedSource
from models.errors import Forbidden

__all__ = [
    "ALERT_ACTORS",
    "WRITERS",
    "AccountWriter",
    "AlertActor",
    "CommercialWriter",
    "RecordType",
    "SurveyWriter",
    "UsageWriter",
    "alert_actor",
    "check_write",
    "record_types",
    "writer",
    "writers_of",
]

RecordType = Literal["interaction", "usage_event", "account", "commercial", "survey"]
WRITERS: dict[RecordType, tuple[str, ...]] = {
    "interaction": (
        "admin",
        "manager",
        "rep",
    ),  # calls and tickets; a rep's are stored as that rep's
    "usage_event": ("admin", "crm"),  # usage moves every customer's health score
    "account": (
        "admin",
        "crm",
    ),  # accounts (owner, ARR, lifecycle status) and contacts: the CRM's records
    "commercial": ("admin", "crm"),  # invoices and payments, renewals, purchases, seat changes
    "survey": (
        "admin",
        "crm",
    ),  # NPS and CSAT responses (a comment is stored as a ticket with them)
}
NAMES: dict[RecordType, str] = {
    "interaction": "calls or tickets",
    "usage_event": "usage events",
    "account": "accounts or contacts",
    "commercial": "invoices or commercial events",
    "survey": "survey responses",
}


def writers_of(types: Iterable[RecordType] = WRITERS) -> tuple[str, ...]:
    """The roles that may write at least one of ``types``."""
    return tuple(role for role in ROLES if any(role in WRITERS[t] for t in types))


def check_write(token: ApiToken, types: Iterable[RecordType]) -> None:
    """403 unless the token's role may write every one of ``types``."""
    for kind in sorted(set(types)):
        if token.role not in WRITERS[kind]:
            raise Forbidden(
                f"a {token.role} token cannot write {NAMES[kind]} (allowed: {', '.join(WRITERS[kind])})"
            )


def record_types(parsed: ParsedSource) -> set[RecordType]:
    """The kinds of record a parsed file would store."""
    types: set[RecordType] = set()
    if parsed.items:
        types.add("interaction")
    if parsed.usage_events:
        types.add("usage_event")
    if parsed.accounts or parsed.contacts:
        types.add("account")
    if parsed.invoices or parsed.commercial:
        types.add("commercial")
    if parsed.surveys:
        types.add("survey")
    return types


def writer(*types: RecordType) -> Callable[[ApiToken], ApiToken]:
    """A route dependency: the caller's token, if its role may write every one of ``types`` (else 403)."""

    def check(token: TokenDep) -> ApiToken:
        check_write(token, types)
        return token

    return check


UsageWriter = Annotated[ApiToken, Depends(writer("usage_event"))]
AccountWriter = Annotated[ApiToken, Depends(writer("account"))]
CommercialWriter = Annotated[ApiToken, Depends(writer("commercial"))]
SurveyWriter = Annotated[ApiToken, Depends(writer("survey"))]


# Alerts: who may act on one (acknowledge, resolve). Reading them is a risk read (api/routes_customers.py's
# readers); a rep, who never sees customer risk, neither reads nor acts on alerts.
ALERT_ACTORS: tuple[str, ...] = ("admin", "manager", "crm")


def alert_actor(token: TokenDep) -> ApiToken:
    """A route dependency: the caller's token, if its role may act on alerts (else 403)."""
    if token.role not in ALERT_ACTORS:
        raise Forbidden(
            f"a {token.role} token cannot act on alerts (allowed: {', '.join(ALERT_ACTORS)})"
        )
    return token


AlertActor = Annotated[ApiToken, Depends(alert_actor)]
