"""Rich tables and one-line messages for the terminal (stdout for results, stderr for problems)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from models.analysis import Job
from models.records import Interaction
from models.settings import Settings
from models.store import CustomerCounts, FlaggedInteraction

stdout = Console(highlight=False, soft_wrap=False)
stderr = Console(stderr=True, highlight=False)


def problem(message: object, console: Console = stderr) -> None:
    """One line on stderr, the way every error is reported."""
    console.print(f"callintel: {message}", markup=False, highlight=False, soft_wrap=True)


def settings_table(fields: Mapping[str, Any], settings: Settings) -> None:
    table = Table(title="Settings", title_justify="left")
    for column in ("variable", "value", "help"):
        table.add_column(column, overflow="fold")
    for name, info in fields.items():
        table.add_row(f"CALLINTEL_{name.upper()}", str(getattr(settings, name)), info.description or "")
    stdout.print(table)


def customers_table(rows: Sequence[CustomerCounts], title: str = "Customers") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("customer", "name"):
        table.add_column(column)
    for column in ("calls", "tickets", "usage events"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(row.customer_id, row.name or "", str(row.calls), str(row.tickets), str(row.usage_events))
    return table


def interactions_table(rows: Sequence[Interaction], title: str = "Interactions") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("id", no_wrap=True)
    for column in ("date", "kind", "customer", "rep", "title"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.id, row.occurred_at.date().isoformat(), row.kind, row.customer_id, row.rep or "", row.title or "")
    return table


def flagged_table(rows: Sequence[FlaggedInteraction], title: str = "Flagged-call queue", noun: str = "call") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(noun, no_wrap=True)
    for column in ("date", "customer", "rep", "flags", "strongest evidence"):
        table.add_column(column, overflow="fold")
    for row in rows:
        flags = ", ".join(f"{label}×{count}" if count > 1 else label for label, count in row.label_counts.items())
        top = row.top
        evidence = f"{top.label} {top.score:.2f} ({top.speaker_role}): “{top.evidence}”"
        table.add_row(row.interaction.id, row.interaction.occurred_at.date().isoformat(), row.interaction.customer_id,
                      row.interaction.rep or "", flags, evidence)
    return table


def jobs_table(rows: Sequence[Job], title: str = "Jobs") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("interaction", no_wrap=True)
    for column in ("status", "last stage", "attempts", "updated", "error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.interaction_id, row.status, row.stage or "", str(row.attempts),
                      row.updated_at.strftime("%Y-%m-%d %H:%M:%S"), row.error or "")
    return table
