"""Playbooks: the intervention recommended for a customer, with the reason, from risk/data/playbooks.yaml.

The file maps every signal kind (``risk.kinds.known_kinds``) to an action; loading it checks that each kind
is covered and names the field of any problem in one line. ``recommend(health, history, playbooks)`` picks:

1. nothing for an unknown or churned customer;
2. the action of the risk event taking off the most points (of the indicator, when there is no risk event),
   but a price objection from a customer of more than
   ``long_standing_price.min_tenure_days`` gets the value review;
3. with no risk event and a score of ``healthy.min_score`` or more: expansion or advocacy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.validation import describe
from models.errors import ConfigError
from risk.config import RiskConfig, load_config, load_yaml
from risk.health import Health
from risk.history import CustomerHistory
from risk.kinds import INDICATOR_KINDS, family, is_positive, known_kinds

__all__ = [
    "DEFAULT_PLAYBOOKS",
    "Playbooks",
    "Recommendation",
    "load_playbooks",
    "recommend",
]

DEFAULT_PLAYBOOKS = Path(__file__).parent / "data" / "playbooks.yaml"
Action = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Healthy(_Strict):
    min_score: float = Field(ge=0, le=100)
    action: str = Field(min_length=1)


class LongStandingPrice(_Strict):
    min_tenure_days: float = Field(gt=0)
    action: str = Field(min_length=1)


class Playbooks(_Strict):
    healthy: Healthy
    long_standing_price: LongStandingPrice
    kinds: dict[str, Action]

    @model_validator(mode="after")
    def _actions_have_words(self) -> Playbooks:
        for kind, action in self.kinds.items():
            if not action.strip():
                raise ValueError(f"kinds.{kind}: the action is empty")
        return self


@dataclass(frozen=True)
class Recommendation:
    kind: str  # the signal kind it answers (or "healthy", "long_standing_price")
    action: str
    reason: str  # why: the signal's evidence, or the score


def _check_coverage(playbooks: Playbooks, config: RiskConfig) -> None:
    missing = sorted(known_kinds(config) - set(playbooks.kinds))
    if missing:
        raise ValueError(f"kinds.{missing[0]}: no intervention for this signal kind")


@lru_cache(maxsize=8)
def _parsed(source: Path) -> Playbooks:
    try:
        return Playbooks.model_validate(load_yaml(source, "playbooks"))
    except ValidationError as exc:
        raise ConfigError(describe(exc), source) from None


def load_playbooks(path: str | Path | None = None, config: RiskConfig | None = None) -> Playbooks:
    """The playbooks at ``path`` (the bundled ones when None), checked to cover every kind ``config`` (the
    bundled risk configuration when None) can raise; a ConfigError naming the file and the field otherwise."""
    source = Path(path) if path else DEFAULT_PLAYBOOKS
    playbooks = _parsed(source)
    try:
        _check_coverage(playbooks, config or load_config())
    except ValueError as exc:
        raise ConfigError(str(exc), source) from None
    return playbooks


def _tenure_days(history: CustomerHistory, as_of: datetime) -> float | None:
    account = history.account
    if account is None or account.start_date is None:
        return None
    return (as_of.date() - account.start_date).days


def recommend(
    health: Health, history: CustomerHistory, playbooks: Playbooks, config: RiskConfig
) -> Recommendation | None:
    """The intervention for the customer now, with its reason; None for an unknown or churned customer."""
    if health.score is None or health.churned:
        return None
    risks = [
        (s, p)
        for s, p in zip(health.signals, health.points, strict=True)
        if p > 0 and not is_positive(s.kind, config)
    ]
    events = [sp for sp in risks if sp[0].kind not in (*INDICATOR_KINDS, "several_warnings")]
    if not events and health.score >= playbooks.healthy.min_score:
        why = f"Health {health.score:.0f} with no risk event"
        return Recommendation("healthy", playbooks.healthy.action, why)
    if not risks:
        return None
    top, points = max(events or risks, key=lambda sp: sp[1])  # a risk event before an indicator
    tenure = _tenure_days(history, health.as_of)
    rule = playbooks.long_standing_price
    if top.kind == "price_objection" and tenure is not None and tenure > rule.min_tenure_days:
        why = f"A customer of {tenure / 365:.1f} years objecting to price: {top.explanation}"
        return Recommendation("long_standing_price", rule.action, why)
    action = playbooks.kinds.get(top.kind) or playbooks.kinds[family(top.kind)]
    return Recommendation(top.kind, action, f"{top.explanation} (-{points:.0f})")
