"""Rich tables and one-line messages for the terminal (stdout for results, stderr for problems)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from models.analysis import Alert, Job
from models.records import Interaction
from models.settings import Settings
from models.store import CustomerCounts, FlaggedInteraction
from risk.health import Health
from risk.history import CustomerHistory
from risk.timeline import TimelineEntry

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
        table.add_row(
            f"CALLINTEL_{name.upper()}", str(getattr(settings, name)), info.description or ""
        )
    stdout.print(table)


def customers_table(rows: Sequence[CustomerCounts], title: str = "Customers") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("customer", "name"):
        table.add_column(column)
    for column in ("calls", "tickets", "usage events"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            row.customer_id, row.name or "", str(row.calls), str(row.tickets), str(row.usage_events)
        )
    return table


def interactions_table(rows: Sequence[Interaction], title: str = "Interactions") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("id", no_wrap=True)
    for column in ("date", "kind", "customer", "rep", "title"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.id,
            row.occurred_at.date().isoformat(),
            row.kind,
            row.customer_id,
            row.rep or "",
            row.title or "",
        )
    return table


def flagged_table(
    rows: Sequence[FlaggedInteraction], title: str = "Flagged-call queue", noun: str = "call"
) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(noun, no_wrap=True)
    for column in ("date", "customer", "rep", "flags", "strongest evidence"):
        table.add_column(column, overflow="fold")
    for row in rows:
        flags = ", ".join(
            f"{label}×{count}" if count > 1 else label for label, count in row.label_counts.items()
        )
        top = row.top
        evidence = f"{top.label} {top.score:.2f} ({top.speaker_role}): “{top.evidence}”"
        table.add_row(
            row.interaction.id,
            row.interaction.occurred_at.date().isoformat(),
            row.interaction.customer_id,
            row.interaction.rep or "",
            flags,
            evidence,
        )
    return table


def jobs_table(rows: Sequence[Job], title: str = "Jobs") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("interaction", no_wrap=True)
    for column in ("status", "last stage", "attempts", "updated", "error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row.interaction_id,
            row.status,
            row.stage or "",
            str(row.attempts),
            row.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
            row.error or "",
        )
    return table


BAND_STYLE = {"green": "green", "yellow": "yellow", "red": "bold red"}


def _band(band: str) -> str:
    return f"[{BAND_STYLE.get(band, '')}]{band}[/]"


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def risk_table(
    rows: Sequence[tuple[Health, CustomerHistory]],
    title: str = "Customers at risk (riskiest first)",
) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("customer", "name", "health", "band", "biggest risks", "last contact"):
        table.add_column(column, overflow="fold", justify="right" if column == "health" else "left")
    for health, history in rows:
        reasons = (
            ", ".join(
                f"{kind} {-points:+.0f}" for kind, points in list(health.breakdown.items())[:3]
            )
            or "none"
        )
        last = (
            history.interactions[-1].occurred_at.date().isoformat()
            if history.interactions
            else "never"
        )
        table.add_row(
            health.customer_id,
            _esc(history.name or ""),
            _score(health.score),
            _band(health.band),
            _esc(reasons),
            last,
        )
    return table


def _score(score: float | None) -> str:
    return "–" if score is None else f"{score:.0f}"


def breakdown_table(health: Health) -> Table:
    table = Table(
        title=f"Health {_score(health.score)}/100 ({health.band}) as of {health.as_of:%Y-%m-%d %H:%M} UTC",
        title_justify="left",
    )
    table.add_column("signal")
    table.add_column("points", justify="right")
    table.add_column("evidence", overflow="fold")
    for signal, points in zip(health.signals, health.points, strict=True):
        table.add_row(signal.kind, f"{-points:+.1f}", _esc(signal.explanation))
    return table


def replay_table(points: Sequence[Health], title: str = "Health over time") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("date", "health", "band", ""):
        table.add_column(column, justify="right" if column == "health" else "left")
    for p in points:
        table.add_row(
            p.as_of.date().isoformat(),
            _score(p.score),
            _band(p.band),
            "█" * round((p.score or 0) / 5),
        )
    return table


def timeline_table(entries: Sequence[TimelineEntry], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("date", "what", "", "detail"):
        table.add_column(column, overflow="fold", no_wrap=column == "date")
    style = {"signal": "red", "usage": "dim"}
    for e in entries:
        kind = f"[{style[e.kind]}]{e.kind}[/]" if e.kind in style else e.kind
        table.add_row(e.at.strftime("%Y-%m-%d"), kind, _esc(e.title), _esc(e.detail))
    return table


def alerts_table(alerts: Sequence[Alert], title: str = "Alerts (newest first)") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("date", "customer", "alert", "band", "reason"):
        table.add_column(column, overflow="fold", no_wrap=column == "date")
    for a in alerts:
        table.add_row(
            a.occurred_at.strftime("%Y-%m-%d"),
            a.customer_id,
            a.kind,
            _band(a.band) if a.band else "",
            _esc(a.reason),
        )
    return table


def tokens_table(tokens, title: str = "API tokens") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("id", "name", "role", "rep", "prefix", "created", "last used", "revoked"):
        table.add_column(column, overflow="fold")

    def when(moment) -> str:
        return moment.strftime("%Y-%m-%d %H:%M") if moment else ""

    for t in tokens:
        table.add_row(
            str(t.id),
            _esc(t.name),
            t.role,
            t.rep or "",
            t.prefix + "…",
            when(t.created_at),
            when(t.last_used_at),
            when(t.revoked_at),
        )
    return table


def deliveries_table(deliveries) -> Table:
    table = Table(title="Webhook deliveries (newest first)", title_justify="left")
    for column in ("id", "subscription", "event", "status", "attempts", "last", "next try"):
        table.add_column(column, overflow="fold")
    for d in deliveries:
        last = str(d.last_status or "") + (f" {d.last_error}" if d.last_error else "")
        table.add_row(
            str(d.id),
            str(d.subscription_id),
            _esc(d.event_id),
            d.status,
            str(d.attempts),
            _esc(last.strip()),
            d.next_attempt_at.strftime("%H:%M:%S") if d.next_attempt_at else "",
        )
    return table


def subscriptions_table(subscriptions) -> Table:
    table = Table(title="Webhook subscriptions", title_justify="left")
    for column in ("id", "url", "events", "since"):
        table.add_column(column, overflow="fold")
    for s in subscriptions:
        table.add_row(
            str(s.id), _esc(s.url), ", ".join(s.events), s.created_at.strftime("%Y-%m-%d %H:%M")
        )
    return table
