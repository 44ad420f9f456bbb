"""`callintel alert ack`, `callintel alert resolve` and `callintel alert backfill` (api/cli.py adds them as its
``alert`` group)."""

from __future__ import annotations

import getpass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from api import render
from api.commands import DATABASE_HELP, open_callintel
from models.analysis import Alert
from risk.refresh import Backfilled, backfill

if TYPE_CHECKING:
    from api.service import Callintel

__all__ = [
    "OutcomeOption",
    "StatusOption",
    "alert_app",
    "default_actor",
    "run_acknowledge",
    "run_backfill",
    "run_resolve",
]


class StatusOption(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class OutcomeOption(StrEnum):
    saved = "saved"
    churned = "churned"
    false_alarm = "false_alarm"


def default_actor() -> str:
    """Who acts when --by is not given: the operating-system user running the command."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli"


def _said(alert: Alert) -> str:
    where = f"alert {alert.id} ({alert.customer_id}, {alert.kind})"
    if alert.status == "resolved":
        note = f": {alert.resolution_note}" if alert.resolution_note else ""
        return f"{where} resolved as {alert.outcome} by {alert.resolved_by}{note}"
    return f"{where} acknowledged by {alert.acknowledged_by} at {alert.acknowledged_at:%Y-%m-%d %H:%M} UTC"


def run_acknowledge(callintel: Callintel, alert_id: int, by: str | None) -> Alert:
    alert = callintel.acknowledge_alert(alert_id, by or default_actor())
    render.stdout.print(_said(alert), markup=False)
    return alert


def run_resolve(
    callintel: Callintel, alert_id: int, outcome: str, note: str | None, by: str | None
) -> Alert:
    alert = callintel.resolve_alert(alert_id, outcome, by or default_actor(), note)
    render.stdout.print(_said(alert), markup=False)
    return alert


def run_backfill(callintel: Callintel, as_of: datetime, weeks: int) -> Backfilled:
    """Store every customer's weekly health ``weeks`` weeks back from ``as_of`` (risk/refresh.py backfill)."""
    done = backfill(callintel.store, callintel.risk_config(), as_of, weeks)
    render.stdout.print(
        f"stored {done.stored} evaluations of {done.customers} customers, weekly for {weeks} weeks "
        f"before {as_of:%Y-%m-%d %H:%M} UTC ({done.seconds:.1f} s)",
        markup=False,
    )
    return done


alert_app = typer.Typer(
    help="Act on one alert: acknowledge it, resolve it; backfill the weekly health.",
    no_args_is_help=True,
)
ALERT_ID_HELP = "The alert's id (see 'callintel alerts')."
BY_HELP = "Who acts (default: the user running the command)."


@alert_app.command("ack")
def alert_ack(
    alert_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1, help=ALERT_ID_HELP)],
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Acknowledge an open alert: someone has seen it and acts on it."""
    with open_callintel(database_url) as callintel:
        run_acknowledge(callintel, alert_id, by)


@alert_app.command("resolve")
def alert_resolve(
    alert_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1, help=ALERT_ID_HELP)],
    outcome: Annotated[OutcomeOption, typer.Option(help="What happened to the customer.")],
    note: Annotated[str | None, typer.Option(help="What was done, in a sentence.")] = None,
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Resolve an alert with its outcome (a resolved alert is final)."""
    with open_callintel(database_url) as callintel:
        run_resolve(callintel, alert_id, outcome, note, by)


@alert_app.command("backfill")
def alert_backfill(
    weeks: Annotated[
        int,
        typer.Option(min=1, max=520, help="How many weeks back (18: the dashboard's 120 days)."),
    ] = 18,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Back from this date or date-time (default: CALLINTEL_RISK_AS_OF, else now)."
        ),
    ] = None,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Store each customer's health once a week for --weeks weeks before --as-of (after an import, whose
    book has only its last refresh's evaluation): the timeline and the customer page then read their
    weekly points instead of recomputing them. Re-runnable; signals, alerts and current health untouched."""
    with open_callintel(database_url) as callintel:
        run_backfill(callintel, callintel.as_of(as_of), weeks)
