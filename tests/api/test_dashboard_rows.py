"""The dashboard's at-risk list built from the JSON list's records (api/dashboard_rows.py, issue 19) draws the
rows that the template drew from the stored health's full records before (models/pages.py health_page): the
same customers, order, figures, links, colours and empty cells, on both backends."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from jinja2 import Environment

from api.app import create_app
from api.auth import create_token
from api.dashboard_rows import customer_lines, day
from api.dashboard_views import kind_colours
from api.service import Callintel
from models.records import (
    Interaction,
    Speaker,
    Tag,
    TagLabel,
    Transcript,
    Utterance,
    label_name,
)
from models.settings import Settings
from models.store import Store
from models.tables import CustomerRow
from tests.api.accounts_seed import AS_OF, seed

pytestmark = pytest.mark.both_backends

# The rows as customers.html drew them from health_page's (AtRisk, Health) pairs before this change.
BEFORE = Environment(autoescape=True)
BEFORE.filters["label_name"] = label_name
ROWS_BEFORE = BEFORE.from_string("""
  {% for history, h in rated %}
    <tr class="band-{{ h.band }}">
      <td><a class="customer-link" href="/dashboard/customers/{{ h.customer_id }}">{{ history.name or h.customer_id }}</a></td>
      <td class="num score">{% if h.score is none %}–{% else %}{{ "%.1f"|format(h.score) }}{% endif %}</td>
      <td><span class="band {{ h.band }}">{{ h.band }}</span></td>
      {% set account = history.account %}
      <td class="owner">{{ account.owner if account and account.owner else "–" }}</td>
      <td class="num arr">{% if account and account.arr is not none %}{{ "{:,.0f}".format(account.arr) }} {{ account.currency }}{% else %}–{% endif %}</td>
      <td class="renewal">{{ account.renewal_date if account and account.renewal_date else "–" }}</td>
      <td class="breakdown">
        <div class="stack">{% for kind, lost in h.breakdown.items() %}<span data-width="{{ '%.1f'|format([lost, 100]|min) }}" data-colour="{{ colours[kind] }}" title="{{ kind }}: −{{ lost }}"></span>{% endfor %}</div>
        {% for kind, lost in h.breakdown.items() %}{% if loop.index <= 3 %}<small>{{ kind|label_name }} −{{ lost }}</small> {% endif %}{% endfor %}
      </td>
      <td class="evidence">{% if h.signals %}{{ h.signals[0].explanation }}{% else %}–{% endif %}</td>
      <td>{% if history.last_contact %}{{ history.last_contact.strftime("%Y-%m-%d") }}{% else %}–{% endif %}</td>
    </tr>
  {% endfor %}
""")  # fmt: skip


def _call(customer: str, days_before: int, text: str, label: TagLabel, n: int):
    interaction = Interaction.from_content(
        f"{customer}-{n}".encode(),
        customer_id=customer,
        kind="call",
        rep="sam",
        occurred_at=AS_OF - timedelta(days=days_before),
        source="t",
    )
    said = Utterance(
        index=0, speaker=Speaker(role="customer", label="C"), start_s=0, end_s=1, text=text
    )
    tag = Tag(label=label, score=0.9, start=0, end=len(text), evidence=text, utterance_index=0)
    transcript = Transcript(interaction_id=interaction.id, engine="import", utterances=[said])
    return interaction, transcript, [tag]


def _book(store: Store) -> str:
    """accounts_seed's acme and globex; initech, without account data, and hooli, never evaluated (unknown):
    calls with tags on three of them, the health of all but hooli stored; a manager's token."""
    seed(store)
    with store.transaction() as session:
        session.add_all([CustomerRow(id="initech", name="Initech <R&D>"), CustomerRow(id="hooli")])
    calls = [
        _call("acme", 3, "We are looking at Gong instead.", "competitor_mention", 1),
        _call("acme", 20, "This is far too expensive.", "price_objection", 2),
        _call("initech", 5, "Please cancel our plan.", "cancellation_intent", 3),
        _call("hooli", 2, "Too pricey for us.", "price_objection", 4),
    ]
    for made in calls:
        store.save_interaction(*made)
    callintel = Callintel(Settings(database_url=store.url, risk_as_of=AS_OF), store)
    for customer in ("acme", "globex", "initech"):
        callintel.evaluate(AS_OF - timedelta(hours=1), customer)
    return create_token(store, "manager", "rows-bot")[1]


def _tbody(html: str) -> str:
    body = re.search(r'<table class="customers">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body is not None
    return " ".join(body.group(1).split())


@pytest.mark.parametrize(("limit", "offset"), [(200, 0), (2, 1)])
def test_the_list_draws_the_rows_the_full_records_drew(store, tmp_path, limit, offset):
    token = _book(store)
    settings = Settings(database_url=store.url, upload_dir=tmp_path / "up", risk_as_of=AS_OF)
    with TestClient(create_app(settings, store)) as client:
        signed = client.post(
            "/dashboard/login",
            data={"token": token, "next": "/dashboard/customers"},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        page = client.get("/dashboard/customers", params={"limit": limit, "offset": offset})
        assert page.status_code == 200
        callintel = client.app.state.callintel  # type: ignore[attr-defined]
        rated = callintel.customers(callintel.as_of(), None, limit, offset).items
    colours = kind_colours(kind for _, h in rated for kind in h.breakdown)
    before = " ".join(ROWS_BEFORE.render(rated=rated, colours=colours).split())
    assert _tbody(page.text) == before
    if offset == 0:  # the book holds every kind of row
        bands = [h.band for _, h in rated]
        assert {"red", "unknown"} <= set(bands)
        assert "Initech &lt;R&amp;D&gt;" in before and "48,000 EUR" in before
        assert sum(bool(h.signals) for _, h in rated) >= 2
        assert sum(who.last_contact is not None for who, _ in rated) == 3


def test_an_empty_page_has_no_rows(store):
    assert customer_lines(store, []) == []


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 9, 1, 23, 59, tzinfo=UTC),
        datetime(1970, 1, 1),
        date(2031, 12, 31),
        datetime(999, 3, 4, tzinfo=UTC),
        date(7, 1, 2),
    ],
)
def test_a_day_is_written_as_strftime_writes_it(at):
    assert day(at) == at.strftime("%Y-%m-%d")
