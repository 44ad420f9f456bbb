"""The alert lifecycle: open -> acknowledged -> resolved with an outcome (saved | churned | false_alarm).

``acknowledge`` and ``resolve`` are pure: an alert, who and when -> the alert after the change, or a ``Conflict``
when its state forbids it (a resolved alert is final: it is neither acknowledged nor resolved again).
Acknowledging an acknowledged alert changes nothing (re-running is safe). Resolving an open alert acknowledges it
at the same moment, so a resolved alert always says who saw it and when.

``acknowledge_alert`` and ``resolve_alert`` apply them to a stored alert in one transaction, with the
``alert.acknowledged`` / ``alert.resolved`` webhook event (models/outbox.py) in that same transaction. The row
is updated only if its status is still the one the change was computed from, so two people resolving the
same alert at once get one success and one ``Conflict``, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.orm import Session

from models.analysis import ALERT_OUTCOMES, Alert
from models.errors import Conflict, InputError
from models.outbox import emit
from models.risk_repo import change_alert
from models.risk_repo import get_alert as stored_alert
from models.store import Store

__all__ = [
    "MAX_ACTOR",
    "MAX_NOTE",
    "acknowledge",
    "acknowledge_alert",
    "get_alert",
    "resolve",
    "resolve_alert",
]

MAX_NOTE = 2000
MAX_ACTOR = 128  # AlertRow.acknowledged_by / resolved_by


def _actor(by: str) -> str:
    name = by.strip()
    if not name or len(name) > MAX_ACTOR:
        raise InputError(f"by: who acts on an alert is 1-{MAX_ACTOR} characters; got {by!r}")
    return name


def _label(alert: Alert) -> str:
    return f"alert {alert.id}" if alert.id is not None else f"alert {alert.key!r}"


def acknowledge(alert: Alert, by: str, at: datetime) -> Alert:
    """The alert acknowledged by ``by`` at ``at``; unchanged if it already was; Conflict if it is resolved."""
    who = _actor(by)
    if alert.status == "resolved":
        raise Conflict(
            f"{_label(alert)} is already resolved ({alert.outcome}, by {alert.resolved_by}): "
            "it cannot be acknowledged"
        )
    if alert.status == "acknowledged":
        return alert
    return alert.model_copy(
        update={"status": "acknowledged", "acknowledged_at": at, "acknowledged_by": who}
    )


def resolve(alert: Alert, outcome: str, by: str, at: datetime, note: str | None = None) -> Alert:
    """The alert resolved with ``outcome`` (and an optional note); Conflict if it is already resolved."""
    who = _actor(by)
    if outcome not in ALERT_OUTCOMES:
        raise InputError(f"outcome: expected one of {', '.join(ALERT_OUTCOMES)}; got {outcome!r}")
    text = note.strip() if note else None
    if text and len(text) > MAX_NOTE:
        raise InputError(f"note: at most {MAX_NOTE} characters; got {len(text)}")
    if alert.status == "resolved":
        raise Conflict(
            f"{_label(alert)} is already resolved ({alert.outcome}, by {alert.resolved_by} on "
            f"{alert.resolved_at:%Y-%m-%d})"
        )
    seen = acknowledge(alert, who, at)
    return seen.model_copy(
        update={
            "status": "resolved",
            "resolved_at": at,
            "resolved_by": who,
            "outcome": outcome,
            "resolution_note": text or None,
        }
    )


def get_alert(store: Store, alert_id: int) -> Alert:
    """One stored alert; NotFound if there is none with this id."""
    with store.reads() as session:
        return _read(session, alert_id)


def _read(session: Session, alert_id: int) -> Alert:
    return stored_alert(session, alert_id)


LIFECYCLE_FIELDS = (
    "status",
    "acknowledged_at",
    "acknowledged_by",
    "resolved_at",
    "resolved_by",
    "outcome",
    "resolution_note",
)


def _store_change(
    session: Session,
    before: Alert,
    after: Alert,
    event: Literal["alert.acknowledged", "alert.resolved"],
) -> None:
    """Write the lifecycle fields if the row's status is still ``before``'s, and announce the change."""
    values = {name: getattr(after, name) for name in LIFECYCLE_FIELDS}
    if before.id is None or not change_alert(session, before.id, before.status, values):
        raise Conflict(f"{_label(before)} was changed by someone else meanwhile: read it again")
    emit(session, event, f"{event}:{after.id}", after.model_dump(mode="json"))


def acknowledge_alert(store: Store, alert_id: int, by: str, at: datetime | None = None) -> Alert:
    """Acknowledge a stored alert (``alert.acknowledged`` is emitted with it); the alert as stored now."""
    moment = at or datetime.now(UTC)
    with store.transaction() as session:
        before = _read(session, alert_id)
        after = acknowledge(before, by, moment)
        if after != before:
            _store_change(session, before, after, "alert.acknowledged")
    return after


def resolve_alert(
    store: Store,
    alert_id: int,
    outcome: str,
    by: str,
    note: str | None = None,
    at: datetime | None = None,
) -> Alert:
    """Resolve a stored alert with an outcome (``alert.resolved`` is emitted with it); the alert as stored now."""
    moment = at or datetime.now(UTC)
    with store.transaction() as session:
        before = _read(session, alert_id)
        after = resolve(before, outcome, by, moment, note)
        _store_change(session, before, after, "alert.resolved")
    return after
