"""The webhook outbox: events written in the same transaction as the change they announce.

``emit`` adds one delivery row per active subscription to the event's type; the pair (subscription, event id)
is unique, so an event emitted twice (a re-run, a retried job) is delivered once. pipeline/webhooks.py sends
the rows; the rows are also the delivery log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import WebhookDeliveryRow, WebhookSubscriptionRow

__all__ = ["EVENT_TYPES", "EventType", "emit", "emit_many"]

EventType = Literal[
    "risk_signal.created",
    "health.band_changed",
    "interaction.analysed",
    "alert.acknowledged",
    "alert.resolved",
    "task.overdue",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)


def emit(session: Session, event_type: EventType, event_id: str, data: dict[str, Any]) -> int:
    """Queue the event for every subscriber; returns how many deliveries were added."""
    now = datetime.now(UTC)
    subscriptions = [
        s
        for s in session.scalars(
            select(WebhookSubscriptionRow).where(WebhookSubscriptionRow.active)
        )
        if event_type in s.events
    ]
    if not subscriptions:
        return 0
    known = set(
        session.scalars(
            select(WebhookDeliveryRow.subscription_id).where(
                WebhookDeliveryRow.event_id == event_id,
                WebhookDeliveryRow.subscription_id.in_([s.id for s in subscriptions]),
            )
        )
    )
    envelope = {"id": event_id, "type": event_type, "created_at": now.isoformat(), "data": data}
    fresh = [s for s in subscriptions if s.id not in known]
    session.add_all(
        WebhookDeliveryRow(
            subscription_id=s.id,
            event_id=event_id,
            event_type=event_type,
            payload=envelope,
            status="pending",
            attempts=0,
            next_attempt_at=now,
        )
        for s in fresh
    )
    return len(fresh)


# -- E: many events of one type at once (the follow-up task reminders of a refresh: portfolio/tasks.py) --


def emit_many(
    session: Session, event_type: EventType, events: Iterable[tuple[str, dict[str, Any]]]
) -> int:
    """``emit`` for many (event id, data) pairs of one type: the subscriptions are read once, and when none
    wants the type nothing more is read (nor are the events made: pass a generator); returns how many
    deliveries were added."""
    wanted = any(
        event_type in s.events
        for s in session.scalars(
            select(WebhookSubscriptionRow).where(WebhookSubscriptionRow.active)
        )
    )
    return (
        sum(emit(session, event_type, event_id, data) for event_id, data in events) if wanted else 0
    )
