"""The customer page's lists (``/dashboard/customers/{id}``) drawn once in Python (issue 19).

The timeline, the contacts, the payments and the survey answers are drawn here as the markup customer.html's
loops drew them, byte for byte (the same whitespace between the items, the same empty row), every value from
the data escaped as the template's autoescape escapes it (markupsafe's ``escape``) and each day written as
``strftime("%Y-%m-%d")`` writes it (api/dashboard_rows.py ``day``): each item's attribute lookups, filters
and ``strftime`` calls through Jinja cost more than the rest of the page's markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from api.account_view import AccountSummary, ContactLine, InvoiceState
from api.dashboard_rows import day
from models.accounts import Invoice, SurveyResponse
from risk.timeline import TimelineEntry

__all__ = [
    "Panels",
    "contact_items",
    "invoice_items",
    "panels",
    "survey_items",
    "timeline_items",
]

CALL_KINDS = ("call", "ticket")  # the timeline entries that link to their interaction's page


@dataclass(frozen=True, slots=True)
class Panels:
    """The page's lists as customer.html places them."""

    timeline: Markup
    contacts: Markup
    invoices: Markup
    surveys: Markup


def _items(drawn: list[str], empty: str) -> Markup:
    """A loop's output: its items one after the other, or its ``{% else %}`` when there are none."""
    return Markup("".join(drawn) if drawn else empty)


def _entry(e: TimelineEntry, calls_visible: bool) -> str:
    kind, title = escape(e.kind), escape(e.title)
    linked = e.kind in CALL_KINDS and e.ref and calls_visible
    shown = (
        f'<a href="/dashboard/calls/{escape(e.ref)}">{title}</a>'
        if linked
        else f"<strong>{title}</strong>"
    )
    return (
        f'\n    <li class="entry {kind}">\n      <time>{day(e.at)}</time> <span class="kind">{kind}'
        f'</span>\n      {shown}\n      <div class="detail">{escape(e.detail)}</div>\n    </li>\n    '
    )


def timeline_items(entries: Sequence[TimelineEntry], calls_visible: bool) -> Markup:
    """The timeline's ``<li>``, newest first; a call's or ticket's title links to it where calls are visible."""
    drawn = [_entry(e, calls_visible) for e in reversed(entries)]
    return _items(drawn, '<li class="empty">Nothing in these days.</li>')


def _ago(days: int) -> str:
    return "today" if days == 0 else ("1 day ago" if days == 1 else f"{days} days ago")


def _contact(line: ContactLine, as_of: datetime) -> str:
    c, seen = line.contact, line.last_seen
    user = f"<br><small>{escape(c.user)}</small>" if c.name else ""
    last = "never"
    if seen:
        kind = f", {escape(line.last_kind)}" if line.last_kind != "login" else ""
        last = f"<time>{day(seen)}</time> <small>({_ago((as_of - seen).days)}{kind})</small>"
    return (
        f'\n      <tr class="contact role-{escape(c.role)}"><td>{escape(c.name or c.user)}{user}</td>'
        f'\n        <td><span class="chip">{escape(c.role.replace("_", " "))}</span></td>'
        f'\n        <td class="last-login">{last}</td></tr>\n    '
    )


def contact_items(contacts: Sequence[ContactLine], as_of: datetime) -> Markup:
    """The contacts' rows, each with their last login (how long before ``as_of``, the health's moment)."""
    drawn = [_contact(line, as_of) for line in contacts]
    return _items(drawn, '<tr><td colspan="3" class="empty">No contacts.</td></tr>')


def _invoice(inv: Invoice, state: InvoiceState, as_of: datetime) -> str:
    paid = f" <small>{day(inv.paid_at)}</small>" if inv.paid_at and inv.paid_at <= as_of else ""
    tries = inv.failed_attempts
    failed = f" <small>{tries} failed attempt{'s' if tries != 1 else ''}</small>" if tries else ""
    return (
        f'\n      <tr class="invoice"><td>{escape(inv.invoice_id)}<br><small>issued '
        f"{day(inv.issued_at)}</small></td><td>{day(inv.due_at)}</td>"
        f'\n        <td class="num">{escape(f"{inv.amount:,.2f}")} {escape(inv.currency)}</td>'
        f'\n        <td><span class="pay {escape(state.replace(" ", "-"))}">{escape(state)}</span>'
        f"{paid}{failed}</td></tr>\n    "
    )


def invoice_items(invoices: Sequence[tuple[Invoice, InvoiceState]], as_of: datetime) -> Markup:
    """The invoices' rows with their state; a payment's day where it was paid by ``as_of``."""
    drawn = [_invoice(inv, state, as_of) for inv, state in invoices]
    return _items(drawn, '<tr><td colspan="4" class="empty">No invoices.</td></tr>')


def _tone(sv: SurveyResponse) -> str:
    if sv.kind == "nps":
        return "detractor" if sv.score <= 6 else "passive" if sv.score <= 8 else "promoter"
    return "low" if sv.score <= 2 else "mid" if sv.score == 3 else "high"


def _survey(sv: SurveyResponse) -> str:
    said = f'<span class="evidence">“{escape(sv.comment)}”</span>' if sv.comment else ""
    who = f" <small>{escape(sv.respondent)}</small>" if sv.respondent else ""
    return (
        f'\n      \n      <tr class="survey"><td>{day(sv.responded_at)}</td>'
        f"<td>{escape(sv.kind.upper())}</td>"
        f'\n        <td class="num"><span class="score-chip {_tone(sv)}">{escape(sv.score)}</span></td>'
        f"\n        <td>{said}{who}</td></tr>\n    "
    )


def survey_items(surveys: Sequence[SurveyResponse]) -> Markup:
    """The NPS and CSAT answers' rows, each score's chip in its tone."""
    drawn = [_survey(sv) for sv in surveys]
    return _items(drawn, '<tr><td colspan="4" class="empty">No survey answers.</td></tr>')


def panels(
    entries: Sequence[TimelineEntry], panel: AccountSummary, as_of: datetime, calls_visible: bool
) -> Panels:
    """The page's four lists: the timeline's ``entries`` and the account summary's (``as_of``: the health's
    moment, which the contacts' last logins and the payments are told against)."""
    return Panels(
        timeline_items(entries, calls_visible),
        contact_items(panel.contacts, as_of),
        invoice_items(panel.invoices, as_of),
        survey_items(panel.surveys),
    )
