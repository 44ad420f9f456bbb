"""A customer's timeline: calls, tickets, weekly usage and risk signals merged in time order."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from risk.config import RiskConfig
from risk.history import CustomerHistory
from risk.signals import derive_signals

__all__ = ["TimelineEntry", "timeline"]

EntryKind = Literal["call", "ticket", "usage", "signal"]


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


def timeline(
    history: CustomerHistory, as_of: datetime, config: RiskConfig, days: float = 90
) -> list[TimelineEntry]:
    """Everything from ``days`` before ``as_of`` up to it; usage summed per week (weeks start on Monday)."""
    start = as_of - timedelta(days=days)
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
            entries.append(
                TimelineEntry(
                    facts.occurred_at, facts.kind, facts.title or facts.kind, detail, facts.id
                )
            )
    weeks: dict[datetime, Counter[str]] = {}
    for event in history.usage:
        kind, at = event.kind, event.at
        if start <= at <= as_of:
            monday = (at - timedelta(days=at.weekday())).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            weeks.setdefault(monday, Counter())[kind] += 1
    entries += [
        TimelineEntry(
            week,
            "usage",
            f"usage, week of {week:%Y-%m-%d}",
            ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())),
        )
        for week, counts in weeks.items()
    ]
    entries += [
        TimelineEntry(s.occurred_at, "signal", s.kind, s.explanation, s.kind, s.weight)
        for s in derive_signals(history, as_of, config)
        if s.occurred_at >= start
    ]
    order = {"usage": 0, "call": 1, "ticket": 1, "signal": 2}
    return sorted(entries, key=lambda e: (e.at, order[e.kind], e.title))
