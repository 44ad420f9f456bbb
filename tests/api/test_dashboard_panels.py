"""The customer page's lists drawn in Python (api/dashboard_panels.py, issue 19) are the markup customer.html's
loops drew before, byte for byte: the timeline, the contacts, the payments and the survey answers, with values
to escape, every branch of each row and the empty lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from jinja2 import Environment

from api.account_view import ContactLine, InvoiceState
from api.dashboard_panels import contact_items, invoice_items, survey_items, timeline_items
from models.accounts import Contact, Invoice, SurveyResponse
from risk.timeline import TimelineEntry

# customer.html's loops before this change, as they were (h: the health, for its as_of)
BEFORE = Environment(autoescape=True)
CONTACTS = BEFORE.from_string("""{% for c in contacts %}
      <tr class="contact role-{{ c.contact.role }}"><td>{{ c.contact.name or c.contact.user }}{% if c.contact.name %}<br><small>{{ c.contact.user }}</small>{% endif %}</td>
        <td><span class="chip">{{ c.contact.role|replace("_", " ") }}</span></td>
        <td class="last-login">{% if c.last_seen %}<time>{{ c.last_seen.strftime("%Y-%m-%d") }}</time> {% set ago = (h.as_of - c.last_seen).days %}<small>({{ "today" if ago == 0 else ("1 day ago" if ago == 1 else "%d days ago"|format(ago)) }}{% if c.last_kind != "login" %}, {{ c.last_kind }}{% endif %})</small>{% else %}never{% endif %}</td></tr>
    {% else %}<tr><td colspan="3" class="empty">No contacts.</td></tr>{% endfor %}""")  # fmt: skip
INVOICES = BEFORE.from_string("""{% for inv, state in invoices %}
      <tr class="invoice"><td>{{ inv.invoice_id }}<br><small>issued {{ inv.issued_at.strftime("%Y-%m-%d") }}</small></td><td>{{ inv.due_at.strftime("%Y-%m-%d") }}</td>
        <td class="num">{{ "{:,.2f}".format(inv.amount) }} {{ inv.currency }}</td>
        <td><span class="pay {{ state|replace(' ', '-') }}">{{ state }}</span>{% if inv.paid_at and inv.paid_at <= h.as_of %} <small>{{ inv.paid_at.strftime("%Y-%m-%d") }}</small>{% endif %}{% if inv.failed_attempts %} <small>{{ inv.failed_attempts }} failed attempt{{ "s" if inv.failed_attempts != 1 }}</small>{% endif %}</td></tr>
    {% else %}<tr><td colspan="4" class="empty">No invoices.</td></tr>{% endfor %}""")  # fmt: skip
SURVEYS = BEFORE.from_string("""{% for sv in surveys %}
      {% set tone = ("detractor" if sv.score <= 6 else "passive" if sv.score <= 8 else "promoter") if sv.kind == "nps" else ("low" if sv.score <= 2 else "mid" if sv.score == 3 else "high") %}
      <tr class="survey"><td>{{ sv.responded_at.strftime("%Y-%m-%d") }}</td><td>{{ sv.kind|upper }}</td>
        <td class="num"><span class="score-chip {{ tone }}">{{ sv.score }}</span></td>
        <td>{% if sv.comment %}<span class="evidence">“{{ sv.comment }}”</span>{% endif %}{% if sv.respondent %} <small>{{ sv.respondent }}</small>{% endif %}</td></tr>
    {% else %}<tr><td colspan="4" class="empty">No survey answers.</td></tr>{% endfor %}""")  # fmt: skip
TIMELINE = BEFORE.from_string("""{% for e in view.timeline|reverse %}
    <li class="entry {{ e.kind }}">
      <time>{{ e.at.strftime("%Y-%m-%d") }}</time> <span class="kind">{{ e.kind }}</span>
      {% if e.kind in ("call", "ticket") and e.ref and calls_visible %}<a href="/dashboard/calls/{{ e.ref }}">{{ e.title }}</a>{% else %}<strong>{{ e.title }}</strong>{% endif %}
      <div class="detail">{{ e.detail }}</div>
    </li>
    {% else %}<li class="empty">Nothing in these days.</li>{% endfor %}""")  # fmt: skip

AS_OF = datetime(2026, 9, 30, 12, tzinfo=UTC)
H = SimpleNamespace(as_of=AS_OF)


def _contacts() -> list[ContactLine]:
    def contact(user: str, name: str | None, role: str) -> Contact:
        return Contact.model_validate(
            {"customer_id": "acme", "user": user, "name": name, "role": role}
        )

    return [
        ContactLine(contact("ceo@acme", "Ada <CEO> & co", "decision_maker"), AS_OF, "login"),
        ContactLine(contact("o'brien@acme", None, "admin"), AS_OF - timedelta(days=1), "export"),
        ContactLine(contact("sam@acme", "Sam", "champion"), AS_OF - timedelta(days=40), None),
        ContactLine(contact("x@acme", "X", "user"), AS_OF - timedelta(hours=30), "login"),
        ContactLine(contact("new@acme", None, "user"), None),
    ]


def _invoices() -> list[tuple[Invoice, InvoiceState]]:
    def invoice(n: int, amount: float, paid_days: int | None, failed: int) -> Invoice:
        issued = AS_OF - timedelta(days=60 - n)
        paid = None if paid_days is None else issued + timedelta(days=paid_days)
        return Invoice(
            customer_id="acme",
            invoice_id=f"INV-{n}<&>",
            issued_at=issued,
            due_at=issued + timedelta(days=30),
            paid_at=paid,
            amount=amount,
            currency="EUR",
            failed_attempts=failed,
        )

    return [
        (invoice(1, 1234567.891, 10, 0), "paid"),
        (invoice(2, 0.0, 45, 1), "paid late"),
        (invoice(3, 99.995, 90, 2), "open"),  # paid after the health's moment: no day shown
        (invoice(4, 12.5, None, 3), "failed"),
        (invoice(5, 7, None, 0), "overdue"),
    ]


def _surveys() -> list[SurveyResponse]:
    def survey(kind: str, score: int, comment: str | None, who: str | None) -> SurveyResponse:
        return SurveyResponse.model_validate(
            {
                "customer_id": "acme",
                "kind": kind,
                "score": score,
                "responded_at": AS_OF - timedelta(days=score),
                "comment": comment,
                "respondent": who,
            }
        )

    return [
        survey("nps", 0, 'Too <slow> & "buggy"', "ceo@acme"),
        survey("nps", 6, None, None),
        survey("nps", 7, "", "o'brien"),
        survey("nps", 8, "fine", None),
        survey("nps", 10, "great", "x"),
        survey("csat", 1, "bad", None),
        survey("csat", 2, None, "y"),
        survey("csat", 3, "ok", None),
        survey("csat", 4, None, None),
        survey("csat", 5, "<3", "z"),
    ]


def _entries() -> list[TimelineEntry]:
    at = AS_OF - timedelta(days=5)
    return [
        TimelineEntry(at, "call", "Renewal <call>", "price_objection×2", "int_1"),
        TimelineEntry(at, "ticket", "Export broken & slow", "no flags", "int_2"),
        TimelineEntry(at, "ticket", "No ref", "no flags", None),
        TimelineEntry(at, "usage", "Usage fell", 'from 40 to 4 "events"'),
        TimelineEntry(at, "signal", "Champion left", "o'brien", "champion_left", 12.5),
        TimelineEntry(at, "payment", "Invoice failed", ""),
    ]


@pytest.mark.parametrize("whole", [True, False])
def test_the_contacts_are_drawn_as_the_template_drew_them(whole):
    contacts = _contacts() if whole else []
    assert contact_items(contacts, AS_OF) == CONTACTS.render(contacts=contacts, h=H)


@pytest.mark.parametrize("whole", [True, False])
def test_the_invoices_are_drawn_as_the_template_drew_them(whole):
    invoices = _invoices() if whole else []
    assert invoice_items(invoices, AS_OF) == INVOICES.render(invoices=invoices, h=H)


@pytest.mark.parametrize("whole", [True, False])
def test_the_surveys_are_drawn_as_the_template_drew_them(whole):
    surveys = _surveys() if whole else []
    assert survey_items(surveys) == SURVEYS.render(surveys=surveys)


@pytest.mark.parametrize(("whole", "calls_visible"), [(True, True), (True, False), (False, True)])
def test_the_timeline_is_drawn_as_the_template_drew_it(whole, calls_visible):
    entries = _entries() if whole else []
    view = SimpleNamespace(timeline=entries)
    drawn = timeline_items(entries, calls_visible)
    assert drawn == TIMELINE.render(view=view, calls_visible=calls_visible)
    assert ("/dashboard/calls/int_1" in drawn) is (whole and calls_visible)
    if whole:  # newest first: the list's last entry on top
        assert drawn.index("Invoice failed") < drawn.index("Renewal &lt;call&gt;")
