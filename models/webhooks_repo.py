"""Webhooks: subscriptions, and the outbox of deliveries written in the same transaction as the change they
announce.

``emit`` adds one delivery row per active subscription to the event's type; the pair (subscription, event id)
is unique, so an event emitted twice (a re-run, a retried job) is delivered once. pipeline/webhooks.py sends
the rows (signing, egress rules and the retry policy are its); the rows are also the delivery log. Functions
over the caller's Session; a signing secret arrives here encrypted (models/crypto.py) and leaves encrypted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.errors import InputError, NotFound
from models.tables import WebhookDeliveryRow, WebhookSubscriptionRow

__all__ = [
    "EVENT_TYPES",
    "Delivery",
    "EventType",
    "PendingDelivery",
    "Subscription",
    "add_subscription",
    "due_delivery_ids",
    "emit",
    "emit_many",
    "fail_delivery",
    "list_deliveries",
    "list_subscriptions",
    "pending_delivery",
    "record_attempt",
    "remove_subscription",
    "retry_delivery",
]

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


# -- many events of one type at once (the follow-up task reminders of a refresh: portfolio/tasks.py) ----------


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


# -- subscriptions and the delivery log ------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """A subscribed URL (its signing secret is shown once, when it is added, and never listed)."""

    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One event for one subscription: a row of the delivery log."""

    id: int
    subscription_id: int
    event_id: str
    event_type: str
    status: str  # pending, delivered, failed
    attempts: int
    next_attempt_at: datetime | None  # when a pending one is tried (again)
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None


def _subscription(row: WebhookSubscriptionRow) -> Subscription:
    return Subscription(row.id, row.url, list(row.events), row.active, row.created_at)


def _delivery(row: WebhookDeliveryRow) -> Delivery:
    return Delivery(
        row.id,
        row.subscription_id,
        row.event_id,
        row.event_type,
        row.status,
        row.attempts,
        row.next_attempt_at if row.status == "pending" else None,
        row.last_status,
        row.last_error,
        row.delivered_at,
    )


def add_subscription(
    session: Session, url: str, events: Iterable[str], encrypted_secret: str
) -> int:
    """A live subscription of ``url`` to ``events`` (checked by the caller); its id."""
    row = WebhookSubscriptionRow(
        url=url, events=sorted(set(events)), secret=encrypted_secret, active=True
    )
    session.add(row)
    session.flush()
    return row.id


def list_subscriptions(session: Session) -> list[Subscription]:
    """The live subscriptions (removed ones keep only their delivery log)."""
    query = (
        select(WebhookSubscriptionRow)
        .where(WebhookSubscriptionRow.active)
        .order_by(WebhookSubscriptionRow.id)
    )
    return [_subscription(row) for row in session.scalars(query)]


def remove_subscription(session: Session, subscription_id: int) -> None:
    """No new events are queued for the subscription and its pending deliveries are dropped; NotFound if it
    is not live."""
    row = session.get(WebhookSubscriptionRow, subscription_id)
    if row is None or not row.active:
        raise NotFound("webhook subscription", str(subscription_id))
    row.active = False
    for delivery in session.scalars(
        select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.subscription_id == subscription_id,
            WebhookDeliveryRow.status == "pending",
        )
    ):
        delivery.status, delivery.last_error = "failed", "subscription removed"


def list_deliveries(
    session: Session, status: str | None = None, subscription_id: int | None = None, limit: int = 50
) -> list[Delivery]:
    """The delivery log, newest first."""
    query = select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id.desc()).limit(limit)
    if status:
        query = query.where(WebhookDeliveryRow.status == status)
    if subscription_id is not None:
        query = query.where(WebhookDeliveryRow.subscription_id == subscription_id)
    return [_delivery(row) for row in session.scalars(query)]


def retry_delivery(session: Session, delivery_id: int, now: datetime) -> Delivery:
    """Give a failed delivery (of a live subscription) a fresh set of attempts, due ``now``."""
    row = session.get(WebhookDeliveryRow, delivery_id, with_for_update=True)
    if row is None:
        raise NotFound("webhook delivery", str(delivery_id))
    subscription = session.get(WebhookSubscriptionRow, row.subscription_id)
    if row.status != "failed" or subscription is None or not subscription.active:
        raise InputError(
            f"delivery {delivery_id} is {row.status}: only a failed delivery of a live subscription is retried"
        )
    row.status, row.attempts, row.next_attempt_at = "pending", 0, now
    return _delivery(row)


# -- sending: what pipeline/webhooks.py reads and records, one delivery per transaction ------------------------


@dataclass(frozen=True)
class PendingDelivery:
    """A delivery due to be sent, with where to (``url`` None: its subscription is gone)."""

    id: int
    subscription_id: int
    event_id: str
    event_type: str
    payload: dict[str, Any]
    attempts: int
    url: str | None
    encrypted_secret: str | None


def due_delivery_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """The pending deliveries due by ``now``, oldest first."""
    query = (
        select(WebhookDeliveryRow.id)
        .where(WebhookDeliveryRow.status == "pending", WebhookDeliveryRow.next_attempt_at <= now)
        .order_by(WebhookDeliveryRow.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def pending_delivery(session: Session, delivery_id: int) -> PendingDelivery | None:
    """The delivery, locked for this transaction, if it is still pending; None otherwise."""
    row = session.get(WebhookDeliveryRow, delivery_id, with_for_update=True)
    if row is None or row.status != "pending":
        return None
    subscription = session.get(WebhookSubscriptionRow, row.subscription_id)
    return PendingDelivery(
        row.id,
        row.subscription_id,
        row.event_id,
        row.event_type,
        row.payload,
        row.attempts,
        subscription.url if subscription is not None else None,
        subscription.secret if subscription is not None else None,
    )


def fail_delivery(session: Session, delivery_id: int, reason: str) -> None:
    """Mark the delivery failed for good, with ``reason`` (no attempt counted)."""
    row = session.get(WebhookDeliveryRow, delivery_id)
    if row is not None:
        row.status, row.last_error = "failed", reason


def record_attempt(
    session: Session,
    delivery_id: int,
    status: str,
    http_status: int | None,
    error: str | None,
    now: datetime,
    next_attempt_at: datetime | None = None,
) -> None:
    """Count an attempt: ``status`` delivered (at ``now``), failed, or pending again at ``next_attempt_at``."""
    row = session.get(WebhookDeliveryRow, delivery_id)
    if row is None:
        return
    row.attempts += 1
    row.status, row.last_status, row.last_error = status, http_status, error
    if status == "delivered":
        row.delivered_at = now
    elif next_attempt_at is not None:
        row.next_attempt_at = next_attempt_at
