"""Follow-up tasks: which next steps become tasks, and when a task's owner is reminded.

From a post-call summary (written with it, by the pipeline's summary stage; ``sync_from_summaries`` for stores
analysed before tasks existed), each next step that has a due date and an owner becomes a task:

    the rep's own promise ("I'll send the proposal by Friday")   kind next_step, the commitment as its title
    the customer's promise ("we'll sign by the 30th")            kind follow_up for the rep: "Follow up: ..."

The owner is the call's rep, else the account's owner; a step with no due date or no owner is not a task. The key
``step:<interaction>:<utterance>:<n>`` (the n-th step of that utterance) is stable, so re-running the pipeline or
re-analysing a call updates its open tasks instead of adding others (and drops open ones whose step is gone).

Reminders, raised by the periodic refresh (``raise_reminders``: `callintel alerts --refresh`, serve's refresh):

    an open task whose due day has passed                        (overdue from the day after it is due)
    a red customer (latest health snapshot) whose first           a reach_out task for the alert's owner, due
    unresolved alert since their last call or ticket is more       that many days after the alert's day, made
    than CALLINTEL_REMINDER_DAYS days old                          the day after (so it is overdue at once)

Each reminder is raised once per task: it is stamped ``reminded_at`` and one ``task.overdue`` webhook is queued in
the same transaction (again only if the task's due day is changed by a re-analysis).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from models.analysis import NextStep, Summary
from models.outbox import emit_many
from models.portfolio_repo import (
    OpenAlert,
    account_owner,
    last_contacts,
    red_customers,
    summaries,
    summary_ids,
    unresolved_alerts,
)
from models.store import Store
from models.tasks import (
    Task,
    TaskKind,
    add_tasks,
    mark_reminded,
    replace_interaction_tasks,
    unreminded_overdue,
)

__all__ = [
    "Reminders",
    "raise_reminders",
    "reach_outs",
    "store_summary_tasks",
    "summary_tasks",
    "sync_from_summaries",
]

SYNC_BATCH = 200  # summaries read per transaction by the one-off sync


@dataclass(frozen=True)
class Reminders:
    """What one refresh raised: reach-out tasks made for red customers, and the tasks reminded now."""

    reach_outs: int
    reminded: list[Task]


def _step_task(summary: Summary, step: NextStep, n: int, owner: str) -> Task | None:
    if step.due is None:
        return None
    kind: TaskKind = "follow_up" if step.speaker_role == "customer" else "next_step"
    title = f"Follow up: {step.commitment}" if kind == "follow_up" else step.commitment
    return Task(
        key=f"step:{summary.interaction_id}:{step.utterance_index}:{n}",
        kind=kind,
        customer_id=summary.customer_id,
        interaction_id=summary.interaction_id,
        owner=owner,
        title=title,
        due=step.due,
    )


def summary_tasks(summary: Summary, account_owner: str | None = None) -> list[Task]:
    """The tasks a summary's next steps become (see the module's rules); none without an owner."""
    owner = summary.rep or account_owner
    if not owner:
        return []
    seen: dict[int, int] = {}
    tasks = []
    for step in summary.next_steps:
        n = seen[step.utterance_index] = seen.get(step.utterance_index, -1) + 1
        task = _step_task(summary, step, n, owner)
        if task is not None:
            tasks.append(task)
    return tasks


def store_summary_tasks(session: Session, summary: Summary) -> int:
    """Write the summary's tasks in the caller's transaction (idempotent); how many were new."""
    owner = None if summary.rep else account_owner(session, summary.customer_id)
    return replace_interaction_tasks(session, summary.interaction_id, summary_tasks(summary, owner))


def _summary_ids(store: Store) -> Iterator[list[str]]:
    with store.transaction() as session:
        ids = summary_ids(session)
    for start in range(0, len(ids), SYNC_BATCH):
        yield ids[start : start + SYNC_BATCH]


def sync_from_summaries(store: Store) -> int:
    """Make the tasks of every stored summary (a store analysed before tasks existed); how many were new.
    Safe to re-run: it creates only what is missing."""
    added = 0
    for batch in _summary_ids(store):
        with store.transaction() as session:
            for summary in summaries(session, batch):
                added += store_summary_tasks(session, summary)
    return added


# -- reminders ---------------------------------------------------------------------------------------------


def _first_alerts(
    session: Session, customers: set[str], since: dict[str, datetime], before: datetime
) -> list[OpenAlert]:
    """Each customer's first unresolved alert after their last contact (``since``), if raised before
    ``before`` (the first is the oldest: when it is not old enough, no later one is)."""
    first: dict[str, OpenAlert] = {}
    for alert in unresolved_alerts(session, customers, before):
        last = since.get(alert.customer_id)
        if last is None or alert.occurred_at > last:
            first.setdefault(alert.customer_id, alert)
    return [first[customer] for customer in sorted(first)]


def reach_outs(session: Session, as_of: datetime, days: int) -> list[Task]:
    """The reach-out tasks due by ``as_of``: a red customer's first unresolved alert with no call or ticket
    after it, once ``days`` days after the alert's day have passed (see the module's rules). Later alerts
    with still no contact share its task (its key names the first)."""
    red = red_customers(session, as_of)
    if not red:
        return []
    # due (the alert's day + days) before as_of's day: the alert was raised before this midnight
    before = datetime.combine(as_of.date() - timedelta(days=days), time(), UTC)
    contacts = last_contacts(session, red, as_of)
    return [
        _reach_out(alert, alert.occurred_at.date() + timedelta(days=days), days)
        for alert in _first_alerts(session, red, contacts, before)
    ]


def _reach_out(alert: OpenAlert, due: date, days: int) -> Task:
    return Task(
        key=f"alert:{alert.id}",
        kind="reach_out",
        customer_id=alert.customer_id,
        alert_id=alert.id,
        owner=alert.owner,
        title=(
            f"Reach out to {alert.customer_id}: red, and no call or ticket in the {days} days since the "
            f"alert of {alert.occurred_at:%Y-%m-%d}"
        ),
        due=due,
    )


def _event(task: Task, as_of: datetime) -> dict[str, Any]:
    return {
        **task.model_dump(mode="json"),
        "days_overdue": (as_of.date() - task.due).days,
        "reason": "no_contact" if task.kind == "reach_out" else "overdue",
    }


def raise_reminders(store: Store, as_of: datetime, days: int) -> Reminders:
    """Make the reach-out tasks due by ``as_of`` and remind the owner of every open task overdue then, once:
    each reminded task is stamped and one ``task.overdue`` webhook queued, in one transaction."""
    with store.transaction() as session:
        made = add_tasks(session, reach_outs(session, as_of, days))
        reminded = mark_reminded(session, unreminded_overdue(session, as_of.date()), as_of)
        events = ((f"task.overdue:{t.id}:{t.due}", _event(t, as_of)) for t in reminded)
        emit_many(session, "task.overdue", events)
    return Reminders(made, reminded)
