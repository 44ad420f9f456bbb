"""The health score: 100 minus the points of the customer's signals, with a breakdown and a band.

How the parts combine (all weights in risk/data/risk.yaml):

1. The weighted-indicator model (risk.indicators): login frequency 20, core-feature depth 30, support-ticket
   sentiment 25, new-feature adoption 15, pricing/cancel page visits 10. An indicator earning half credit takes
   off half its weight, one earning none all of it; one that cannot be measured for the customer nothing. On
   its own the model gives the seed's score: 100 minus what the indicators miss.
2. Risk events (conversation tags, silence, usage drops, key people, payments, surveys, seats, lifecycle ...)
   take off their weight, halved every ``half_life_days`` of age (``half_lives`` per kind; none after
   ``horizon_days``). Signals that describe the present (silence, an overdue invoice, a cancel request, the
   indicators) are dated ``as_of`` and so never decay while they last; silence grows while it lasts. Signals
   of one kind add up with diminishing returns: the largest counts in full, the next half, and so on.
3. Positive signals (expansion interest, a promoter NPS, deep core-feature use) give points back: their
   points are negative. When ``combination.min_kinds`` risk-event kinds each take off ``min_points`` or more
   (``combination.groups``: families of evidence, usage, conversation, commercial, voice, leaving; two kinds
   of one family are one sign seen twice), ``several_warnings`` takes off
   ``combination.weight`` more: two warning signs at once are worse than either alone.

The score is 100 minus the sum, clamped to 0..100 (``raw_risk`` keeps the unclamped sum, so customers at 0 are
still ordered); green at or above ``bands.green``, yellow at or above ``bands.yellow``, red below. A customer
whose status is ``cancel_requested`` is red whatever the score. A customer with no data at all is ``unknown``
(score None). A churned customer is an outcome: ``churned`` is set and the at-risk list leaves them out.
``replay`` recomputes health at past dates from the same history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from models.records import RiskSignal
from risk.commercial import cancel_requested_at, churned_at
from risk.config import RiskConfig
from risk.history import CustomerHistory
from risk.kinds import INDICATOR_KINDS, family, is_positive, signal
from risk.signals import derive_signals

__all__ = [
    "AT_RISK_ORDER",
    "BAND_ORDER",
    "Band",
    "Health",
    "at_risk",
    "at_risk_key",
    "band_of",
    "decayed",
    "has_data",
    "health",
    "rate",
    "replay",
]

Band = Literal["green", "yellow", "red", "unknown"]
BAND_ORDER: dict[str, int] = {"unknown": -1, "green": 0, "yellow": 1, "red": 2}  # higher is worse


@dataclass(frozen=True)
class Health:
    customer_id: str
    as_of: datetime
    score: float | None  # None: unknown (no data)
    band: Band
    breakdown: dict[
        str, float
    ]  # signal kind -> points taken off (negative: given back), largest first
    signals: list[RiskSignal]  # the signals counted, largest contribution first
    points: list[
        float
    ]  # what each of them takes off now (its weight, decayed; negative for a positive one)
    raw_risk: float = 0.0  # the unclamped sum of the points
    churned: bool = False  # churned by as_of: an outcome, left out of the at-risk list


def band_of(score: float, config: RiskConfig) -> Band:
    if score >= config.bands.green:
        return "green"
    return "yellow" if score >= config.bands.yellow else "red"


def decayed(signal: RiskSignal, as_of: datetime, config: RiskConfig) -> float:
    """The points ``signal`` takes off at ``as_of`` (negative for a positive signal)."""
    age = (as_of - signal.occurred_at).total_seconds() / 86400
    if age < 0 or age > config.horizon_days:
        return 0.0
    half_life = config.half_lives.get(family(signal.kind), config.half_life_days)
    return signal.weight * 0.5 ** (age / half_life)


def _counted(
    signals: list[RiskSignal], as_of: datetime, config: RiskConfig
) -> list[tuple[RiskSignal, float]]:
    """Each live signal with the points it takes off: decayed, then halved for each larger one of its kind."""
    decayed_points = sorted(
        ((s, decayed(s, as_of, config)) for s in signals), key=lambda sp: (-abs(sp[1]), sp[0].kind)
    )
    rank: dict[str, int] = defaultdict(int)
    counted = []
    for signal_, points in decayed_points:
        if points != 0:
            counted.append((signal_, points * 0.5 ** rank[signal_.kind]))
            rank[signal_.kind] += 1
    return counted


def _combination(
    customer_id: str, counted: list[tuple[RiskSignal, float]], as_of: datetime, config: RiskConfig
) -> list[tuple[RiskSignal, float]]:
    """``several_warnings`` when enough risk-event kinds each take off enough points, else nothing."""
    rule, by_family = config.combination, defaultdict[str, float](float)
    group = {kind: name for name, kinds in rule.groups.items() for kind in kinds}
    for s, points in counted:
        if s.kind not in INDICATOR_KINDS and not is_positive(s.kind, config):
            by_family[group.get(family(s.kind), family(s.kind))] += points
    strong = sorted(
        (f for f, p in by_family.items() if p >= rule.min_points), key=lambda f: by_family[f]
    )
    if len(strong) < rule.min_kinds or rule.weight == 0:
        return []
    listed = ", ".join(f"{f} -{by_family[f]:.0f}" for f in reversed(strong))
    why = f"{len(strong)} warning signs at once: {listed}"
    return [(signal(customer_id, "several_warnings", rule.weight, as_of, why), rule.weight)]


def has_data(history: CustomerHistory, as_of: datetime) -> bool:
    """Whether anything is known about the customer by ``as_of`` (else their health is unknown)."""
    account = history.account
    dated = (
        [f.occurred_at for f in history.interactions[:1]]
        + [u.at for u in history.usage[:1]]
        + [i.issued_at for i in history.invoices[:1]]
        + [c.occurred_at for c in history.commercial[:1]]
        + [s.responded_at for s in history.surveys[:1]]
    )
    if (
        account is not None
        and account.start_date is not None
        and account.start_date <= as_of.date()
    ):
        return True
    if cancel_requested_at(history, as_of) or churned_at(history, as_of):
        return True
    return any(moment <= as_of for moment in dated)


def health(history: CustomerHistory, as_of: datetime, config: RiskConfig) -> Health:
    churned = churned_at(history, as_of) is not None
    if not has_data(history, as_of):
        return Health(history.customer_id, as_of, None, "unknown", {}, [], [], 0.0, churned)
    return rate(history, as_of, derive_signals(history, as_of, config), config)


def rate(
    history: CustomerHistory, as_of: datetime, signals: list[RiskSignal], config: RiskConfig
) -> Health:
    """The health ``signals`` (derived from ``history`` as of ``as_of``) give: decayed, combined, banded."""
    churned = churned_at(history, as_of) is not None
    counted = _counted(signals, as_of, config)
    counted += _combination(history.customer_id, counted, as_of, config)
    counted.sort(key=lambda sp: (-sp[1], sp[0].kind))
    breakdown: dict[str, float] = defaultdict(float)
    for s, points in counted:
        breakdown[s.kind] += points
    raw = sum(breakdown.values())
    score = round(min(100.0, max(0.0, 100.0 - raw)), 1)
    band = "red" if cancel_requested_at(history, as_of) else band_of(score, config)
    ordered = dict(
        sorted(((k, round(v, 1)) for k, v in breakdown.items()), key=lambda kv: (-kv[1], kv[0]))
    )
    return Health(
        history.customer_id,
        as_of,
        score,
        band,
        ordered,
        [s for s, _ in counted],
        [round(p, 2) for _, p in counted],
        round(raw, 2),
        churned,
    )


AT_RISK_ORDER: dict[str, int] = {"red": 0, "yellow": 1, "green": 2, "unknown": 3}


def at_risk_key(history: CustomerHistory, current: Health) -> tuple[int, float, float, str]:
    """The at-risk ordering: by band (red first, unknown last), then ARR at risk, then raw risk (largest first)."""
    arr = history.account.arr if history.account and history.account.arr else 0.0
    return (AT_RISK_ORDER[current.band], -arr, -current.raw_risk, history.customer_id)


def at_risk(
    rated: Iterable[tuple[CustomerHistory, Health]],
) -> list[tuple[CustomerHistory, Health]]:
    """The customers at risk, riskiest first: churned customers (outcomes) are left out."""
    return sorted(
        ((h, current) for h, current in rated if not current.churned),
        key=lambda pair: at_risk_key(*pair),
    )


def replay(
    history: CustomerHistory,
    start: datetime,
    end: datetime,
    config: RiskConfig,
    step: timedelta = timedelta(days=7),
) -> list[Health]:
    """Health at ``start``, every ``step`` after it, and at ``end``: how the score moved."""
    return [health(history, moment, config) for moment in replay_moments(start, end, step)]


def replay_moments(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    """The moments a replay judges: ``start``, every ``step`` after it before ``end``, then ``end``."""
    moments: list[datetime] = []
    moment = start
    while moment < end:
        moments.append(moment)
        moment += step
    return [*moments, end]
