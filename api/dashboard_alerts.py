"""The dashboard's alert tables (``/dashboard/alerts`` and the customer page's) as the rows they draw (issue 19).

Each alert's row, with its lifecycle and, for the roles that may act, its acknowledge and resolve forms, is drawn
here once, as _alerts.html's loop drew it, byte for byte (the same whitespace, the same empty row): every value
from the data escaped as the template's autoescape escapes it (markupsafe's ``escape``), each day written as
``strftime("%Y-%m-%d")`` writes it (api/dashboard_rows.py ``day``) and the outcomes' options drawn once. The loop's
attribute lookups, conditions and escapes through Jinja cost half of the alerts page's CPU.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from markupsafe import Markup, escape

from api.dashboard_rows import day
from models.analysis import Alert

__all__ = ["alert_rows"]

NONE = "–"  # an empty owner or action


@lru_cache(maxsize=64)
def _spaced(value: str) -> str:
    """A name with its underscores as spaces (the template's ``replace("_", " ")``), escaped: they recur."""
    return str(escape(value.replace("_", " ")))


@lru_cache(maxsize=8)
def _options(outcomes: tuple[str, ...]) -> str:
    """The resolve form's outcomes, drawn once."""
    return "".join(f'<option value="{escape(o)}">{_spaced(o)}</option>' for o in outcomes)


def _status(a: Alert) -> str:
    status = escape(a.status)
    shown = f'<span class="status {status}">{status}</span>'
    if a.outcome:
        shown += f' <span class="outcome {escape(a.outcome)}">{_spaced(a.outcome)}</span>'
    return shown


def _lifecycle(a: Alert) -> tuple[str, str]:
    """The acknowledgement's line and the resolution's lines, or empty."""
    acked = resolved = ""
    if a.acknowledged_at:
        at = a.acknowledged_at.strftime("%Y-%m-%d %H:%M")
        acked = f"<div>acknowledged by {escape(a.acknowledged_by)} · {at}</div>"
    if a.resolved_at:
        at = a.resolved_at.strftime("%Y-%m-%d %H:%M")
        resolved = f"<div>resolved by {escape(a.resolved_by)} · {at}</div>"
        if a.resolution_note:
            resolved += f'<div class="note">“{escape(a.resolution_note)}”</div>'
    return acked, resolved


def _controls(a: Alert, back: str, options: str) -> str:
    """The forms of an alert that is not resolved yet, for a role that may act on it."""
    ack = ""
    if a.status == "open":
        ack = f"""
          <form class="ack" method="post" action="/dashboard/alerts/{a.id}/acknowledge">
            <input type="hidden" name="next" value="{back}">
            <button type="submit">Acknowledge</button>
          </form>
          """  # fmt: skip
    return f"""
        <div class="controls">
          {ack}
          <form class="resolve" method="post" action="/dashboard/alerts/{a.id}/resolve">
            <input type="hidden" name="next" value="{back}">
            <select name="outcome" aria-label="outcome">{options}</select>
            <input name="note" maxlength="2000" placeholder="note (optional)" aria-label="note">
            <button type="submit">Resolve</button>
          </form>
        </div>
        """  # fmt: skip


def _row(a: Alert, back: str, options: str, show_customer: bool, may_act: bool) -> str:
    """The alert's ``<tr>``, with the whitespace around it that the template's loop wrote."""
    customer = ""
    if show_customer:
        who = escape(a.customer_id)
        customer = f'<td><a href="/dashboard/customers/{who}">{who}</a></td>'
    band = f'<span class="band {escape(a.band)}">{escape(a.band)}</span> ' if a.band else ""
    acked, resolved = _lifecycle(a)
    controls = _controls(a, back, options) if may_act and a.status != "resolved" else ""
    return f"""
    <tr id="alert-{a.id}" class="alert-row status-{escape(a.status)}">
      <td>{day(a.occurred_at)}<br><small>#{a.id}</small></td>
      {customer}
      <td>{_status(a)}</td>
      <td>{escape(a.owner) if a.owner else NONE}</td>
      <td>{band}<small>{_spaced(a.kind)}</small>
        <div class="evidence">{escape(a.reason)}</div></td>
      <td class="action">{escape(a.action) if a.action else NONE}</td>
      <td class="lifecycle">
        {acked}
        {resolved}
        {controls}
      </td>
    </tr>
  """  # fmt: skip


def alert_rows(
    alerts: Sequence[Alert],
    outcomes: Iterable[str],
    back: str,
    show_customer: bool = True,
    may_act: bool = False,
) -> Markup:
    """The table body's rows (``may_act``: with the forms of the alerts not resolved), or its empty row."""
    if not alerts:
        return Markup(f"""
    <tr><td colspan="{7 if show_customer else 6}" class="empty">No alerts.</td></tr>
  """)  # fmt: skip
    options, shown = _options(tuple(outcomes)), str(escape(back))
    return Markup("".join([_row(a, shown, options, show_customer, may_act) for a in alerts]))
