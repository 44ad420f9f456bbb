"""The health score: 100 minus the customer's decayed risk points, with a breakdown and a band.

A signal's points are its weight halved every ``half_life_days`` of age (signals older than ``horizon_days``
count nothing). Signals of one kind add up with diminishing returns: the largest counts in full, the next
half, the next a quarter, and so on (five price objections are worse than one, not five times worse). The
score is 100 minus the sum, clamped to 0..100; green at or above ``bands.green``,
yellow at or above ``bands.yellow``, red below. ``replay`` recomputes it at past dates from the same history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from models.records import RiskSignal
from risk.config import RiskConfig
from risk.history import CustomerHistory
from risk.signals import derive_signals

__all__ = ["BAND_ORDER", "Band", "Health", "band_of", "decayed", "health", "replay"]

Band = Literal["green", "yellow", "red"]
BAND_ORDER: dict[str, int] = {"green": 0, "yellow": 1, "red": 2}  # higher is worse


@dataclass(frozen=True)
class Health:
    customer_id: str
    as_of: datetime
    score: float
    band: Band
    breakdown: dict[str, float]  # signal kind -> points taken off, largest first
    signals: list[RiskSignal]  # the signals counted, largest contribution first
    points: list[float]  # what each of them takes off now (its weight, decayed)


def band_of(score: float, config: RiskConfig) -> Band:
    if score >= config.bands.green:
        return "green"
    return "yellow" if score >= config.bands.yellow else "red"


def decayed(signal: RiskSignal, as_of: datetime, config: RiskConfig) -> float:
    """The points ``signal`` takes off at ``as_of``."""
    age = (as_of - signal.occurred_at).total_seconds() / 86400
    if age < 0 or age > config.horizon_days:
        return 0.0
    return signal.weight * 0.5 ** (age / config.half_life_days)


def _counted(
    signals: list[RiskSignal], as_of: datetime, config: RiskConfig
) -> list[tuple[RiskSignal, float]]:
    """Each live signal with the points it takes off: decayed, then halved for each larger one of its kind."""
    decayed_points = sorted(
        ((s, decayed(s, as_of, config)) for s in signals), key=lambda sp: (-sp[1], sp[0].kind)
    )
    rank: dict[str, int] = defaultdict(int)
    counted = []
    for signal, points in decayed_points:
        if points > 0:
            counted.append((signal, points * 0.5 ** rank[signal.kind]))
            rank[signal.kind] += 1
    return sorted(counted, key=lambda sp: (-sp[1], sp[0].kind))


def health(history: CustomerHistory, as_of: datetime, config: RiskConfig) -> Health:
    counted = _counted(derive_signals(history, as_of, config), as_of, config)
    breakdown: dict[str, float] = defaultdict(float)
    for signal, points in counted:
        breakdown[signal.kind] += points
    score = round(min(100.0, max(0.0, 100.0 - sum(breakdown.values()))), 1)
    ordered = dict(
        sorted(((k, round(v, 1)) for k, v in breakdown.items()), key=lambda kv: (-kv[1], kv[0]))
    )
    return Health(
        history.customer_id,
        as_of,
        score,
        band_of(score, config),
        ordered,
        [s for s, _ in counted],
        [round(p, 2) for _, p in counted],
    )


def replay(
    history: CustomerHistory,
    start: datetime,
    end: datetime,
    config: RiskConfig,
    step: timedelta = timedelta(days=7),
) -> list[Health]:
    """Health at ``start``, every ``step`` after it, and at ``end``: how the score moved."""
    points, moment = [], start
    while moment < end:
        points.append(health(history, moment, config))
        moment += step
    points.append(health(history, end, config))
    return points
