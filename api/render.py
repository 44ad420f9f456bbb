"""Rich tables and one-line messages for the terminal (stdout for results, stderr for problems)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

if (
    TYPE_CHECKING
):  # annotations only: importing the store and the risk engine here slows every command's start
    from api.account_view import AccountSummary
    from api.queries import AtRisk
    from models.accounts import Account
    from models.analysis import Alert, Job
    from models.records import Interaction
    from models.settings import Settings
    from models.store import CustomerCounts, FlaggedInteraction
    from risk.health import Health
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
    ranked = any(row.severity is not None for row in rows)
    columns = ("date", "customer", "rep", "flags", "strongest evidence")
    for column in columns + (("severity = w×s×r×v", "review") if ranked else ()):
        table.add_column(column, overflow="fold")
    for row in rows:
        flags = ", ".join(
            f"{label}×{count}" if count > 1 else label for label, count in row.label_counts.items()
        )
        top = row.top
        evidence = f"{top.label} {top.score:.2f} ({top.speaker_role}): “{top.evidence}”"
        cells = [
            row.interaction.id,
            row.interaction.occurred_at.date().isoformat(),
            row.interaction.customer_id,
            row.interaction.rep or "",
            flags,
            evidence,
        ]
        if ranked:
            cells += [_severity(row), _review(row)]
        table.add_row(*cells)
    return table


def _severity(row: FlaggedInteraction) -> str:
    s = row.severity
    if s is None:
        return ""
    return f"{s.total:.1f} = {s.weight:g}×{s.score:.2f}×{s.recency:.2f}×{s.value:.2f}"


def _review(row: FlaggedInteraction) -> str:
    done = "reviewed" if row.reviewed_at else ""
    return f"{done} → {row.assignee}".strip() if row.assignee else done


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


BAND_STYLE = {"green": "green", "yellow": "yellow", "red": "bold red", "unknown": "dim"}


def _band(band: str) -> str:
    style = BAND_STYLE.get(band)
    return f"[{style}]{band}[/]" if style else _esc(band)


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def money(amount: float | None, currency: str = "USD") -> str:
    """An amount the way a column shows it: 48k USD, 1.2M EUR, 950 USD; '' for none."""
    if amount is None:
        return ""
    if amount >= 1_000_000:
        return f"{amount / 1_000_000:.1f}M {currency}"
    if amount >= 10_000:
        return f"{amount / 1000:.0f}k {currency}"
    return f"{amount:,.0f} {currency}"


def risk_table(
    rows: Sequence[tuple[Health, AtRisk]],
    title: str = "Customers at risk (riskiest first)",
    width: int | None = None,
) -> Table:
    """One row per customer: id and name, health and band, owner, ARR, renewal, the biggest risks (one a line)
    and the last contact. Under 110 columns (``width``, default the console's) it fits 80: the health and band
    share a column, long names are cut, the last contact is left out."""
    wide = (width or stdout.width) >= 110
    table = Table(
        title=title,
        title_justify="left",
        box=box.HEAVY_HEAD if wide else box.SIMPLE_HEAD,
        padding=(0, 1) if wide else (0, 1, 0, 0),
    )
    table.add_column("customer", no_wrap=True, max_width=24 if wide else 12, overflow="ellipsis")
    table.add_column("health", justify="right")
    if wide:
        table.add_column("band")
    table.add_column("owner", max_width=16 if wide else 8, overflow="ellipsis", no_wrap=True)
    table.add_column("ARR", justify="right", no_wrap=True)
    table.add_column("renewal", no_wrap=True)
    table.add_column("biggest risks", overflow="fold")
    if wide:
        table.add_column("last contact", no_wrap=True)
    for health, history in rows:
        table.add_row(*_risk_cells(health, history, wide))
    return table


def _risk_cells(health: Health, history: AtRisk, wide: bool) -> list[str]:
    account = history.account
    reasons = "\n".join(
        f"{kind} {-points:+.0f}" for kind, points in list(health.breakdown.items())[:3]
    )
    score = _score(health.score)
    cells = [
        health.customer_id + (f"\n[dim]{_esc(history.name)}[/]" if history.name else ""),
        *([score, _band(health.band)] if wide else [f"{score} {_band(health.band)}"]),
        _esc(account.owner or "") if account else "",
        money(account.arr, account.currency) if account else "",
        account.renewal_date.isoformat() if account and account.renewal_date else "",
        _esc(reasons or "none"),
    ]
    if wide:
        last = history.last_contact.date() if history.last_contact else "never"
        cells.append(str(last))
    return cells


def account_panel(summary: AccountSummary, as_of: datetime) -> list[Text | Table]:
    """The account in one line, the recommended action, and the contacts, payments and surveys tables (each
    only where there is something to show)."""
    parts: list[Text | Table] = [Text(_account_line(summary.account, as_of))]
    if summary.recommendation is not None:
        r = summary.recommendation
        parts.append(Text(f"Recommended action now: {r.action} (because: {r.reason})"))
    if summary.recommended is not None:
        a = summary.recommended
        parts.append(
            Text(
                f"Open alert's action: {a.action} (alert {a.id} of {a.occurred_at:%Y-%m-%d}, {a.status})"
            )
        )
    if summary.contacts:
        table = Table(title="Contacts", title_justify="left")
        for column in ("contact", "name", "role", "last login"):
            table.add_column(column, overflow="fold")
        for c in summary.contacts:
            seen = (
                f"{c.last_seen:%Y-%m-%d} ({_ago((as_of - c.last_seen).days)})"
                if c.last_seen
                else "never"
            )
            table.add_row(_esc(c.contact.user), _esc(c.contact.name or ""), c.contact.role, seen)
        parts.append(table)
    if summary.invoices:
        table = Table(title="Payments (newest first)", title_justify="left")
        for column in ("invoice", "issued", "due", "amount", "state"):
            table.add_column(column, justify="right" if column == "amount" else "left")
        for invoice, state in summary.invoices:
            failed = (
                f", {invoice.failed_attempts} failed attempts" if invoice.failed_attempts else ""
            )
            table.add_row(
                _esc(invoice.invoice_id),
                f"{invoice.issued_at:%Y-%m-%d}",
                f"{invoice.due_at:%Y-%m-%d}",
                f"{invoice.amount:,.2f} {invoice.currency}",
                PAYMENT_STYLE.get(state, "{}").format(state) + failed,
            )
        parts.append(table)
    if summary.surveys:
        table = Table(title="NPS and CSAT (newest first)", title_justify="left")
        for column in ("date", "survey", "score", "comment"):
            table.add_column(
                column, overflow="fold", justify="right" if column == "score" else "left"
            )
        for sv in summary.surveys:
            table.add_row(
                f"{sv.responded_at:%Y-%m-%d}",
                sv.kind.upper(),
                str(sv.score),
                _esc(sv.comment or ""),
            )
        parts.append(table)
    return parts


def _ago(days: int) -> str:
    """A day count from now: 'today', '3 days ago', 'in 92 days'."""
    if days == 0:
        return "today"
    count = f"{abs(days)} day{'s' if abs(days) != 1 else ''}"
    return f"{count} ago" if days > 0 else f"in {count}"


PAYMENT_STYLE = {"failed": "[red]{}[/]", "overdue": "[yellow]{}[/]", "paid late": "[yellow]{}[/]"}


def _account_line(account: Account | None, as_of: datetime) -> str:
    if account is None:
        return "Account: no account data"
    facts = [
        f"owner {account.owner}" if account.owner else None,
        account.plan,
        f"{account.arr:,.0f} {account.currency} ARR" if account.arr is not None else None,
        f"since {account.start_date}" if account.start_date else None,
        f"renewal {account.renewal_date} ({_ago((as_of.date() - account.renewal_date).days)})"
        if account.renewal_date
        else None,
        account.segment,
        account.status.replace("_", " ")
        + (f" since {account.status_at:%Y-%m-%d}" if account.status_at else "")
        + (f": {account.status_reason}" if account.status_reason else ""),
    ]
    return "Account: " + " · ".join(f for f in facts if f)


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


def alert_state(alert: Alert) -> str:
    """open, acknowledged, or resolved with its outcome."""
    return f"resolved: {alert.outcome}" if alert.status == "resolved" else alert.status


def alerts_table(alerts: Sequence[Alert], title: str = "Alerts (newest first)") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("id", justify="right")
    for column in ("date", "customer", "status", "owner", "alert", "band", "reason", "action"):
        table.add_column(column, overflow="fold", no_wrap=column == "date")
    for a in alerts:
        table.add_row(
            str(a.id or ""),
            a.occurred_at.strftime("%Y-%m-%d"),
            a.customer_id,
            alert_state(a),
            _esc(a.owner or ""),
            a.kind,
            _band(a.band) if a.band else "",
            _esc(a.reason),
            _esc(a.action or ""),
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
