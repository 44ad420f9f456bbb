"""Delivering webhooks: signed POSTs from the outbox (models/webhooks_repo.py), retried with backoff, logged.

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
from sqlalchemy.orm import Session

from models import crypto, webhooks_repo
from models.errors import InputError
from models.settings import Settings
from models.store import Store
from models.webhooks_repo import EVENT_TYPES, Delivery, PendingDelivery, Subscription
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
    *,
    settings: Settings,
) -> tuple[int, str]:
    """Subscribe ``url`` to ``events``; returns its id and signing secret (stored encrypted with the settings'
    key; the settings' allow-list decides where it may point)."""
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
        subscription_id = webhooks_repo.add_subscription(
            session, url, events, crypto.encrypt(settings, secret)
        )
    return subscription_id, secret


def list_subscriptions(store: Store) -> list[Subscription]:
    """The live subscriptions (removed ones keep only their delivery log)."""
    with store.transaction() as session:
        return webhooks_repo.list_subscriptions(session)


def remove_subscription(store: Store, subscription_id: int) -> None:
    """Stop sending to a subscription: no new events are queued for it and its pending deliveries are dropped."""
    with store.transaction() as session:
        webhooks_repo.remove_subscription(session, subscription_id)


def list_deliveries(
    store: Store, status: str | None = None, subscription_id: int | None = None, limit: int = 50
) -> list[Delivery]:
    """The delivery log, newest first."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise InputError(
            f"unknown delivery status {status!r} (expected one of {', '.join(DELIVERY_STATUSES)})"
        )
    with store.transaction() as session:
        return webhooks_repo.list_deliveries(session, status, subscription_id, limit)


def retry_delivery(store: Store, delivery_id: int) -> Delivery:
    """Give a failed delivery (of a live subscription) a fresh set of attempts, due now."""
    with store.transaction() as session:
        return webhooks_repo.retry_delivery(session, delivery_id, datetime.now(UTC))


@dataclass(frozen=True)
class DeliveryOutcome:
    delivered: int
    retrying: int
    failed: int


def _attempt(
    delivery: PendingDelivery, url: str, secret: str, allow: egress.AllowList
) -> tuple[int | None, str | None]:
    """POST one delivery: its HTTP status (None short of an answer) and None on a 2xx answer, else what went
    wrong (NO_ANSWER short of an HTTP answer)."""
    body = json.dumps(delivery.payload, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Callintel-Event": delivery.event_type,
        "X-Callintel-Delivery": delivery.event_id,
        "X-Callintel-Signature": sign(secret, body),
    }
    try:
        status = egress.post(url, body, headers, allow)
    except (
        Exception
    ) as exc:  # any failure is a failed attempt (a bad URL stored earlier too), never a dead worker
        logger.warning(
            "webhook %s to subscription %s: %s: %s",
            delivery.event_id,
            delivery.subscription_id,
            type(exc).__name__,
            exc,
        )
        return None, NO_ANSWER
    return status, None if 200 <= status < 300 else f"HTTP {status}"


def _record(
    session: Session, delivery: PendingDelivery, http_status: int | None, error: str | None
) -> str:
    """Count the attempt: delivered, failed for good, or due again after a backoff (2, 4, 8 ... s, at most an
    hour); returns which."""
    now, attempts = datetime.now(UTC), delivery.attempts + 1
    if error is None:
        outcome = "delivered"
    else:
        outcome = "failed" if attempts >= MAX_ATTEMPTS else "retrying"
    status = "pending" if outcome == "retrying" else outcome
    again = now + timedelta(seconds=min(3600, 2**attempts)) if outcome == "retrying" else None
    webhooks_repo.record_attempt(session, delivery.id, status, http_status, error, now, again)
    return outcome


def _deliver_one(
    session: Session, delivery_id: int, settings: Settings, allow: egress.AllowList
) -> str | None:
    """Send one delivery if it is still pending; its outcome (None: nothing to do)."""
    delivery = webhooks_repo.pending_delivery(session, delivery_id)
    if delivery is None:
        return None
    if delivery.url is None or delivery.encrypted_secret is None:
        # deleting a subscription deletes its deliveries: not seen here
        webhooks_repo.fail_delivery(session, delivery_id, "subscription removed")
        return "failed"
    secret = crypto.decrypt(settings, delivery.encrypted_secret)
    http_status, error = _attempt(delivery, delivery.url, secret, allow)
    outcome = _record(session, delivery, http_status, error)
    logger.info(
        "webhook %s to subscription %s: %s",
        delivery.event_id,
        delivery.subscription_id,
        error or "delivered",
    )
    return outcome


def deliver_due(
    store: Store,
    settings: Settings,
    limit: int = 100,
    stop: Callable[[], bool] = lambda: False,
) -> DeliveryOutcome:
    """Send every delivery that is due (until ``stop()``); each one's result is committed on its own.

    Raises SecretKeyError, before anything is sent or counted, when the secrets do not decrypt."""
    allow = egress.AllowList.parse(settings.webhook_allow_hosts)
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    with store.transaction() as session:
        due = webhooks_repo.due_delivery_ids(session, datetime.now(UTC), limit)
    for delivery_id in due:
        if stop():
            break
        with store.transaction() as session:
            outcome = _deliver_one(session, delivery_id, settings, allow)
        if outcome is not None:
            counts[outcome] += 1
    return DeliveryOutcome(**counts)
