"""The usage events an assessment reads: a bounded read that gives exactly the assessment of the whole history.

A customer's usage can run to hundreds of thousands of events; the signals (risk.activity, risk.indicators)
read them through windows of at most ``lookback_days(config)`` before ``as_of``, and through a few facts that
reach further back:

- the latest event of a kind, or of a user, before the window (silence since the last login; a key person's
  last visit and their usual gap over the 90 days before it; a usage baseline's "last active period");
- whether a kind, a feature, a page or a user's role was ever seen, and the first event of all (a newer
  customer's indicators are measured since their first usage event).

So the read is: per customer, ``reach`` = the earliest of the window's start and each kind's and each user's
latest event before it, less ``lookback_days``; every event in (reach, as_of]; and before ``reach`` only the
first event of each distinct (kind, properties), found by an aggregate in SQL. What the signals compute from
that is what they compute from the whole history (tests/risk/test_window.py checks it on the samples and a
generated portfolio), and an active customer's read is bounded by twice the lookback whatever their history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from models.history_repo import (
    UsageFact,
    first_usage_by_properties,
    latest_usage_before,
    usage_between,
)
from risk.config import RiskConfig

__all__ = ["USUAL_GAP_DAYS", "Window", "lookback_days"]

USUAL_GAP_DAYS = 90.0  # risk.activity._usual_gap: a person's usual gap is measured over 90 days
AGEING = ("half_life_days", "half_lives", "horizon_days")  # how signals age, not what they read


def _day_fields(value: Any, skip: tuple[str, ...] = AGEING) -> list[float]:
    """Every ``*days`` number of a configuration section, and each ``recent_days + baseline_days``."""
    found: list[float] = []
    if isinstance(value, dict):
        if "recent_days" in value and "baseline_days" in value:
            found.append(value["recent_days"] + value["baseline_days"])
        for key, item in value.items():
            if key in skip:
                continue
            if key.endswith("days") and isinstance(item, int | float):
                found.append(float(item))
            else:
                found += _day_fields(item, skip)
    return found


def lookback_days(config: RiskConfig) -> float:
    """How far back from ``as_of`` (or from a kind's or a person's last event) any signal reads usage."""
    return max(USUAL_GAP_DAYS, *_day_fields(config.model_dump()))


@dataclass(frozen=True)
class Window:
    as_of: datetime
    days: float

    @classmethod
    def for_config(cls, config: RiskConfig, as_of: datetime) -> Window:
        return cls(as_of, lookback_days(config))

    @property
    def span(self) -> timedelta:
        return timedelta(days=self.days)

    def usage(self, session: Session, ids: list[str]) -> dict[str, list[UsageFact]]:
        """Each customer's usage events that an assessment at ``as_of`` reads, in time order."""
        if not ids:
            return {}
        reach = self._reach(session, ids)
        anchors = self._anchors(session, ids, reach)
        recent = usage_between(session, ids, min(reach.values()), self.as_of)
        return {
            c: anchors.get(c, []) + [u for u in recent.get(c, []) if u.at > reach[c]] for c in ids
        }

    def _reach(self, session: Session, ids: list[str]) -> dict[str, datetime]:
        """Per customer: where the full read starts (the window's start, or a kind's or a user's last event
        before it, whichever is earlier; less the lookback)."""
        start = self.as_of - self.span
        reach = {customer_id: start for customer_id in ids}
        for customer_id, at in latest_usage_before(session, ids, start):
            reach[customer_id] = min(reach[customer_id], at)
        return {customer_id: at - self.span for customer_id, at in reach.items()}

    def _anchors(
        self, session: Session, ids: list[str], reach: dict[str, datetime]
    ) -> dict[str, list[UsageFact]]:
        """Per customer: the first event of each distinct (kind, properties) at or before its reach."""
        found: dict[str, list[UsageFact]] = {}
        for customer_id, fact in first_usage_by_properties(session, ids, max(reach.values())):
            if fact.at <= reach[customer_id]:
                found.setdefault(customer_id, []).append(fact)
        for facts in found.values():
            facts.sort(key=lambda fact: (fact.at, fact.kind, json.dumps(fact.properties)))
        return found
