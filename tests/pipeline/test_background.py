"""serve's background worker: jobs run as they arrive, and risk is re-evaluated on its own (no cron)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models.records import UsageEvent
from models.tables import HealthSnapshotRow
from pipeline.background import follow
from pipeline.queue import JobQueue
from tests.models.test_store import make_call


@pytest.mark.both_backends
def test_follow_runs_new_jobs_and_refreshes_every_customers_risk(store, db_url, settings, engines):
    interaction, transcript = make_call()
    store.save_interaction(interaction, transcript)
    start = datetime(
        2026, 6, 1, tzinfo=UTC
    )  # a customer with no calls at all: logins, then silence
    store.save_usage_events(
        UsageEvent(customer_id="quiet", kind="login", occurred_at=start + timedelta(days=d))
        for d in range(0, 60)
    )
    as_of = start + timedelta(days=100)
    settings = engines.settings = settings.model_copy(
        update={"risk_as_of": as_of, "risk_refresh_s": 3600}
    )
    stop = threading.Event()
    worker = threading.Thread(
        target=follow,
        args=(db_url, settings, stop),
        kwargs={"poll_s": 0.1, "refresh": True, "engines": engines},
    )
    worker.start()
    try:
        deadline = time.monotonic() + 120
        snapshot = (
            None  # the job and the refresh finish in either order: wait for both, not for a time
        )
        while time.monotonic() < deadline and (
            snapshot is None or JobQueue(store).counts()["done"] < 1
        ):
            with store.transaction() as session:
                query = select(HealthSnapshotRow).where(HealthSnapshotRow.customer_id == "quiet")
                snapshot = session.scalars(query).one_or_none()
            time.sleep(0.2)
        assert JobQueue(store).counts()["done"] == 1 and snapshot is not None
        assert (
            snapshot.as_of.replace(tzinfo=UTC) == as_of and "usage_drop:login" in snapshot.breakdown
        )
        assert snapshot.score < 100
    finally:
        stop.set()
        worker.join(30)
    assert not worker.is_alive()


def test_a_failing_round_is_retried_and_the_worker_lives_on(
    store, db_url, settings, engines, monkeypatch, caplog
):
    """A round raises twice (a locked database, a bug): the worker logs it, backs off, and still runs the job."""
    import pipeline.background as background

    real, failures = background.drain, list[int]()

    def flaky(*args, **kwargs):
        if len(failures) < 2:
            failures.append(1)
            raise RuntimeError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(background, "drain", flaky)
    stop = threading.Event()
    worker = threading.Thread(
        target=follow, args=(db_url, settings, stop), kwargs={"poll_s": 0.05, "engines": engines}
    )
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(failures) < 2:
            time.sleep(0.05)
        interaction, transcript = make_call()
        store.save_interaction(interaction, transcript)  # arrives after the failures
        while time.monotonic() < deadline and JobQueue(store).counts().get("done", 0) < 1:
            time.sleep(0.1)
        assert JobQueue(store).counts() == {"done": 1} and worker.is_alive()
        assert sum("round failed" in r.message for r in caplog.records) == 2
    finally:
        stop.set()
        worker.join(30)


def test_an_idle_poll_takes_no_write_lock(store, db_url, settings, tmp_path):
    """Another process holds SQLite's write lock: looking for work and for exhausted jobs must not wait for it."""
    import sqlite3

    from pipeline.runner import queue_for

    queue = queue_for(store, settings)
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0.1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert queue.give_up_exhausted() == 0
        assert queue.claim("test-worker") is None
        assert queue.reclaim_orphans() == 0
    finally:
        holder.rollback()
        holder.close()


def test_a_slow_receiver_never_holds_up_analysis(store, db_url, settings, engines, monkeypatch):
    """A receiver holds its answer: the jobs that come meanwhile are analysed; the delivery goes out on its own."""
    from models.tables import WebhookDeliveryRow
    from pipeline.webhooks import add_subscription
    from tests.pipeline.receivers import Holding, wait_until

    settings = engines.settings = settings.model_copy(update={"webhook_allow_hosts": "127.0.0.1"})
    monkeypatch.setattr(
        "pipeline.egress.DEADLINE_S", 120.0
    )  # the held delivery stays in flight for the whole test
    receiver = Holding()
    add_subscription(store, receiver.url, ["interaction.analysed"], settings=settings)
    first, second = make_call(b"held-1"), make_call(b"held-2")
    store.save_interaction(*first)
    stop = threading.Event()
    worker = threading.Thread(
        target=follow,
        args=(db_url, settings, stop),
        kwargs={"poll_s": 0.05, "engines": engines, "deliver": True},
    )
    worker.start()
    try:
        assert receiver.arrived.wait(
            60
        )  # the first job is done and its delivery is held by the receiver
        store.save_interaction(*second)
        assert wait_until(lambda: JobQueue(store).counts().get("done", 0) == 2)
        with store.transaction() as session:
            held = session.scalars(
                select(WebhookDeliveryRow).where(
                    WebhookDeliveryRow.event_id == f"interaction.analysed:{first[0].id}"
                )
            ).one()
        assert (held.status, held.attempts, receiver.answered) == (
            "pending",
            0,
            0,
        )  # still in flight meanwhile
        receiver.release.set()

        def delivered() -> bool:
            with store.transaction() as session:
                return [r.status for r in session.scalars(select(WebhookDeliveryRow))] == [
                    "delivered"
                ] * 2

        assert wait_until(delivered)
    finally:
        receiver.close()
        stop.set()
        worker.join(30)
    assert not worker.is_alive()
