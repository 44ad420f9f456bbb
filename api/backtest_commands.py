"""What `callintel backtest` does, apart from its argument parsing: run the backtest, print it as tables or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.table import Table

from api import render
from api.moments import parse_moment
from models.errors import InputError
from risk.backtest import BacktestResult

if TYPE_CHECKING:
    from api.service import Callintel

__all__ = ["backtest_dict", "parse_window", "run_backtest"]


def parse_window(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """--from (a date means its start) and --to (a date means its end); InputError naming the option."""
    first = parse_moment(start, "--from", end_of_day=False) if start else None
    last = parse_moment(end, "--to") if end else None
    if first and last and last < first:
        raise InputError(f"--to {end} is before --from {start}")
    return first, last


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def backtest_dict(result: BacktestResult) -> dict[str, Any]:
    """The result as JSON-ready data: the measures, the lifts, and each customer's outcome."""
    data = asdict(result)
    data["start"], data["end"] = result.start.isoformat(), result.end.isoformat()
    for outcome in data["outcomes"]:
        outcome["kinds"] = sorted(outcome["kinds"])
        churned = outcome["churned_at"]
        outcome["churned_at"] = churned.isoformat() if churned else None
    return data


def measures_table(result: BacktestResult) -> Table:
    horizon = f"{result.horizon_days:.0f}"
    table = Table(
        title=f"Backtest {result.start:%Y-%m-%d} to {result.end:%Y-%m-%d}, weekly, "
        f"horizon {horizon} days ({result.customers} customers, {result.churners} churned)",
        title_justify="left",
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("what it counts", overflow="fold")
    rows = (
        (
            "precision",
            _ratio(result.precision),
            f"{result.caught} caught / ({result.caught} caught + "
            f"{result.false_alarms} customers with a false alarm)",
        ),
        (
            "recall",
            _ratio(result.recall),
            f"{result.caught} of {result.churners} churners red within "
            f"{horizon} days before churning",
        ),
        (
            "median lead time",
            "-" if result.median_lead_days is None else f"{result.median_lead_days:.0f} days",
            "from the first red in the horizon to the churn",
        ),
        (
            "false-alarm rate",
            _ratio(result.false_alarm_rate),
            f"{result.non_churner_false_alarms} of "
            f"{result.non_churners} customers who did not churn were red with no churn {horizon} days after",
        ),
    )
    for row in rows:
        table.add_row(*row)
    return table


def lift_table(
    result: BacktestResult, title: str = "Lift of each signal kind: P(churn | fired) / P(churn)"
) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("signal kind", "customers", "churners", "lift"):
        table.add_column(column, justify="left" if column == "signal kind" else "right")
    for lift in result.lifts:
        table.add_row(lift.kind, str(lift.customers), str(lift.churners), _ratio(lift.lift))
    return table


def churners_table(result: BacktestResult) -> Table:
    table = Table(title="Churners", title_justify="left")
    for column in ("customer", "churned", "caught", "lead (days)", "red weeks"):
        table.add_column(column)
    for o in sorted((o for o in result.outcomes if o.churned_at), key=lambda o: str(o.churned_at)):
        lead = "-" if o.lead_days is None else f"{o.lead_days:.0f}"
        table.add_row(
            o.customer_id,
            f"{o.churned_at:%Y-%m-%d}",
            "yes" if o.caught else "no",
            lead,
            f"{o.red_moments} of {o.moments}",
        )
    return table


def run_backtest(
    callintel: Callintel,
    horizon: float,
    start: datetime | None,
    end: datetime | None,
    as_json: bool,
) -> None:
    result = callintel.backtest(horizon, start, end)
    if as_json:
        print(json.dumps(backtest_dict(result), indent=2))
        return
    out = render.stdout
    out.print(measures_table(result))
    out.print(churners_table(result))
    out.print(lift_table(result))
