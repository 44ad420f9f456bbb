"""Webhooks against a real local HTTP receiver: signed, retried with backoff, logged, each event once."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from models.settings import get_settings
from models.tables import WebhookDeliveryRow
from pipeline.queue import JobQueue
from pipeline.runner import run_jobs
from pipeline.webhooks import NO_ANSWER, add_subscription, deliver_due, sign, verify_signature
from tests.helpers import Receiver
from tests.models.test_store import make_call


@pytest.fixture(autouse=True)
def _loopback_allowed(monkeypatch):
    """The receivers here listen on 127.0.0.1: allowed as an on-premises receiver would be."""
    monkeypatch.setenv("CALLINTEL_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()


@pytest.fixture
def receiver():
    r = Receiver([500])  # the first request fails: the delivery must be retried
    yield r
    r.server.shutdown()


def _due_now(store):
    with store.transaction() as session:
        session.execute(
            update(WebhookDeliveryRow).values(next_attempt_at=WebhookDeliveryRow.created_at)
        )


def test_events_are_signed_retried_and_delivered_once(store, db_url, settings, engines, receiver):
    settings = engines.settings = settings.model_copy(
        update={"risk_as_of": datetime(2026, 9, 2, tzinfo=UTC)}
    )
    _, secret = add_subscription(
        store,
        receiver.url,
        ["interaction.analysed", "risk_signal.created", "health.band_changed"],
        settings=get_settings(),
    )
    interaction, transcript = make_call()
    transcript.utterances[
        1
    ].text = "We are cancelling the contract, and we need to export all our data."
    store.save_interaction(interaction, transcript)
    run_jobs(db_url, settings, 1, engines)  # runs the job, then delivers: the first POST gets a 500
    with store.transaction() as session:
        rows = {r.event_id: r for r in session.scalars(select(WebhookDeliveryRow))}
    types = sorted(r.event_type for r in rows.values())
    assert (
        types.count("interaction.analysed") == 1
        and "risk_signal.created" in types
        and "health.band_changed" in types
    )
    assert sum(r.status == "pending" and r.last_status == 500 for r in rows.values()) == 1
    _due_now(store)
    outcome = deliver_due(store, get_settings())
    assert outcome.delivered == 1 and outcome.failed == 0
    JobQueue(store).enqueue([interaction.id])  # analysing again announces nothing new
    run_jobs(db_url, settings, 1, engines)
    with store.transaction() as session:
        statuses = [r.status for r in session.scalars(select(WebhookDeliveryRow))]
    assert statuses == ["delivered"] * len(rows)
    delivered_ids = [headers["X-Callintel-Delivery"] for headers, _ in receiver.requests]
    assert (
        sorted(set(delivered_ids)) == sorted(rows) and len(delivered_ids) == len(rows) + 1
    )  # one retry
    for headers, body in receiver.requests:
        assert verify_signature(secret, headers["X-Callintel-Signature"], body)
        event = json.loads(body)
        assert (
            event["id"] == headers["X-Callintel-Delivery"]
            and event["type"] == headers["X-Callintel-Event"]
        )
    analysed = next(
        json.loads(b)
        for h, b in receiver.requests
        if h["X-Callintel-Event"] == "interaction.analysed"
    )
    assert (
        analysed["data"]["interaction_id"] == interaction.id
        and "cancellation_intent" in analysed["data"]["tag_counts"]
    )


def test_a_receiver_that_never_answers_is_given_up_after_the_last_attempt(store, monkeypatch):
    monkeypatch.setattr("pipeline.webhooks.MAX_ATTEMPTS", 2)
    add_subscription(
        store,
        "http://127.0.0.1:9/nothing-listens-here",
        ["interaction.analysed"],
        settings=get_settings(),
    )
    from models.outbox import emit

    with store.transaction() as session:
        emit(session, "interaction.analysed", "interaction.analysed:x", {"interaction_id": "x"})
    assert deliver_due(store, get_settings()).retrying == 1
    _due_now(store)
    assert deliver_due(store, get_settings()).failed == 1
    with store.transaction() as session:
        (row,) = session.scalars(select(WebhookDeliveryRow))
    assert (row.status, row.attempts, row.last_status, row.last_error) == (
        "failed",
        2,
        None,
        NO_ANSWER,
    )


def test_a_delivery_that_raises_anything_is_a_failed_attempt_not_a_dead_worker(store):
    """A URL stored before URLs were parsed (http://[::1/ passed the old check): httpx raises InvalidURL."""
    from models.outbox import emit
    from models.tables import WebhookSubscriptionRow

    add_subscription(
        store, "http://127.0.0.1:9/hooks", ["interaction.analysed"], settings=get_settings()
    )
    with store.transaction() as session:
        session.execute(update(WebhookSubscriptionRow).values(url="http://[::1/"))
        emit(session, "interaction.analysed", "interaction.analysed:y", {"interaction_id": "y"})
    assert deliver_due(store, get_settings()).retrying == 1
    with store.transaction() as session:
        (row,) = session.scalars(select(WebhookDeliveryRow))
    assert row.attempts == 1 and row.last_error == NO_ANSWER


def test_signatures_refuse_tampering_and_replays():
    body = b'{"id": "e1"}'
    header = sign("s3cret", body)
    assert verify_signature("s3cret", header, body)
    assert not verify_signature("s3cret", header, body + b" ")
    assert not verify_signature("other", header, body)
    old = sign("s3cret", body, timestamp=int(time.time()) - 600)
    assert not verify_signature("s3cret", old, body)  # replayed ten minutes later
    assert not verify_signature("s3cret", "garbage", body)
    # what a receiver is sent is untrusted: a missing header or one with non-ASCII text is False, never an exception
    assert not verify_signature("s3cret", None, body)
    assert not verify_signature("s3cret", header.replace("v1=", "v1=é"), body)
    assert not verify_signature("s3cret", header[:-4] + "ñññ", body)
    assert not verify_signature("s3cret", "t=١٢٣,v1=abc", body)


def test_subscriptions_check_their_url_and_events(store):
    from models.errors import InputError

    with pytest.raises(InputError, match="not an http"):
        add_subscription(store, "ftp://x", ["interaction.analysed"], settings=get_settings())
    with pytest.raises(InputError, match="unknown events"):
        add_subscription(store, "http://x", ["interaction.deleted"], settings=get_settings())
    for broken in ("http://[::1/", "http://", "http://:80/path"):
        with pytest.raises(InputError, match="not a valid URL"):
            add_subscription(store, broken, ["interaction.analysed"], settings=get_settings())
