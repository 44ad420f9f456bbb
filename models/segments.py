"""The RFM segmentation's configuration as typed records: where recency, frequency and monetary value come
from, the named segments as rules over the 1-5 scores, and the behaviour tags. portfolio/segments.py loads it
(portfolio/data/segments.yaml, or CALLINTEL_SEGMENTS_CONFIG); models/rfm_repo.py turns it into SQL."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.records import TAG_LABELS

__all__ = ["BehaviourTag", "Score", "Segment", "SegmentConfig"]

Name = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")


class Score(BaseModel):
    """An inclusive range of a 1-5 score."""

    model_config = ConfigDict(extra="forbid")

    low: int = Field(ge=1, le=5)
    high: int = Field(ge=1, le=5)

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError("a score range is [low, high]")
            return {"low": value[0], "high": value[1]}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Score:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self


class Segment(BaseModel):
    """A named segment: every bound given must hold (none: everyone left)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Name
    label: str = Field(min_length=1, max_length=80)
    r: Score | None = None
    f: Score | None = None
    m: Score | None = None
    tenure_days_max: int | None = Field(None, ge=0, le=36500)


class BehaviourTag(BaseModel):
    """Something the customer did in the last ``within_days``: a page visit, a tagged call or ticket, an NPS."""

    model_config = ConfigDict(extra="forbid")

    name: str = Name
    label: str = Field(min_length=1, max_length=80)
    within_days: int = Field(ge=1, le=3650)
    page: str | None = Field(None, min_length=1, max_length=200)
    labels: list[str] = Field(default_factory=list)
    nps: tuple[int, int] | None = None  # [low, high] of an NPS answer, 0-10

    @field_validator("nps")
    @classmethod
    def _nps_range(cls, nps: tuple[int, int] | None) -> tuple[int, int] | None:
        if nps is not None and not 0 <= nps[0] <= nps[1] <= 10:
            raise ValueError("nps is [low, high] with 0 <= low <= high <= 10")
        return nps

    @field_validator("labels")
    @classmethod
    def _known_labels(cls, labels: list[str]) -> list[str]:
        unknown = sorted(set(labels) - set(TAG_LABELS))
        if unknown:
            raise ValueError(f"unknown tag label {unknown[0]!r} (one of {', '.join(TAG_LABELS)})")
        return labels

    @model_validator(mode="after")
    def _some_condition(self) -> BehaviourTag:
        if self.page is None and not self.labels and self.nps is None:
            raise ValueError("a tag needs page, labels or nps")
        return self


class SegmentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recency: Literal["contact", "payment"] = "contact"
    frequency: Literal["contacts", "purchases"] = "contacts"
    monetary: Literal["arr", "payments"] = "arr"
    window_days: int = Field(365, ge=1, le=3650)
    segments: list[Segment] = Field(min_length=1)
    tags: list[BehaviourTag] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> SegmentConfig:
        for field, items in (("segments", self.segments), ("tags", self.tags)):
            names = [item.name for item in items]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{field}: the name {twice[0]!r} is used twice")
        return self

    def segment_names(self) -> list[str]:
        return [s.name for s in self.segments]

    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]

    def label_of(self, segment: str | None) -> str:
        return next((s.label for s in self.segments if s.name == segment), segment or "-")
