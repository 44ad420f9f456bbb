"""Follow-up tasks: the record, and writing and reading the ``tasks`` table.

A task comes from a next step in a post-call summary (kind ``next_step``: the rep's own promise; ``follow_up``: a
customer's promise the rep follows up) or from a red customer nobody contacted after an alert (``reach_out``);
portfolio/tasks.py decides which. Each has a stable ``key`` per source, so writing the same tasks again changes
nothing. Which tasks a caller may see or close is decided by the caller (api/routes_tasks.py); these functions
check only that the task exists and the change makes sense.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, get_args

from pydantic import Field
from sqlalchemy import ColumnElement, Select, bindparam, delete, func, select, true, update
from sqlalchemy.orm import Session

from models.accounts_repo import chunked, dialect_insert
from models.errors import Conflict, InputError, NotFound
from models.pages import Slice
from models.records import Record
from models.store import Store
from models.tables import TaskRow

__all__ = [
    "MAX_NOTE",
    "TASK_KINDS",
    "TASK_STATUSES",
    "Task",
    "TaskFilter",
    "TaskKind",
    "TaskStatus",
    "add_tasks",
    "get_task",
    "mark_reminded",
    "replace_interaction_tasks",
    "set_status",
    "task_owners",
    "tasks_page",
    "unreminded_overdue",
]

TaskKind = Literal["next_step", "follow_up", "reach_out"]
TASK_KINDS: tuple[str, ...] = get_args(TaskKind)
TaskStatus = Literal["open", "done"]
TASK_STATUSES: tuple[str, ...] = get_args(TaskStatus)
MAX_NOTE = 2000
FROM_SUMMARIES = ("next_step", "follow_up")  # the kinds a summary's next steps become


class Task(Record):
    """A follow-up task for its owner, due on a day (overdue from the next day on, while open)."""

    id: int | None = None  # set once stored
    key: str = Field(max_length=300)
    kind: TaskKind
    customer_id: str
    interaction_id: str | None = None
    alert_id: int | None = None
    owner: str | None = None
    title: str
    due: date
    status: TaskStatus = "open"
    created_at: datetime | None = None
    done_at: datetime | None = None
    done_by: str | None = None
    note: str | None = None
    reminded_at: datetime | None = None

    def overdue(self, day: date) -> bool:
        """Open, and its due day is before ``day``."""
        return self.status == "open" and self.due < day


@dataclass(frozen=True)
class TaskFilter:
    """What a task list is narrowed to; None: no filter. ``overdue_on``: open tasks due before that day."""

    owner: str | None = None
    customer_id: str | None = None
    status: str | None = None
    overdue_on: date | None = None


def _task(row: Any) -> Task:
    """The task of a stored row (an ORM row, or a Core row of the table's columns)."""
    return Task.model_validate(row, from_attributes=True)


def _values(task: Task) -> dict[str, object]:
    return task.model_dump(exclude={"id", "created_at"}) | {"created_at": datetime.now(UTC)}


def _stored_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunked(sorted(keys)):
        found.update(session.scalars(select(TaskRow.key).where(TaskRow.key.in_(chunk))))
    return found


def add_tasks(session: Session, tasks: Sequence[Task]) -> int:
    """Insert the tasks whose key is not stored yet (in key order); how many were new."""
    stored = _stored_keys(session, [t.key for t in tasks])
    added = 0
    for task in sorted((t for t in tasks if t.key not in stored), key=lambda t: t.key):
        statement = (
            dialect_insert(session, TaskRow)
            .values(**_values(task))
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(TaskRow.id)
        )
        added += len(session.scalars(statement).all())
    return added


def replace_interaction_tasks(session: Session, interaction_id: str, tasks: Sequence[Task]) -> int:
    """The interaction's summary tasks become ``tasks``: new keys are added, open ones updated (owner, title,
    due), open ones whose step is gone deleted; done tasks are kept as they are. How many were new."""
    stored = {
        row.key: row
        for row in session.scalars(
            select(TaskRow).where(
                TaskRow.interaction_id == interaction_id, TaskRow.kind.in_(FROM_SUMMARIES)
            )
        )
    }
    wanted = {task.key: task for task in tasks}
    for key, row in stored.items():
        if row.status != "open":
            continue
        if key not in wanted:
            session.execute(delete(TaskRow).where(TaskRow.id == row.id))
            continue
        task = wanted[key]
        if row.due != task.due:
            row.reminded_at = None  # a new due day: remind again when it passes
        row.owner, row.title, row.due, row.kind = task.owner, task.title, task.due, task.kind
    return add_tasks(session, [t for k, t in wanted.items() if k not in stored])


def _where(owner: bool, customer: bool, status: bool, overdue: bool) -> list[ColumnElement[bool]]:
    """The conditions of a filter's shape (which of ``TaskFilter``'s fields are given), each value a named
    parameter (``_bound``), so that a shape's statement is built once."""
    found = [
        TaskRow.owner == bindparam("owner") if owner else None,
        TaskRow.customer_id == bindparam("customer_id") if customer else None,
        TaskRow.status == bindparam("status") if status else None,
        TaskRow.status == "open" if overdue else None,
        TaskRow.due < bindparam("overdue_on") if overdue else None,
    ]
    return [clause for clause in found if clause is not None]


def _bound(wanted: TaskFilter, limit: int, offset: int) -> dict[str, object]:
    """The values of a page's named parameters (those its shape's statement leaves out are ignored)."""
    return vars(wanted) | {"limit": limit, "offset": offset}


@functools.cache
def _counted_page(shape: tuple[bool, bool, bool, bool]) -> Select:
    """The filter's total beside each task of the page, soonest due first: the count's one row outer-joined
    to the page (an empty page still answers it: one row, the task's columns null). Built once a shape (which
    of the filter's fields are given): a statement built on each request costs SQLAlchemy more than the read."""
    where = _where(*shape)
    total = select(func.count().label("total")).select_from(TaskRow).where(*where).subquery("n")
    query = select(*TaskRow.__table__.c).where(*where).order_by(TaskRow.due, TaskRow.id)
    page = query.limit(bindparam("limit")).offset(bindparam("offset")).subquery("page")
    together = select(total.c.total, *page.c).select_from(total.outerjoin(page, true()))
    return together.order_by(page.c.due, page.c.id)


def tasks_page(store: Store, wanted: TaskFilter, limit: int = 50, offset: int = 0) -> Slice[Task]:
    """Tasks narrowed by the filter, soonest due first: the total and one page, in one statement outside a
    transaction (``_counted_page``)."""
    shape = (
        bool(wanted.owner),
        bool(wanted.customer_id),
        bool(wanted.status),
        bool(wanted.overdue_on),
    )
    with store.reading() as reads:
        rows = reads.execute(_counted_page(shape), _bound(wanted, limit, offset)).all()
    items = [_task(row) for row in rows if row.id is not None]
    return Slice(int(rows[0].total), items)


def task_owners(store: Store) -> list[str]:
    """The owners named on stored tasks, sorted (what an owner filter offers)."""
    query = select(TaskRow.owner).where(TaskRow.owner.is_not(None)).distinct()
    with store.transaction() as session:
        return sorted(o for o in session.scalars(query) if o)


def get_task(store: Store, task_id: int) -> Task:
    """One stored task; NotFound if there is none with this id."""
    with store.transaction() as session:
        row = session.get(TaskRow, task_id)
        if row is None:
            raise NotFound("task", str(task_id))
        return _task(row)


def set_status(store: Store, task_id: int, done: bool, by: str, note: str | None = None) -> Task:
    """Mark a task done by ``by`` (with a note) or open again; Conflict when it already is in that state."""
    if note is not None and len(note) > MAX_NOTE:
        raise InputError(f"note: must be at most {MAX_NOTE} characters")
    with store.transaction() as session:
        row = session.get(TaskRow, task_id)
        if row is None:
            raise NotFound("task", str(task_id))
        status = "done" if done else "open"
        if row.status == status:
            raise Conflict(f"task {task_id} is already {status}")
        row.status = status
        row.done_at = datetime.now(UTC) if done else None
        row.done_by = by if done else None
        row.note = (note or None) if done else row.note
        session.flush()
        return _task(row)


def unreminded_overdue(session: Session, day: date) -> list[TaskRow]:
    """Open tasks due before ``day`` that no reminder was raised for yet, soonest due first."""
    query = select(TaskRow).where(
        TaskRow.status == "open", TaskRow.due < day, TaskRow.reminded_at.is_(None)
    )
    return list(session.scalars(query.order_by(TaskRow.due, TaskRow.id)))


def mark_reminded(session: Session, rows: Sequence[TaskRow], at: datetime) -> list[Task]:
    """Record that the reminder of each row was raised at ``at`` (one UPDATE per 500); the tasks as they now are."""
    ids = [row.id for row in rows]
    for chunk in chunked(ids):
        session.execute(
            update(TaskRow)
            .where(TaskRow.id.in_(chunk))
            .values(reminded_at=at)
            .execution_options(synchronize_session=False)
        )
    return [_task(row).model_copy(update={"reminded_at": at}) for row in rows]
