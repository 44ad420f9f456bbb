"""Delivering webhooks: signed POSTs from the outbox (models/outbox.py), retried with backoff, logged.

Each request carries the event as JSON and these headers:

    X-Callintel-Event: health.band_changed
    X-Callintel-Delivery: <the event id: the idempotency key; a receiver can drop one it has seen>
    X-Callintel-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the subscription's secret>

A receiver checks the signature with ``verify_signature`` (or the same three lines in its own language) and
refuses a timestamp older than its tolerance (replay protection). A delivery that fails (no answer, a
non-2xx status) is tried again after 2, 4, 8 ... seconds (at most an hour apart), up to ``MAX_ATTEMPTS``; then
it is marked failed. The deliveries table is the log: status, attempts, last HTTP status, or ``NO_ANSWER`` for
any failure short of an HTTP answer (refused, unreachable, timed out, an address webhooks may not go to: one
reason for all, so that the log tells nothing about what listens where; the detail goes to the worker's log).

Where a delivery may go, its deadline and its capped read are pipeline/egress.py's; signing secrets are stored
encrypted (models/crypto.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from models import crypto
from models.errors import InputError, NotFound
from models.outbox import EVENT_TYPES
from models.settings import Settings, get_settings
from models.store import Store
from models.tables import WebhookDeliveryRow, WebhookSubscriptionRow
from pipeline import egress

__all__ = [
    "MAX_ATTEMPTS",
    "NO_ANSWER",
    "Delivery",
    "DeliveryOutcome",
    "Subscription",
    "add_subscription",
    "deliver_due",
    "list_deliveries",
    "list_subscriptions",
    "remove_subscription",
    "retry_delivery",
    "sign",
    "verify_signature",
]

logger = logging.getLogger("callintel.webhooks")
MAX_ATTEMPTS = 8
NO_ANSWER = "no HTTP answer (refused, unreachable, timed out, or an address webhooks may not go to)"
MIN_SECRET, MAX_SECRET = 16, 128  # the API's schema says the same
DELIVERY_STATUSES = ("pending", "delivered", "failed")


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def verify_signature(
    secret: str, header: str | None, body: bytes, tolerance_s: int = 300, now: float | None = None
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is no older than ``tolerance_s``; False for anything
    else, a missing or non-ASCII header included (what a receiver gets is untrusted)."""
    if not isinstance(header, str) or not header.isascii():
        return False
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _check_url(url: str, settings: Settings) -> None:
    if not url.startswith(("http://", "https://")):
        raise InputError(f"not an http(s) URL: {url!r}")
    allow = egress.AllowList.parse(settings.webhook_allow_hosts)
    try:
        host = urlsplit(
            url
        ).hostname  # inet_aton's forms (0177.0.0.1) first: httpx refuses some as invalid
    except ValueError:
        host = None
    if host:
        egress.check_host(host, allow)
    try:
        parsed = httpx.URL(url)  # the parser the deliveries use
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise InputError(f"not a valid URL: {url!r} ({exc})") from None
    if not parsed.host:
        raise InputError(f"not a valid URL: {url!r} (no host)")
    egress.check_host(
        parsed.host, allow
    )  # the host the deliveries will use, where the two parsers differ


def add_subscription(
    store: Store,
    url: str,
    events: list[str],
    secret: str | None = None,
    settings: Settings | None = None,
) -> tuple[int, str]:
    """Subscribe ``url`` to ``events``; returns its id and signing secret (stored encrypted)."""
    settings = settings or get_settings()
    _check_url(url, settings)
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if not events or unknown:
        raise InputError(
            f"unknown events {unknown or events} (expected some of {', '.join(EVENT_TYPES)})"
        )
    if secret is not None and not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise InputError(
            f"a signing secret has {MIN_SECRET} to {MAX_SECRET} characters (this one has {len(secret)})"
        )
    secret = secret or "whsec_" + secrets.token_urlsafe(24)
    with store.transaction() as session:
        row = WebhookSubscriptionRow(
            url=url,
            events=sorted(set(events)),
            secret=crypto.encrypt(settings, secret),
            active=True,
        )
        session.add(row)
        session.flush()
        return row.id, secret


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


def list_subscriptions(store: Store) -> list[Subscription]:
    """The live subscriptions (removed ones keep only their delivery log)."""
    query = (
        select(WebhookSubscriptionRow)
        .where(WebhookSubscriptionRow.active)
        .order_by(WebhookSubscriptionRow.id)
    )
    with store.transaction() as session:
        return [_subscription(row) for row in session.scalars(query)]


def remove_subscription(store: Store, subscription_id: int) -> None:
    """Stop sending to a subscription: no new events are queued for it and its pending deliveries are dropped."""
    with store.transaction() as session:
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
    store: Store, status: str | None = None, subscription_id: int | None = None, limit: int = 50
) -> list[Delivery]:
    """The delivery log, newest first."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise InputError(
            f"unknown delivery status {status!r} (expected one of {', '.join(DELIVERY_STATUSES)})"
        )
    query = select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id.desc()).limit(limit)
    if status:
        query = query.where(WebhookDeliveryRow.status == status)
    if subscription_id is not None:
        query = query.where(WebhookDeliveryRow.subscription_id == subscription_id)
    with store.transaction() as session:
        return [_delivery(row) for row in session.scalars(query)]


def retry_delivery(store: Store, delivery_id: int) -> Delivery:
    """Give a failed delivery (of a live subscription) a fresh set of attempts, due now."""
    with store.transaction() as session:
        row = session.get(WebhookDeliveryRow, delivery_id, with_for_update=True)
        if row is None:
            raise NotFound("webhook delivery", str(delivery_id))
        subscription = session.get(WebhookSubscriptionRow, row.subscription_id)
        if row.status != "failed" or subscription is None or not subscription.active:
            raise InputError(
                f"delivery {delivery_id} is {row.status}: only a failed delivery of a live subscription is retried"
            )
        row.status, row.attempts, row.next_attempt_at = "pending", 0, datetime.now(UTC)
        return _delivery(row)


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: int
    retrying: int
    failed: int


def _attempt(row: WebhookDeliveryRow, url: str, secret: str, allow: egress.AllowList) -> str | None:
    """POST one delivery; None on a 2xx answer, else what went wrong (NO_ANSWER short of an HTTP answer)."""
    body = json.dumps(row.payload, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Callintel-Event": row.event_type,
        "X-Callintel-Delivery": row.event_id,
        "X-Callintel-Signature": sign(secret, body),
    }
    try:
        status = egress.post(url, body, headers, allow)
    except (
        Exception
    ) as exc:  # any failure is a failed attempt (a bad URL stored earlier too), never a dead worker
        logger.warning(
            "webhook %s to subscription %s: %s: %s",
            row.event_id,
            row.subscription_id,
            type(exc).__name__,
            exc,
        )
        row.last_status = None
        return NO_ANSWER
    row.last_status = status
    return None if 200 <= status < 300 else f"HTTP {status}"


def _record(row: WebhookDeliveryRow, error: str | None) -> str:
    """Count the attempt on the row: delivered, failed for good, or due again after a backoff."""
    row.attempts += 1
    if error is None:
        row.status, row.delivered_at, row.last_error = "delivered", datetime.now(UTC), None
        return "delivered"
    row.last_error = error
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        return "failed"
    row.next_attempt_at = datetime.now(UTC) + timedelta(seconds=min(3600, 2**row.attempts))
    return "retrying"


def _due(store: Store, limit: int) -> list[int]:
    with store.transaction() as session:
        return list(
            session.scalars(
                select(WebhookDeliveryRow.id)
                .where(
                    WebhookDeliveryRow.status == "pending",
                    WebhookDeliveryRow.next_attempt_at <= datetime.now(UTC),
                )
                .order_by(WebhookDeliveryRow.id)
                .limit(limit)
            )
        )


def deliver_due(
    store: Store,
    settings: Settings | None = None,
    limit: int = 100,
    stop: Callable[[], bool] = lambda: False,
) -> DeliveryOutcome:
    """Send every delivery that is due (until ``stop()``); each one's result is committed on its own.

    Raises SecretKeyError, before anything is sent or counted, when the secrets do not decrypt."""
    settings = settings or get_settings()
    allow = egress.AllowList.parse(settings.webhook_allow_hosts)
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    for delivery_id in _due(store, limit):
        if stop():
            break
        with store.transaction() as session:
            row = session.get(WebhookDeliveryRow, delivery_id, with_for_update=True)
            if row is None or row.status != "pending":
                continue
            subscription = session.get(WebhookSubscriptionRow, row.subscription_id)
            if subscription is None:  # deleting one deletes its deliveries: not seen here
                row.status, row.last_error = "failed", "subscription removed"
                counts["failed"] += 1
                continue
            error = _attempt(
                row, subscription.url, crypto.decrypt(settings, subscription.secret), allow
            )
            counts[_record(row, error)] += 1
            logger.info(
                "webhook %s to subscription %s: %s",
                row.event_id,
                row.subscription_id,
                error or "delivered",
            )
    return DeliveryOutcome(**counts)
