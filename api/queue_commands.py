"""``callintel queue``: the flagged-call queue, most severe first, as a table or JSON lines, and the managers'
workflow on one call: ``queue review``, ``queue assign``, ``queue comment``, ``queue comments`` (api/cli.py adds
``queue_app`` as its ``queue`` group; with no subcommand the group lists, so ``callintel queue --label X`` works).

They are thin adapters over the Callintel methods the HTTP routes call (api/routes_queue.py). The person at the
command line holds the database, so they act as an admin: they see and may write ``managers`` comments.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api import render
from api.alert_commands import default_actor
from api.commands import DATABASE_HELP
from api.service import Callintel
from models.errors import InputError, NotFound
from models.records import TAG_LABELS

if TYPE_CHECKING:
    from models.pages import FlagFilter
    from models.queue import Comment, QueueState, Visibility
    from models.store import FlaggedInteraction

__all__ = [
    "queue_app",
    "queue_json",
    "run_assign",
    "run_comment",
    "run_comments",
    "run_queue",
    "run_review",
]

CLI_ROLE = "admin"  # the role a comment written at the command line is recorded with


def queue_json(row: FlaggedInteraction) -> str:
    """One queue row as the HTTP API's ``/api/queue`` item, on one line."""
    from api.schemas import FlaggedItem, SeverityOut

    severity = SeverityOut(**asdict(row.severity)) if row.severity else None
    item = FlaggedItem(
        interaction=row.interaction,
        label_counts=row.label_counts,
        top=row.top,
        severity=severity,
        assignee=row.assignee,
        reviewed_at=row.reviewed_at,
        reviewed_by=row.reviewed_by,
    )
    return item.model_dump_json()


def run_queue(
    callintel: Callintel,
    wanted: FlagFilter,
    as_of: str | None,
    limit: int,
    json_output: bool,
) -> None:
    """Print the queue ranked as of ``as_of`` (None: CALLINTEL_RISK_AS_OF or now)."""
    if wanted.label is not None and wanted.label not in TAG_LABELS:
        raise InputError(
            f"--label: unknown label {wanted.label!r} (one of {', '.join(TAG_LABELS)})"
        )
    from models.queue_rank import queue_page

    ranking = callintel.queue_ranking(callintel.as_of(as_of))
    page = queue_page(callintel.store, wanted, limit, 0, ranking)
    if json_output:
        for row in page.items:
            render.stdout.print(queue_json(row), markup=False, highlight=False, soft_wrap=True)
        return
    noun = wanted.kind or "interaction"
    title = f"Flagged-{noun} queue ({page.total}, most severe first)"
    render.stdout.print(render.flagged_table(page.items, title=title, noun=noun))


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


def _said(state: QueueState) -> str:
    """One line: where the call stands in the queue now."""
    reviewed = (
        f"reviewed by {state.reviewed_by} at {_when(state.reviewed_at)}"
        if state.reviewed_at
        else "not reviewed (in the queue)"
    )
    assigned = f"assigned to {state.assignee}" if state.assignee else "unassigned"
    return f"interaction {state.interaction_id}: {reviewed}, {assigned}"


def _print(line: str) -> None:
    render.stdout.print(line, markup=False, highlight=False, soft_wrap=True)


def run_review(callintel: Callintel, interaction_id: str, undo: bool, by: str | None) -> QueueState:
    """Mark the call reviewed (it leaves the queue) or, with ``undo``, back to unreviewed."""
    state = callintel.review(interaction_id, by or default_actor(), reviewed=not undo)
    _print(_said(state))
    return state


def run_assign(callintel: Callintel, interaction_id: str, assignee: str | None) -> QueueState:
    """Assign the call to ``assignee``; None unassigns."""
    state = callintel.assign(interaction_id, assignee)
    _print(_said(state))
    return state


def run_comment(
    callintel: Callintel, interaction_id: str, body: str, visibility: Visibility, by: str | None
) -> Comment:
    """Add a comment written at the command line (recorded with role admin)."""
    if not body.strip():
        raise InputError("TEXT: the comment is empty")
    made = callintel.comment(interaction_id, by or default_actor(), CLI_ROLE, body, visibility)
    _print(f"comment {made.id} on {made.interaction_id} by {made.author} ({made.visibility})")
    return made


def comments_table(found: list[Comment], interaction_id: str) -> Table:
    table = Table(title=f"Comments on {interaction_id} (oldest first)", title_justify="left")
    table.add_column("id", justify="right")
    for column in ("when", "author", "role", "visibility", "comment"):
        table.add_column(column, overflow="fold", no_wrap=column == "when")
    for c in found:
        table.add_row(
            str(c.id), _when(c.created_at), c.author, c.role, c.visibility, escape(c.body)
        )
    return table


def run_comments(callintel: Callintel, interaction_id: str, json_output: bool) -> list[Comment]:
    """The call's comments, all of them (the command line acts as an admin); NotFound for no such call."""
    if callintel.interaction(interaction_id) is None:
        raise NotFound("interaction", interaction_id)
    found = callintel.comments(interaction_id, managers=True)
    if json_output:
        for c in found:
            _print(json.dumps({**asdict(c), "created_at": c.created_at.isoformat()}))
    else:
        render.stdout.print(comments_table(found, interaction_id))
    return found


class VisibilityOption(StrEnum):
    all = "all"
    managers = "managers"


queue_app = typer.Typer(
    help="The flagged-call queue (the default: list it) and the workflow on one call.",
    invoke_without_command=True,
)
ID_HELP = "The interaction's id (see 'callintel queue' or 'callintel interactions')."
BY_HELP = "Who acts (default: the user running the command)."


@queue_app.callback()
def queue_list(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option(help="call or ticket.")] = "call",
    label: Annotated[str | None, typer.Option(help="Only calls with this label.")] = None,
    include_reviewed: Annotated[
        bool, typer.Option("--include-reviewed", help="Show calls marked reviewed too.")
    ] = False,
    as_of: Annotated[str | None, typer.Option(help="Rank recency as of this moment.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="Show at most this many.")] = 20,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """The flagged-call queue, most severe first: risk weight x score x recency x account value.

    With a subcommand (review, assign, comment, comments) it acts on one call instead."""
    if ctx.invoked_subcommand is not None:
        return
    from models.pages import FlagFilter

    if kind not in ("call", "ticket"):
        raise typer.BadParameter("must be call or ticket", param_hint="--kind")
    wanted = FlagFilter(label=label, kind=kind, include_reviewed=include_reviewed)
    with Callintel.open(database_url) as callintel:
        run_queue(callintel, wanted, as_of, limit, json_output)


@queue_app.command("review")
def queue_review(
    interaction_id: Annotated[str, typer.Argument(help=ID_HELP)],
    undo: Annotated[bool, typer.Option("--undo", help="Put it back in the queue.")] = False,
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Mark a call reviewed: it leaves the queue (--include-reviewed shows it)."""
    with Callintel.open(database_url) as callintel:
        run_review(callintel, interaction_id, undo, by)


@queue_app.command("assign")
def queue_assign(
    interaction_id: Annotated[str, typer.Argument(help=ID_HELP)],
    user: Annotated[str | None, typer.Argument(help="The rep to assign it to.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Unassign it.")] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Assign a call to a rep (it then shows in their queue), or --clear the assignment."""
    if (user is None) == (not clear):
        raise typer.BadParameter("give a USER or --clear, not both or neither", param_hint="USER")
    with Callintel.open(database_url) as callintel:
        run_assign(callintel, interaction_id, None if clear else user)


@queue_app.command("comment")
def queue_comment(
    interaction_id: Annotated[str, typer.Argument(help=ID_HELP)],
    text: Annotated[str, typer.Argument(help="The comment (1 to 10,000 characters).")],
    visibility: Annotated[
        VisibilityOption,
        typer.Option(help="all: anyone who may read the call; managers: hidden from reps."),
    ] = VisibilityOption.all,
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Comment on a call."""
    with Callintel.open(database_url) as callintel:
        wanted: Visibility = "managers" if visibility is VisibilityOption.managers else "all"
        run_comment(callintel, interaction_id, text, wanted, by)


@queue_app.command("comments")
def queue_comments(
    interaction_id: Annotated[str, typer.Argument(help=ID_HELP)],
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """A call's comments, oldest first (all of them: the command line acts as an admin)."""
    with Callintel.open(database_url) as callintel:
        run_comments(callintel, interaction_id, json_output)
