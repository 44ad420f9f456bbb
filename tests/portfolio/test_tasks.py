"""Follow-up tasks: constructed summaries become tasks (owner, due, kind, idempotent), the one-off sync, and the
reminders (overdue tasks, red customers left alone) at a given moment, each with one task.overdue webhook."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from models.errors import Conflict, NotFound
from models.settings import get_settings
from models.store import Store
from models.tables import TaskRow, WebhookDeliveryRow
from models.tasks import Task, TaskFilter, add_tasks, get_task, set_status, tasks_page
from pipeline.stages import persist
from pipeline.webhooks import add_subscription, deliver_due, verify_signature
from portfolio.tasks import raise_reminders, summary_tasks, sync_from_summaries
from tests.helpers import Receiver, known
from tests.portfolio.tasks_seed import call, owner, red_alert, snapshot, step, summary

D = date.fromisoformat


def stored(store: Store) -> list[Task]:
    return tasks_page(store, TaskFilter(), limit=1000).items


def save(store: Store, made) -> None:
    """Store a summary as the pipeline's summary stage does (pipeline/stages.py)."""
    with store.transaction() as session:
        persist(session, "summary", made.interaction_id, made)


# the rules, pure


def test_each_dated_step_with_an_owner_becomes_a_task():
    made = summary(
        "c1",
        "acme",
        [
            step(3, "I'll send the proposal by Friday", D("2026-10-09")),
            step(5, "We'll sign by the 30th", D("2026-10-30"), role="customer"),
            step(6, "Let's talk again sometime", None),
            step(3, "I'll loop in our CFO", D("2026-10-12")),
        ],
    )
    tasks = summary_tasks(made, account_owner="dana")
    assert [(t.key, t.kind, t.owner, t.due, t.title) for t in tasks] == [
        ("step:c1:3:0", "next_step", "sam", D("2026-10-09"), "I'll send the proposal by Friday"),
        ("step:c1:5:0", "follow_up", "sam", D("2026-10-30"), "Follow up: We'll sign by the 30th"),
        ("step:c1:3:1", "next_step", "sam", D("2026-10-12"), "I'll loop in our CFO"),
    ]
    assert all(t.customer_id == "acme" and t.interaction_id == "c1" for t in tasks)


def test_without_a_rep_the_account_owner_owns_them_and_without_either_there_is_no_task():
    steps = [step(1, "I'll send the deck", D("2026-10-05"))]
    assert [t.owner for t in summary_tasks(summary("c1", "acme", steps, rep=None), "dana")] == [
        "dana"
    ]
    assert summary_tasks(summary("c1", "acme", steps, rep=None), None) == []


def test_overdue_starts_the_day_after_the_due_day():
    task = Task(key="k", kind="next_step", customer_id="acme", title="t", due=D("2026-10-09"))
    assert not task.overdue(D("2026-10-09")) and task.overdue(D("2026-10-10"))
    assert not task.model_copy(update={"status": "done"}).overdue(D("2026-11-01"))


# stored


@pytest.mark.both_backends
def test_storing_a_summary_makes_its_tasks_once_and_a_new_analysis_updates_them(store):
    first = call(store, "acme", "2026-10-01")
    owner(store, "acme", "dana")
    made = summary(
        first,
        "acme",
        [
            step(1, "I'll send the proposal", D("2026-10-09")),
            step(2, "I'll book the QBR", D("2026-10-20")),
            step(4, "We'll send the PO", D("2026-10-15"), role="customer"),
        ],
        rep=None,
    )
    save(store, made)
    save(store, made)  # the pipeline re-run: nothing new
    tasks = stored(store)
    assert [(t.title, t.owner, t.due) for t in tasks] == [
        ("I'll send the proposal", "dana", D("2026-10-09")),
        ("Follow up: We'll send the PO", "dana", D("2026-10-15")),
        ("I'll book the QBR", "dana", D("2026-10-20")),
    ]
    set_status(store, known(tasks[2].id), True, "dana", "booked")
    again = made.model_copy(
        update={
            "next_steps": [step(1, "I'll send the revised proposal", D("2026-10-10"))],
            "rep": "sam",
        }
    )
    save(store, again)  # re-analysed: step 1 changed, step 4 gone, the done step 2 kept
    after = {t.key: t for t in stored(store)}
    assert sorted(after) == [f"step:{first}:1:0", f"step:{first}:2:0"]
    changed = after[f"step:{first}:1:0"]
    assert (changed.id, changed.title, changed.due, changed.owner) == (
        tasks[0].id,
        "I'll send the revised proposal",
        D("2026-10-10"),
        "sam",
    )
    assert (
        after[f"step:{first}:2:0"].status == "done" and after[f"step:{first}:2:0"].note == "booked"
    )


@pytest.mark.both_backends
def test_the_sync_makes_the_tasks_of_summaries_stored_before_tasks_existed(store):
    ids = [call(store, "acme", f"2026-10-0{day}") for day in (1, 2, 3)]
    with store.transaction() as session:
        for n, interaction_id in enumerate(ids):
            Store.put_summary(
                session, summary(interaction_id, "acme", [step(0, f"step {n}", D("2026-10-20"))])
            )
    assert stored(store) == []
    assert sync_from_summaries(store) == 3
    assert sync_from_summaries(store) == 0
    assert sorted(t.title for t in stored(store)) == ["step 0", "step 1", "step 2"]


@pytest.mark.both_backends
def test_done_and_reopen_and_their_conflicts(store):
    interaction_id = call(store, "acme", "2026-10-01")
    save(store, summary(interaction_id, "acme", [step(0, "I'll call back", D("2026-10-03"))]))
    (task,) = stored(store)
    done = set_status(store, known(task.id), True, "sam", "called, all good")
    assert (done.status, done.done_by, done.note) == ("done", "sam", "called, all good")
    assert done.done_at is not None
    with pytest.raises(Conflict, match=f"task {task.id} is already done"):
        set_status(store, known(task.id), True, "sam")
    assert set_status(store, known(task.id), False, "sam").status == "open"
    with pytest.raises(NotFound):
        get_task(store, 999)


# reminders


def deliveries(store: Store) -> list[WebhookDeliveryRow]:
    with store.transaction() as session:
        query = select(WebhookDeliveryRow).where(WebhookDeliveryRow.event_type == "task.overdue")
        return list(session.scalars(query.order_by(WebhookDeliveryRow.id)))


def dated(store: Store, customer: str, due: str, title: str, owner: str = "sam") -> Task:
    with store.transaction() as session:
        add_tasks(
            session,
            [
                Task(
                    key=title,
                    kind="next_step",
                    customer_id=customer,
                    owner=owner,
                    title=title,
                    due=D(due),
                )
            ],
        )
    return next(t for t in stored(store) if t.key == title)


@pytest.mark.both_backends
def test_an_overdue_task_is_reminded_once_with_one_webhook(store):
    call(store, "acme", "2026-10-01")
    add_subscription(
        store, "https://crm.example.com/hook", ["task.overdue"], settings=get_settings()
    )
    a, b, c = (
        dated(store, "acme", due, title)
        for due, title in [("2026-10-20", "a"), ("2026-10-25", "b"), ("2026-10-30", "c")]
    )
    finished = dated(store, "acme", "2026-10-01", "finished")
    set_status(store, known(finished.id), True, "sam")
    # 2026-10-30 12:00: a and b are past their due day; c is due today
    first = raise_reminders(store, datetime(2026, 10, 30, 12, tzinfo=UTC), days=7)
    assert [t.title for t in first.reminded] == ["a", "b"] and first.reach_outs == 0
    assert [d.payload["data"]["title"] for d in deliveries(store)] == ["a", "b"]
    assert deliveries(store)[0].payload["data"]["days_overdue"] == 10
    assert deliveries(store)[0].payload["data"]["reason"] == "overdue"
    assert raise_reminders(store, datetime(2026, 10, 30, 23, tzinfo=UTC), days=7).reminded == []
    later = raise_reminders(store, datetime(2026, 10, 31, 0, tzinfo=UTC), days=7)
    assert [t.title for t in later.reminded] == ["c"]
    assert [d.payload["data"]["title"] for d in deliveries(store)] == ["a", "b", "c"]
    overdue = tasks_page(store, TaskFilter(overdue_on=D("2026-10-31"))).items
    assert [t.id for t in overdue] == [a.id, b.id, c.id]
    assert all(t.reminded_at is not None for t in overdue)


@pytest.mark.both_backends
def test_a_red_customer_left_alone_for_n_days_after_an_alert_gets_a_reach_out(store):
    for customer in ("hooli", "acme", "globex", "umbrella"):
        call(store, customer, "2026-09-20")
    add_subscription(
        store, "https://crm.example.com/hook", ["task.overdue"], settings=get_settings()
    )
    alert = red_alert(store, "hooli", "2026-10-01")  # red, nobody called since: due 10-08
    snapshot(store, "hooli", "2026-10-01", "red")
    red_alert(store, "acme", "2026-10-01")  # red, but called on 10-03
    snapshot(store, "acme", "2026-10-01", "red")
    call(store, "acme", "2026-10-03")
    red_alert(store, "globex", "2026-10-01")  # back to green since
    snapshot(store, "globex", "2026-10-01", "red")
    snapshot(store, "globex", "2026-10-05", "green")
    red_alert(store, "umbrella", "2026-10-01", status="resolved")  # the alert is resolved
    snapshot(store, "umbrella", "2026-10-01", "red")
    early = raise_reminders(store, datetime(2026, 10, 8, 23, tzinfo=UTC), days=7)
    assert (early.reach_outs, early.reminded) == (0, [])
    due = raise_reminders(store, datetime(2026, 10, 9, 0, tzinfo=UTC), days=7)
    assert due.reach_outs == 1
    (task,) = due.reminded
    assert (task.kind, task.customer_id, task.owner, task.alert_id, task.due) == (
        "reach_out",
        "hooli",
        "dana",
        alert,
        D("2026-10-08"),
    )
    assert task.title.startswith("Reach out to hooli: red, and no call or ticket in the 7 days")
    (delivery,) = deliveries(store)
    assert delivery.payload["data"]["reason"] == "no_contact"
    red_alert(store, "hooli", "2026-10-05")  # a later alert, still no contact: the same reach-out
    again = raise_reminders(store, datetime(2026, 10, 20, tzinfo=UTC), days=7)
    assert (again.reach_outs, again.reminded, len(deliveries(store))) == (0, [], 1)
    call(store, "hooli", "2026-10-21")  # contacted; a new alert after it starts a new count
    red_alert(store, "hooli", "2026-10-22")
    assert raise_reminders(store, datetime(2026, 10, 29, 12, tzinfo=UTC), days=7).reach_outs == 0
    fresh = raise_reminders(store, datetime(2026, 10, 30, 0, tzinfo=UTC), days=7)
    assert [(t.kind, t.due) for t in fresh.reminded] == [("reach_out", D("2026-10-29"))]


@pytest.mark.both_backends
def test_the_reminder_days_are_a_parameter(store):
    call(store, "hooli", "2026-09-20")
    red_alert(store, "hooli", "2026-10-01")
    snapshot(store, "hooli", "2026-10-01", "red")
    assert raise_reminders(store, datetime(2026, 10, 4, 12, tzinfo=UTC), days=3).reach_outs == 0
    assert raise_reminders(store, datetime(2026, 10, 5, 0, tzinfo=UTC), days=3).reach_outs == 1
    with store.transaction() as session:
        (row,) = session.scalars(select(TaskRow))
        assert row.due == D("2026-10-04")


def test_the_reminder_reaches_a_receiver_signed_once(store, monkeypatch):
    monkeypatch.setenv("CALLINTEL_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    receiver = Receiver([])
    try:
        _, secret = add_subscription(store, receiver.url, ["task.overdue"], settings=get_settings())
        call(store, "acme", "2026-10-01")
        task = dated(store, "acme", "2026-10-20", "send the quote")
        for hour in (1, 2):  # two refreshes: one reminder
            raise_reminders(store, datetime(2026, 10, 22, hour, tzinfo=UTC), days=7)
            assert deliver_due(store, get_settings()).failed == 0
        ((headers, body),) = receiver.requests
    finally:
        receiver.server.shutdown()
    assert verify_signature(secret, headers["X-Callintel-Signature"], body)
    event = json.loads(body)
    assert (event["type"], headers["X-Callintel-Event"]) == ("task.overdue", "task.overdue")
    assert event["id"] == f"task.overdue:{task.id}:2026-10-20"
    assert (event["data"]["id"], event["data"]["owner"], event["data"]["days_overdue"]) == (
        task.id,
        "sam",
        2,
    )
