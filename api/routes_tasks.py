"""Follow-up tasks over HTTP: list them (filtered, paged), read one, mark it done, reopen it.

    GET  /api/tasks?owner=&customer_id=&status=&overdue=&as_of=&limit=&offset=   admin, manager, crm; rep: own
    GET  /api/tasks/{id}                                                          admin, manager, crm; rep: own
    POST /api/tasks/{id}/done  {"note"}                                           admin, manager; rep: own
    POST /api/tasks/{id}/reopen                                                   admin, manager; rep: own

A rep token sees and closes only the tasks it owns (the token's ``rep``): asking for another owner's, or acting on
one, is 403. A bad filter is 422 naming the field; an unknown id 404; a task already in that state 409. The
token's name is recorded as who closed it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.auth import ApiToken
from api.deps import ServiceDep, allow
from api.moments import AsOf
from api.schemas import Page
from api.service import Callintel
from models.errors import Forbidden
from models.tasks import MAX_NOTE, Task, TaskFilter, TaskStatus

__all__ = [
    "TASK_ACTORS",
    "TASK_READERS",
    "DoneBody",
    "TaskPage",
    "actable_task",
    "owner_scope",
    "router",
]

router = APIRouter(prefix="/api", tags=["tasks"])
TASK_READERS = ("admin", "manager", "crm", "rep")  # a rep: only their own
TASK_ACTORS = ("admin", "manager", "rep")  # the CRM reads tasks; people close them
TaskReader = Annotated[ApiToken, Depends(allow(*TASK_READERS))]
TaskActor = Annotated[ApiToken, Depends(allow(*TASK_ACTORS))]
TaskId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def owner_scope(token: ApiToken, owner: str | None) -> str | None:
    """The owner a listing is narrowed to: a rep token's own, whatever it asks (another owner's: 403)."""
    if token.role != "rep":
        return owner
    if not token.rep:
        raise Forbidden("this rep token names no rep, so it owns no tasks")
    if owner is not None and owner != token.rep:
        raise Forbidden(f"a rep token sees only {token.rep}'s tasks")
    return token.rep


def actable_task(callintel: Callintel, token: ApiToken, task_id: int) -> Task:
    """The task if it exists and the token may see and close it (a rep: its own; another's is 403)."""
    task = callintel.task(task_id)
    if token.role == "rep" and (not token.rep or task.owner != token.rep):
        raise Forbidden(f"task {task_id} is not yours: a rep token sees and closes only its own")
    return task


class DoneBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(None, max_length=MAX_NOTE, description="what was done, in a sentence")


class TaskPage(Page):
    items: list[Task]


@router.get("/tasks", response_model=TaskPage, summary="Follow-up tasks, soonest due first, paged")
def tasks(
    callintel: ServiceDep,
    token: TaskReader,
    owner: Annotated[str | None, Query(max_length=256)] = None,
    customer_id: Annotated[str | None, Query(max_length=128)] = None,
    status: TaskStatus | None = None,
    overdue: Annotated[bool, Query(description="only open tasks past their due day")] = False,
    as_of: Annotated[AsOf | None, Query(description="judge overdue as of this moment")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> TaskPage:
    day = callintel.as_of(as_of).date() if overdue else None
    wanted = TaskFilter(owner_scope(token, owner), customer_id, status, day)
    page = callintel.tasks_page(wanted, limit, offset)
    return TaskPage(total=page.total, limit=limit, offset=offset, items=page.items)


@router.get("/tasks/{task_id}", response_model=Task, summary="One follow-up task")
def task(task_id: TaskId, callintel: ServiceDep, token: TaskReader) -> Task:
    return actable_task(callintel, token, task_id)


@router.post("/tasks/{task_id}/done", response_model=Task, summary="Mark a task done (again: 409)")
def done(
    task_id: TaskId, callintel: ServiceDep, token: TaskActor, body: DoneBody | None = None
) -> Task:
    actable_task(callintel, token, task_id)
    return callintel.finish_task(task_id, token.name, body.note if body else None)


@router.post("/tasks/{task_id}/reopen", response_model=Task, summary="Open a done task again")
def reopen(task_id: TaskId, callintel: ServiceDep, token: TaskActor) -> Task:
    actable_task(callintel, token, task_id)
    return callintel.reopen_task(task_id, token.name)
