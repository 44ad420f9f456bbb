"""`callintel contacts`: contact frequency per channel, rep and customer, the segment norms, the cross-analysis
by segment and health band, and a rep's drill-down (``--rep``). The data is the facade's; this only prints it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api import render
from api.commands import DATABASE_HELP
from models.errors import InputError, NotFound

if TYPE_CHECKING:
    from portfolio.contact_records import (
        ContactInteraction,
        ContactReport,
        ContactStats,
        CrossCell,
        CustomerContacts,
        Period,
        RepContacts,
        RepDetail,
    )

__all__ = ["contacts"]

STATS_COLUMNS = ("contacts", "per period", "interval d", "recency d", "reply", "answered")
MORE_COLUMNS = ("call min", "next step", "converted")


class SegmentBy(StrEnum):
    account = "account"
    value = "value"


class PeriodOption(StrEnum):
    week = "week"
    month = "month"


def _num(value: float | int | None, digits: int = 1) -> str:
    return (
        "–" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)
    )


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _stat_cells(s: ContactStats) -> list[str]:
    return [
        str(s.contacts),
        _num(s.per_period, 2),
        _num(s.avg_interval_days),
        _num(s.recency_days, 0),
        _pct(s.email_reply_rate),
        _pct(s.ticket_answer_rate),
        _num(s.avg_call_minutes),
        _pct(s.next_step_rate),
        _pct(s.conversion_rate),
    ]


def _table(title: str, first: Sequence[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in first:
        table.add_column(column)
    for column in STATS_COLUMNS + MORE_COLUMNS:
        table.add_column(column, justify="right")
    return table


def channels_table(channels: dict[str, ContactStats], title: str) -> Table:
    table = _table(title, ["channel"])
    for channel, s in channels.items():
        table.add_row(channel, *_stat_cells(s))
    return table


def reps_table(reps: Iterable[RepContacts], title: str) -> Table:
    table = _table(title, ["rep", "customers", "over", "neglected"])
    for column in table.columns[1:4]:
        column.justify = "right"
    for r in reps:
        cells = [r.rep or "(no rep)", str(r.customers), str(r.over), str(r.neglected)]
        table.add_row(*cells, *_stat_cells(r.stats))
    return table


def customers_table(customers: Iterable[CustomerContacts], title: str) -> Table:
    table = _table(title, ["customer", "segment", "band", "status", "norm"])
    for c in customers:
        cells = [c.customer_id, c.segment or "–", c.band or "–", c.status, _num(c.norm, 2)]
        table.add_row(*cells, *_stat_cells(c.stats))
    return table


def cross_table(cells: Iterable[CrossCell], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("segment", "band"):
        table.add_column(column)
    for column in ("customers", "median/period", "mean/period", "over", "neglected"):
        table.add_column(column, justify="right")
    for c in cells:
        numbers = (c.customers, f"{c.median_per_period:.2f}", f"{c.mean_per_period:.2f}")
        table.add_row(c.segment, c.band, *map(str, numbers), str(c.over), str(c.neglected))
    return table


def interactions_table(rows: Iterable[ContactInteraction], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("when", "customer", "channel", "interaction", "answered"):
        table.add_column(column)
    for column in ("call min", "next step", "converted"):
        table.add_column(column, justify="right")
    for i in rows:
        yes_no = {None: "–", True: "yes", False: "no"}
        table.add_row(
            f"{i.occurred_at:%Y-%m-%d}",
            i.customer_id,
            i.channel,
            i.title or i.interaction_id[:12],
            yes_no[i.answered],
            _num(i.call_minutes),
            yes_no[i.next_step],
            yes_no[i.converted],
        )
    return table


def print_report(report: ContactReport, customer: str | None) -> None:
    out, span = render.stdout, f"{report.window_days} days to {report.as_of:%Y-%m-%d}"
    per = f"per {report.period}"
    if customer is not None:
        c = report.customers[0]
        out.print(f"{c.customer_id} ({c.name or '–'}): {c.status}: {c.reason}")
        out.print(channels_table(c.channels, f"Contacts by channel, {span} ({per})"))
        return
    out.print(channels_table(report.channels, f"Contacts by channel, {span} ({per})"))
    out.print(reps_table(report.reps, f"Reps ({per})"))
    out.print(cross_table(report.segments, f"Segment norms: median contacts {per}"))
    out.print(cross_table(report.cross, "Contact frequency by segment and health band"))
    title = f"Customers, neglected first ({len(report.customers)} of {report.total})"
    out.print(customers_table(report.customers, title))


def print_rep(detail: RepDetail) -> None:
    out, per = render.stdout, f"per {detail.period}"
    out.print(reps_table([detail.rep], f"{detail.rep.rep}, {detail.window_days} days ({per})"))
    out.print(customers_table(detail.customers, f"{detail.rep.rep}'s customers ({per})"))
    out.print(interactions_table(detail.interactions, f"{detail.rep.rep}'s contacts, newest first"))


def contacts(
    rep: Annotated[str | None, typer.Option(help="Drill down to this rep.")] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer, by channel.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Judge as of this date.")] = None,
    period: Annotated[
        PeriodOption | None, typer.Option(help="Rates per week or month (default: the YAML's).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many customers.")] = 50,
    segment_by: Annotated[
        SegmentBy,
        typer.Option(
            help="Judge each customer against its account segment or its RFM value segment."
        ),
    ] = SegmentBy.account,
    json_output: Annotated[bool, typer.Option("--json", help="The whole report as JSON.")] = False,
    database_url: Annotated[str | None, typer.Option(help=DATABASE_HELP)] = None,
) -> None:
    """Contact frequency per channel, rep and customer: over-contacted and neglected customers against their
    segment's median, by segment and health band; --rep drills down to a rep's customers and contacts."""
    from api.service import Callintel

    if rep is not None and customer is not None:
        raise InputError("--rep and --customer: give one of them")
    wanted: Period | None = period.value if period else None
    with Callintel.open(database_url) as callintel:
        moment = callintel.as_of(as_of)
        if rep is not None:
            detail = callintel.rep_contacts(rep, moment, wanted)
            if json_output:
                _out(detail.model_dump(mode="json"))
            else:
                print_rep(detail)
            return
        try:
            segments = callintel.value_segments(moment) if segment_by is SegmentBy.value else None
            report = callintel.contacts(moment, wanted, None, customer, limit, segments=segments)
        except NotFound:
            raise InputError(f"--customer: no customer {customer!r}") from None
        if json_output:
            _out(report.model_dump(mode="json"))
        else:
            print_report(report, customer)


def _out(value: object) -> None:
    print(json.dumps(value, indent=2))
