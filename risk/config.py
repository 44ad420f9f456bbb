"""Risk weights and thresholds: a YAML file (the bundled risk/data/risk.yaml holds the documented defaults).

Every section of the file is a model below; an unknown key, a missing one or a value out of range is a
ConfigError naming the file and the field.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.validation import describe
from models.accounts import KEY_ROLES
from models.errors import ConfigError

__all__ = ["DEFAULT_CONFIG", "Indicator", "RiskConfig", "load_yaml", "load_config"]

DEFAULT_CONFIG = Path(__file__).parent / "data" / "risk.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bands(_Strict):
    green: float = Field(ge=0, le=100)
    yellow: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if self.yellow > self.green:
            raise ValueError("bands.yellow must not be above bands.green")
        return self


class TagRule(_Strict):
    """A conversation tag's weight. With ``alone_weight``, the tag weighs ``weight`` only when the customer said
    it in the same breath (the same utterance) as one of ``stronger_with`` (a competitor named alongside a
    price objection or an intent to leave), and ``alone_weight`` when named in passing."""

    weight: float = Field(ge=0)
    min_score: float = Field(0.5, ge=0, le=1)
    negative_only: bool = False
    alone_weight: float | None = Field(None, ge=0)
    stronger_with: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _context_needs_both(self) -> TagRule:
        if (self.alone_weight is None) != (not self.stronger_with):
            raise ValueError("alone_weight and stronger_with go together")
        return self


class SentimentRule(_Strict):
    window: int = Field(ge=1)
    min_interactions: int = Field(ge=1)
    negative_share: float = Field(gt=0, le=1)
    weight: float = Field(ge=0)


class Silence(_Strict):
    """Points that grow while a silence lasts: ``weight`` at ``days``, ``per_day`` more each day, up to ``max_weight``."""

    days: float = Field(gt=0)
    weight: float = Field(ge=0)
    per_day: float = Field(0, ge=0)
    max_weight: float = Field(ge=0)
    cadence_factor: float = Field(0, ge=0)  # or this many times the customer's usual gap, if longer

    @model_validator(mode="after")
    def _cap(self) -> Silence:
        if self.max_weight < self.weight:
            raise ValueError("max_weight must not be below weight")
        return self


class ContactRule(_Strict):
    recent_days: float = Field(gt=0)
    baseline_days: float = Field(gt=0)
    drop_ratio: float = Field(gt=0, le=1)
    min_baseline: int = Field(ge=1)
    drop_weight: float = Field(ge=0)


class TicketRule(_Strict):
    recent_days: float = Field(gt=0)
    baseline_days: float = Field(gt=0)
    rise_ratio: float = Field(ge=1)
    min_recent: int = Field(ge=1)
    weight: float = Field(ge=0)


class UsageRule(_Strict):
    recent_days: float = Field(gt=0)
    baseline_days: float = Field(gt=0)
    drop_ratio: float = Field(gt=0, le=1)
    min_baseline_events: int = Field(ge=1)
    # how likely by chance (a Poisson count) a fall may be and still fire
    max_chance: float = Field(default=1.0, gt=0, le=1)
    kinds: dict[str, float]


class KeyPeopleRule(_Strict):
    days: float = Field(gt=0)
    # or this many times their usual gap between visits (over the 90 days before the last), if longer
    cadence_factor: float = Field(0, ge=0)
    # and a gap this long by chance at their rate of visits (lookback_days up to the last) at most this often
    max_chance: float = Field(1.0, gt=0, le=1)
    lookback_days: float = Field(180, gt=0)
    roles: dict[str, float]

    @model_validator(mode="after")
    def _key_roles(self) -> KeyPeopleRule:
        unknown = sorted(set(self.roles) - KEY_ROLES)
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a key role ({', '.join(sorted(KEY_ROLES))})")
        return self


class CoreFeatureRule(_Strict):
    recent_days: float = Field(gt=0)
    baseline_days: float = Field(gt=0)
    drop_ratio: float = Field(ge=0, lt=1)
    activity_ratio: float = Field(gt=0, le=1)
    min_baseline_events: int = Field(ge=1)
    # how likely by chance (a Poisson count) a fall may be and still fire
    max_chance: float = Field(default=1.0, gt=0, le=1)
    weight: float = Field(ge=0)


class PageRule(_Strict):
    days: float = Field(gt=0)
    patterns: list[str] = Field(min_length=1)
    cancel_patterns: list[str]
    cancel_weight: float = Field(ge=0)


class Indicator(_Strict):
    """One indicator of the weighted model: full credit past ``full``, half past ``half``, none otherwise."""

    weight: float = Field(ge=0)
    window_days: float = Field(gt=0)
    better: Literal["higher", "lower"]
    full: float
    half: float
    min_events: int = Field(0, ge=0)  # not measured on fewer events than this in its window

    @model_validator(mode="after")
    def _ordered(self) -> Indicator:
        if (self.full < self.half) if self.better == "higher" else (self.full > self.half):
            raise ValueError(f"full must be {'above' if self.better == 'higher' else 'below'} half")
        return self


class Indicators(_Strict):
    min_days: float = Field(gt=0)
    login_frequency: Indicator
    core_feature_depth: Indicator
    ticket_sentiment: Indicator
    feature_adoption: Indicator
    page_visits: Indicator


class PaymentRule(_Strict):
    grace_days: float = Field(ge=0)
    late_weight: float = Field(ge=0)
    overdue_weight: float = Field(ge=0)
    failed_weight: float = Field(ge=0)
    per_extra_attempt: float = Field(ge=0)
    max_failed_weight: float = Field(ge=0)


class SurveyRule(_Strict):
    detractor_max: int = Field(ge=0, le=10)
    detractor_weight: float = Field(ge=0)
    nps_drop: int = Field(ge=1, le=10)
    nps_falling_weight: float = Field(ge=0)
    promoter_min: int = Field(ge=0, le=10)
    csat_low: int = Field(ge=1, le=5)
    csat_drop: int = Field(ge=1, le=4)
    csat_weight: float = Field(ge=0)


class SeatRule(_Strict):
    full_share: float = Field(gt=0, le=1)
    weight: float = Field(ge=0)
    exponent: float = Field(1, ge=1)  # the points grow with (share lost / full_share) to this power


class PurchaseRule(_Strict):
    min_events: int = Field(ge=2)
    slowdown_factor: float = Field(gt=1)
    weight: float = Field(ge=0)


class TopicRule(_Strict):
    recent_days: float = Field(gt=0)
    min_recent: int = Field(ge=1)
    min_leaving: int = Field(
        1, ge=1
    )  # recent tickets about leaving: one angry billing ticket is no shift
    exit_share: float = Field(gt=0, le=1)
    exit_tags: list[str]
    exit_cues: list[str]
    howto_cues: list[str]
    weight: float = Field(ge=0)


class LifecycleRule(_Strict):
    cancel_requested_weight: float = Field(ge=0)


class PositiveRule(_Strict):
    tags: dict[str, float]
    promoter_nps: float = Field(ge=0)
    deep_core_use: float = Field(ge=0)
    deep_per_user_week: float = Field(gt=0)


class CombinationRule(_Strict):
    min_kinds: int = Field(ge=2)
    min_points: float = Field(ge=0)
    weight: float = Field(ge=0)
    groups: dict[
        str, list[str]
    ]  # kinds that count as one warning sign (the same evidence seen twice)


class AlertRule(_Strict):
    high_weight: float = Field(ge=0)


class RiskConfig(_Strict):
    half_life_days: float = Field(gt=0)
    half_lives: dict[str, float]  # signal kind -> its own half-life in days
    horizon_days: float = Field(gt=0)
    bands: Bands
    indicators: Indicators
    core_features: list[str]
    new_features: list[str]
    tags: dict[str, TagRule]
    positive: PositiveRule
    sentiment: SentimentRule
    silence: dict[Literal["login", "interaction"], Silence]
    contact: ContactRule
    tickets: TicketRule
    usage: UsageRule
    key_people: KeyPeopleRule
    core_feature_drop: CoreFeatureRule
    pages: PageRule
    payments: PaymentRule
    surveys: SurveyRule
    seats: SeatRule
    purchases: PurchaseRule
    topics: TopicRule
    lifecycle: LifecycleRule
    combination: CombinationRule
    alerts: AlertRule

    @model_validator(mode="after")
    def _positive_half_lives(self) -> RiskConfig:
        for kind, days in self.half_lives.items():
            if days <= 0:
                raise ValueError(f"half_lives.{kind} must be greater than 0")
        return self

    @model_validator(mode="after")
    def _both_silences(self) -> RiskConfig:
        missing = {"login", "interaction"} - set(self.silence)
        if missing:
            raise ValueError(f"silence.{sorted(missing)[0]} is missing")
        return self


def load_yaml(source: Path, what: str) -> object:
    """The YAML at ``source``; ConfigError naming the file when it cannot be read or parsed."""
    try:
        return yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the {what}: {exc.strerror or exc}", source) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {str(exc).splitlines()[0]}", source) from None


@lru_cache(maxsize=8)
def load_config(path: str | Path | None = None) -> RiskConfig:
    """The risk configuration at ``path`` (the bundled defaults when None); ConfigError naming the file otherwise."""
    source = Path(path) if path else DEFAULT_CONFIG
    raw = load_yaml(source, "risk configuration")
    try:
        return RiskConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe(exc), source) from None
