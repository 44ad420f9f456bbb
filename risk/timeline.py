"""A customer's timeline: calls, tickets, weekly usage, payments, survey answers, renewals, purchases and seat
changes, and risk signals, merged in time order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from models.accounts import CommercialEvent, Invoice, SurveyResponse
from models.records import RiskSignal
from risk.config import RiskConfig
from risk.history import CustomerHistory
from risk.signals import derive_signals

__all__ = ["TimelineEntry", "timeline", "timeline_of"]

EntryKind = Literal["call", "ticket", "usage", "payment", "survey", "commercial", "signal"]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: EntryKind
    title: str
    detail: str
    ref: str | None = None  # interaction id, or signal kind
    weight: float | None = None


def _interaction_detail(labels: Counter[str], entities: list[str]) -> str:
    if not labels:
        return "no flags"
    parts = [f"{label}×{n}" if n > 1 else label for label, n in sorted(labels.items())]
    return ", ".join(parts) + (f" ({', '.join(sorted(set(entities)))})" if entities else "")


def _payment(invoice: Invoice, as_of: datetime, grace_days: float) -> TimelineEntry:
    """An invoice at the moment that says most about it by ``as_of``: paid, else due, else issued."""
    money = f"{invoice.amount:,.2f} {invoice.currency}"
    paid = invoice.paid_at if invoice.paid_at and invoice.paid_at <= as_of else None
    failed = (
        f"; {invoice.failed_attempts} failed payment attempt(s)" if invoice.failed_attempts else ""
    )
    if paid is not None:
        late = (paid - invoice.due_at).total_seconds() / 86400
        when = f"{late:.0f} days late" if late > grace_days else "on time"
        at, what = paid, f"paid {when} (due {invoice.due_at:%Y-%m-%d})"
    elif invoice.due_at <= as_of:
        overdue = (as_of - invoice.due_at).total_seconds() / 86400
        at, what = invoice.due_at, f"unpaid, {overdue:.0f} days past due"
    else:
        at, what = invoice.issued_at, f"issued, due {invoice.due_at:%Y-%m-%d}"
    return TimelineEntry(
        at,
        "payment",
        f"invoice {invoice.invoice_id}",
        f"{money} {what}{failed}",
        invoice.invoice_id,
    )


def _survey(answer: SurveyResponse, detractor_max: int, promoter_min: int) -> TimelineEntry:
    tone = ""
    if answer.kind == "nps":
        tone = (
            " (detractor)"
            if answer.score <= detractor_max
            else " (promoter)"
            if answer.score >= promoter_min
            else " (passive)"
        )
    by = f"by {answer.respondent}" if answer.respondent else "anonymous"
    said = f': "{answer.comment}"' if answer.comment else ""
    return TimelineEntry(
        answer.responded_at, "survey", f"{answer.kind.upper()} {answer.score}{tone}", by + said
    )


def _commercial(event: CommercialEvent) -> TimelineEntry:
    if event.kind == "seat_change":
        direction = (
            "up" if event.seat_delta > 0 else "down" if event.seat_delta < 0 else "unchanged"
        )
        title = f"seats {direction}: {event.seats_before} -> {event.seats_after}"
    else:
        title = event.kind
    parts = [f"{event.amount:,.2f} {event.currency}"] if event.amount is not None else []
    parts += [event.note] if event.note else []
    return TimelineEntry(event.occurred_at, "commercial", title, "; ".join(parts) or event.kind)


def _account_entries(
    history: CustomerHistory, as_of: datetime, config: RiskConfig
) -> list[TimelineEntry]:
    grace, surveys = config.payments.grace_days, config.surveys
    entries = [_payment(i, as_of, grace) for i in history.invoices if i.issued_at <= as_of]
    entries += [_survey(a, surveys.detractor_max, surveys.promoter_min) for a in history.surveys]
    return entries + [_commercial(e) for e in history.commercial]


def _interaction_entries(
    history: CustomerHistory, start: datetime, as_of: datetime
) -> list[TimelineEntry]:
    entries = []
    for facts in history.interactions:
        if start <= facts.occurred_at <= as_of:
            customer_tags = [t for t in facts.tags if t.role != "rep"]
            labels = Counter(t.label for t in customer_tags)
            entities = [t.entity for t in customer_tags if t.entity]
            detail = (
                _interaction_detail(labels, entities)
                if facts.transcribed
                else "not transcribed (yet)"
            )
            title = facts.title or facts.kind
            entries.append(TimelineEntry(facts.occurred_at, facts.kind, title, detail, facts.id))
    return entries


def _usage_entries(
    history: CustomerHistory, start: datetime, as_of: datetime
) -> list[TimelineEntry]:
    """Usage summed per week (weeks start on Monday)."""
    days: Counter[tuple[date, str]] = Counter()
    for event in history.usage:
        if start <= event.at <= as_of:
            days[event.at.date(), event.kind] += 1
    return _weekly((day, kind, n) for (day, kind), n in days.items())


def _weekly(days: Iterable[tuple[date, str, int]]) -> list[TimelineEntry]:
    """(UTC day, kind, how many) summed per week (weeks start on Monday), an entry a week."""
    weeks: dict[date, Counter[str]] = {}
    for day, kind, n in days:
        week = day - timedelta(days=day.weekday())
        if week not in weeks:
            weeks[week] = Counter()
        weeks[week][kind] += n
    return [
        TimelineEntry(
            datetime.combine(week, time(), UTC),
            "usage",
            f"usage, week of {week:%Y-%m-%d}",
            ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())),
        )
        for week, counts in weeks.items()
    ]


ORDER = {
    "usage": 0,
    "call": 1,
    "ticket": 1,
    "payment": 1,
    "survey": 1,
    "commercial": 1,
    "signal": 2,
}


def timeline(
    history: CustomerHistory, as_of: datetime, config: RiskConfig, days: float = 90
) -> list[TimelineEntry]:
    """Everything from ``days`` before ``as_of`` up to it; usage summed per week (weeks start on Monday)."""
    start = as_of - timedelta(days=days)
    usage = _usage_entries(history, start, as_of)
    return _merged(history, usage, derive_signals(history, as_of, config), as_of, config, start)


def timeline_of(
    history: CustomerHistory,
    usage_days: Iterable[tuple[date, str, int]] | None,
    signals: Iterable[RiskSignal],
    as_of: datetime,
    config: RiskConfig,
    days: float = 90,
) -> list[TimelineEntry]:
    """``timeline`` from parts read apart: ``history``'s interactions (those of the window suffice) and
    account data, the window's usage counted per UTC day and kind (models.history_repo.usage_by_day; None:
    ``history``'s usage), and the signals (the stored evaluation's, say) instead of signals derived from
    the history."""
    start = as_of - timedelta(days=days)
    usage = _usage_entries(history, start, as_of) if usage_days is None else _weekly(usage_days)
    return _merged(history, usage, list(signals), as_of, config, start)


def _merged(
    history: CustomerHistory,
    usage: list[TimelineEntry],
    signals: list[RiskSignal],
    as_of: datetime,
    config: RiskConfig,
    start: datetime,
) -> list[TimelineEntry]:
    entries = _interaction_entries(history, start, as_of) + usage
    entries += [e for e in _account_entries(history, as_of, config) if start <= e.at <= as_of]
    entries += [
        TimelineEntry(s.occurred_at, "signal", s.kind, s.explanation, s.kind, s.weight)
        for s in signals
        if s.occurred_at >= start
    ]
    return sorted(entries, key=lambda e: (e.at, ORDER[e.kind], e.title, e.detail))
