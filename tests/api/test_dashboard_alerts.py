"""The alert tables' rows drawn in Python (api/dashboard_alerts.py, issue 19) are the markup _alerts.html's
macro drew before, byte for byte: every status, outcome and lifecycle, values to escape, missing owners, bands
and actions, with and without the customer's column and the forms, and the empty table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup

from api.dashboard_alerts import alert_rows
from api.permissions import ALERT_ACTORS
from models.analysis import ALERT_OUTCOMES, Alert

# _alerts.html before this change, as it was, and the same macro drawing its rows with alert_rows
BEFORE_MACRO = """{% macro alert_table(alerts, token, outcomes, back, show_customer=True) %}{% set options %}{% for o in outcomes %}<option value="{{ o }}">{{ o|replace("_", " ") }}</option>{% endfor %}{% endset %}{# drawn once a table #}
<table class="alerts-table">
  <thead><tr><th>Raised</th>{% if show_customer %}<th>Customer</th>{% endif %}<th>Status</th><th>Owner</th><th>Alert</th><th>Recommended action</th><th>Lifecycle</th></tr></thead>
  <tbody>
  {% for a in alerts %}
    <tr id="alert-{{ a.id }}" class="alert-row status-{{ a.status }}">
      <td>{{ a.occurred_at.strftime("%Y-%m-%d") }}<br><small>#{{ a.id }}</small></td>
      {% if show_customer %}<td><a href="/dashboard/customers/{{ a.customer_id }}">{{ a.customer_id }}</a></td>{% endif %}
      <td><span class="status {{ a.status }}">{{ a.status }}</span>{% if a.outcome %} <span class="outcome {{ a.outcome }}">{{ a.outcome|replace("_", " ") }}</span>{% endif %}</td>
      <td>{{ a.owner or "–" }}</td>
      <td>{% if a.band %}<span class="band {{ a.band }}">{{ a.band }}</span> {% endif %}<small>{{ a.kind|replace("_", " ") }}</small>
        <div class="evidence">{{ a.reason }}</div></td>
      <td class="action">{{ a.action or "–" }}</td>
      <td class="lifecycle">
        {% if a.acknowledged_at %}<div>acknowledged by {{ a.acknowledged_by }} · {{ a.acknowledged_at.strftime("%Y-%m-%d %H:%M") }}</div>{% endif %}
        {% if a.resolved_at %}<div>resolved by {{ a.resolved_by }} · {{ a.resolved_at.strftime("%Y-%m-%d %H:%M") }}</div>{% if a.resolution_note %}<div class="note">“{{ a.resolution_note }}”</div>{% endif %}{% endif %}
        {% if token.role in ALERT_ACTORS and a.status != "resolved" %}
        <div class="controls">
          {% if a.status == "open" %}
          <form class="ack" method="post" action="/dashboard/alerts/{{ a.id }}/acknowledge">
            <input type="hidden" name="next" value="{{ back }}">
            <button type="submit">Acknowledge</button>
          </form>
          {% endif %}
          <form class="resolve" method="post" action="/dashboard/alerts/{{ a.id }}/resolve">
            <input type="hidden" name="next" value="{{ back }}">
            <select name="outcome" aria-label="outcome">{{ options }}</select>
            <input name="note" maxlength="2000" placeholder="note (optional)" aria-label="note">
            <button type="submit">Resolve</button>
          </form>
        </div>
        {% endif %}
      </td>
    </tr>
  {% else %}
    <tr><td colspan="{{ 7 if show_customer else 6 }}" class="empty">No alerts.</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endmacro %}
"""  # fmt: skip
AFTER_MACRO = """{% macro alert_table(alerts, token, outcomes, back, show_customer=True) %}
<table class="alerts-table">
  <thead><tr><th>Raised</th>{% if show_customer %}<th>Customer</th>{% endif %}<th>Status</th><th>Owner</th><th>Alert</th><th>Recommended action</th><th>Lifecycle</th></tr></thead>
  <tbody>
  {{ alert_rows(alerts, outcomes, back, show_customer, token.role in ALERT_ACTORS) }}
  </tbody>
</table>
{% endmacro %}"""  # fmt: skip
CALL = '{% from "t.html" import alert_table %}{{ alert_table(alerts, token, outcomes, back, show_customer) }}'


def _environment(macro: str) -> Environment:
    environment = Environment(autoescape=True, loader=DictLoader({"t.html": macro, "page": CALL}))
    environment.globals.update(ALERT_ACTORS=ALERT_ACTORS, alert_rows=alert_rows)
    return environment


BEFORE, AFTER = _environment(BEFORE_MACRO), _environment(AFTER_MACRO)
AT = datetime(2026, 9, 30, 23, 59, tzinfo=UTC)


def _alert(n: int, **fields: object) -> Alert:
    values: dict[str, object] = {
        "id": n,
        "key": f"k{n}",
        "customer_id": 'acme <&> "co"',
        "kind": "band_changed",
        "occurred_at": AT - timedelta(days=n),
        "reason": "Health fell to <red> & 'stays'",
        "band": "red",
        "owner": "lee",
        "action": "Call the <champion>",
    }
    return Alert.model_validate({**values, **fields})


ALERTS = [
    _alert(1),
    _alert(2, kind="high_weight_signal", band=None, owner=None, action=None, status="acknowledged",
           acknowledged_at=AT, acknowledged_by="o'brien <m>"),
    _alert(3, status="resolved", acknowledged_at=AT, acknowledged_by="a", resolved_at=AT + timedelta(hours=5),
           resolved_by="b & c", outcome="false_alarm", resolution_note='"wrong" <call>'),
    _alert(4, status="resolved", resolved_at=AT, resolved_by="b", outcome="saved", owner="", action=""),
    _alert(5, status="open", occurred_at=datetime(999, 3, 4, tzinfo=UTC), band="yellow"),
]  # fmt: skip


class _Token:
    def __init__(self, role: str) -> None:
        self.role = role


@pytest.mark.parametrize("role", ["admin", "manager", "crm", "rep"])
@pytest.mark.parametrize("show_customer", [True, False])
@pytest.mark.parametrize("alerts", [ALERTS, ALERTS[2:3], []])
def test_the_rows_are_the_macros_markup(role, show_customer, alerts):
    values = {
        "alerts": alerts,
        "token": _Token(role),
        "outcomes": ALERT_OUTCOMES,
        "back": "/dashboard/alerts?owner=<lee>&page=2",
        "show_customer": show_customer,
    }
    after = AFTER.get_template("page").render(values)
    assert after == BEFORE.get_template("page").render(values)
    assert ("Acknowledge" in after) == (role in ALERT_ACTORS and alerts == ALERTS)


def test_the_rows_are_markup():
    assert isinstance(alert_rows(ALERTS, ALERT_OUTCOMES, "/"), Markup)
