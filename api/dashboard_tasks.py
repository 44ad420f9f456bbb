"""The dashboard's Tasks page: follow-up tasks with their done / reopen buttons (api/routes_tasks.py over HTTP).

    /dashboard/tasks                 tasks, soonest due first (filters: status, overdue, owner, customer)
    /dashboard/tasks/{id}/done       POST (a form from this server's pages only), with an optional note
    /dashboard/tasks/{id}/reopen     POST

A rep sees and closes only their own tasks (the same rules as the API: api/routes_tasks.py); managers and admins
see all; a CRM token has no dashboard tasks (it reads them over the API).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, field_validator

from api.auth import ApiToken
from api.dashboard import PAGE_SIZE, back_to, templates
from api.deps import ServiceDep, same_origin, sqlite_inline, viewer
from api.routes_tasks import TASK_ACTORS, TaskId, actable_task, owner_scope
from models.tasks import MAX_NOTE, TaskFilter, TaskStatus

__all__ = ["TasksForm", "router"]

router = APIRouter(prefix="/dashboard", include_in_schema=False)
TaskViewer = Annotated[ApiToken, Depends(viewer(*TASK_ACTORS))]


class TasksForm(BaseModel):
    """The Tasks page's filter form; an empty field means no filter (open tasks by default)."""

    status: TaskStatus | None = "open"
    overdue: bool = False
    owner: str | None = Field(None, max_length=256)
    customer: str | None = Field(None, max_length=128)
    page: int = Field(1, ge=1, le=40_000_000)

    @field_validator("owner", "customer", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("status", mode="before")
    @classmethod
    def _any_status(cls, value: Any) -> Any:
        return None if value in ("", "any") else value


@router.get("/tasks")
@sqlite_inline()  # a read: on SQLite on the event loop (api/deps.py)
def tasks_page(
    request: Request,
    callintel: ServiceDep,
    token: TaskViewer,
    form: Annotated[TasksForm, Query()],
) -> HTMLResponse:
    today = callintel.as_of().date()
    wanted = TaskFilter(
        owner_scope(token, form.owner), form.customer, form.status, today if form.overdue else None
    )
    page = callintel.tasks_page(wanted, PAGE_SIZE, (form.page - 1) * PAGE_SIZE)
    return templates.TemplateResponse(
        request,
        "tasks.html",
        {
            "token": token,
            "form": form,
            "tasks": page.items,
            "total": page.total,
            "pages": max(1, -(-page.total // PAGE_SIZE)),
            "today": today,
            "owners": callintel.task_owners() if token.role != "rep" else [],
            "max_note": MAX_NOTE,
        },
    )


@router.post("/tasks/{task_id}/done", dependencies=[Depends(same_origin)])
def finish_task(
    task_id: TaskId,
    callintel: ServiceDep,
    token: TaskViewer,
    note: Annotated[str, Form(max_length=MAX_NOTE)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    actable_task(callintel, token, task_id)
    callintel.finish_task(task_id, token.name, note.strip() or None)
    return back_to(next, f"task-{task_id}", "/dashboard/tasks")


@router.post("/tasks/{task_id}/reopen", dependencies=[Depends(same_origin)])
def reopen_task(
    task_id: TaskId,
    callintel: ServiceDep,
    token: TaskViewer,
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    actable_task(callintel, token, task_id)
    callintel.reopen_task(task_id, token.name)
    return back_to(next, f"task-{task_id}", "/dashboard/tasks")
