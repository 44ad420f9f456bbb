"""Risk weights and thresholds: a YAML file (the bundled risk/data/risk.yaml holds the documented defaults)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.validation import describe
from models.errors import ConfigError

__all__ = ["DEFAULT_CONFIG", "RiskConfig", "load_config"]

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
    weight: float = Field(ge=0)
    min_score: float = Field(0.5, ge=0, le=1)
    negative_only: bool = False


class SentimentRule(_Strict):
    window: int = Field(ge=1)
    min_interactions: int = Field(ge=1)
    negative_share: float = Field(gt=0, le=1)
    weight: float = Field(ge=0)


class ContactRule(_Strict):
    silence_days: float = Field(gt=0)
    silence_weight: float = Field(ge=0)
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
    kinds: dict[str, float]


class AlertRule(_Strict):
    high_weight: float = Field(ge=0)


class RiskConfig(_Strict):
    half_life_days: float = Field(gt=0)
    horizon_days: float = Field(gt=0)
    bands: Bands
    tags: dict[str, TagRule]
    sentiment: SentimentRule
    contact: ContactRule
    tickets: TicketRule
    usage: UsageRule
    alerts: AlertRule


@lru_cache(maxsize=8)
def load_config(path: str | Path | None = None) -> RiskConfig:
    """The risk configuration at ``path`` (the bundled defaults when None); ConfigError naming the file otherwise."""
    source = Path(path) if path else DEFAULT_CONFIG
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"cannot read the risk configuration: {exc.strerror or exc}", source
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {str(exc).splitlines()[0]}", source) from None
    try:
        return RiskConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe(exc), source) from None
