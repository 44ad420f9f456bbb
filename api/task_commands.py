"""`callintel tasks` (the follow-up task list) and `callintel task done|reopen` (api/cli.py registers them)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api import render
from api.alert_commands import default_actor
from api.commands import DATABASE_HELP
from api.service import Callintel
from models.tasks import MAX_NOTE, Task, TaskFilter

__all__ = ["TaskStatusOption", "run_tasks", "task_app", "tasks", "tasks_table"]


class TaskStatusOption(StrEnum):
    open = "open"
    done = "done"


def _state(task: Task, today: date) -> str:
    if task.status == "done":
        return "done"
    if task.overdue(today):
        late = (today - task.due).days
        return f"[red]overdue {late}d[/red]" + (" (reminded)" if task.reminded_at else "")
    return "open"


def tasks_table(items: Sequence[Task], today: date, title: str) -> Table:
    """The tasks as a table: due day, state (overdue by how many days, reminded), owner, customer, task."""
    table = Table(title=title, title_justify="left")
    table.add_column("id", justify="right")
    for column in ("due", "state", "owner", "customer", "kind", "task", "from"):
        table.add_column(column, overflow="fold", no_wrap=column in ("due", "kind"))
    for t in items:
        source = t.interaction_id or (f"alert {t.alert_id}" if t.alert_id else "")
        table.add_row(
            str(t.id),
            t.due.isoformat(),
            _state(t, today),
            escape(t.owner or ""),
            escape(t.customer_id),
            t.kind,
            escape(t.title),
            escape(source[:12]),
        )
    return table


def run_tasks(
    callintel: Callintel, wanted: TaskFilter, today: date, limit: int, as_json: bool
) -> int:
    """Print one page of tasks (a table, or JSON); how many matched."""
    page = callintel.tasks_page(wanted, limit)
    if as_json:
        items = [t.model_dump(mode="json") | {"overdue": t.overdue(today)} for t in page.items]
        print(json.dumps({"total": page.total, "items": items}, indent=2))
        return page.total
    shown = f"{len(page.items)} of {page.total}" if page.total > len(page.items) else page.total
    noun = "Overdue tasks" if wanted.overdue_on else "Tasks"
    title = f"{noun} as of {today:%Y-%m-%d}, soonest due first ({shown})"
    render.stdout.print(tasks_table(page.items, today, title))
    return page.total


AS_OF_HELP = "Judge overdue as of this date or date-time (default: CALLINTEL_RISK_AS_OF, else now)."


def tasks(
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open tasks past their due day.")
    ] = False,
    owner: Annotated[str | None, typer.Option(help="Only this owner's tasks.")] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer's tasks.")] = None,
    status: Annotated[TaskStatusOption | None, typer.Option(help="open or done.")] = None,
    as_of: Annotated[str | None, typer.Option(help=AS_OF_HELP)] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Show at most this many.")] = 50,
    json_output: Annotated[bool, typer.Option("--json", help="The tasks as JSON.")] = False,
    sync: Annotated[
        bool,
        typer.Option(
            "--sync", help="First make the tasks of summaries stored before tasks existed."
        ),
    ] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Follow-up tasks from the calls' next steps and red customers left alone, soonest due first."""
    with Callintel.open(database_url) as callintel:
        moment = callintel.as_of(as_of)
        if sync:
            made = callintel.sync_tasks()
            console = render.stderr if json_output else render.stdout  # --json: stdout is JSON only
            console.print(f"made {made} tasks from the stored summaries", markup=False)
        day = moment.date()
        wanted = TaskFilter(
            owner, customer, status.value if status else None, day if overdue else None
        )
        run_tasks(callintel, wanted, day, limit, json_output)


task_app = typer.Typer(
    help="Act on one follow-up task: mark it done, reopen it.", no_args_is_help=True
)
TASK_ID_HELP = "The task's id (see 'callintel tasks')."
BY_HELP = "Who acts (default: the user running the command)."


def _said(task: Task) -> str:
    where = (
        f"task {task.id} ({task.customer_id}, due {task.due:%Y-%m-%d}, {task.owner or 'no owner'})"
    )
    if task.status == "done":
        note = f": {task.note}" if task.note else ""
        return f"{where} done by {task.done_by}{note}"
    return f"{where} is open again"


@task_app.command("done")
def task_done(
    task_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1, help=TASK_ID_HELP)],
    note: Annotated[
        str | None, typer.Option(help=f"What was done (at most {MAX_NOTE} characters).")
    ] = None,
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Mark an open task done, with an optional note."""
    with Callintel.open(database_url) as callintel:
        task = callintel.finish_task(task_id, by or default_actor(), note)
    render.stdout.print(_said(task), markup=False)


@task_app.command("reopen")
def task_reopen(
    task_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1, help=TASK_ID_HELP)],
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Open a done task again."""
    with Callintel.open(database_url) as callintel:
        task = callintel.reopen_task(task_id, by or default_actor())
    render.stdout.print(_said(task), markup=False)
