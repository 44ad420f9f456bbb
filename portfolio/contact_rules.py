"""The norm a customer's contact frequency is judged against, and the cross-analysis by segment and band.

The norm of a segment is the median contacts per period of its customers (a customer with none counts as 0).
A customer is *over-contacted* above ``over_factor`` x that median (a segment whose median is 0 has no one
over), *neglected* below the median / ``neglect_factor`` or with no contact in ``neglect_days`` days, else
*normal*. The segment is whatever the caller maps each customer to: the account's ``segment`` field by default,
or value segments (RFM) where they are known.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import mean, median

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.validation import describe
from models.errors import ConfigError
from portfolio.contact_records import CrossCell, Period, Status
from risk.config import load_yaml

__all__ = ["DEFAULT_RULES", "ContactRules", "Judgement", "cross_cells", "judge", "load_rules"]

DEFAULT_RULES = Path(__file__).with_name("data") / "contacts.yaml"
NO_SEGMENT = "(none)"
ALL = "*"


class ContactRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    window_days: int = Field(90, ge=1, le=3650)
    period: Period = "month"
    over_factor: float = Field(2.0, gt=1)
    neglect_factor: float = Field(2.0, gt=1)
    neglect_days: int = Field(45, ge=1, le=3650)
    conversion_days: int = Field(30, ge=0, le=3650)


def load_rules(path: str | Path | None = None) -> ContactRules:
    """The rules at ``path`` (the bundled portfolio/data/contacts.yaml when None); ConfigError naming the file."""
    source = Path(path) if path else DEFAULT_RULES
    raw = load_yaml(source, "contact rules")
    try:
        return ContactRules.model_validate(raw or {})
    except ValidationError as exc:
        raise ConfigError(describe(exc), source) from None


@dataclass(frozen=True)
class Judgement:
    norm: float
    status: Status
    reason: str


def segment_norms(
    rates: Mapping[str, float], segments: Mapping[str, str | None]
) -> dict[str, float]:
    """Each segment's median contacts per period over its customers in ``rates``."""
    grouped: dict[str, list[float]] = defaultdict(list)
    for customer, rate in rates.items():
        grouped[segments.get(customer) or NO_SEGMENT].append(rate)
    return {segment: median(values) for segment, values in grouped.items()}


def _judged(rate: float, recency: float | None, norm: float, rules: ContactRules) -> Judgement:
    """Compared unrounded; the figures in the reason are rounded to 4 places."""
    per, median_ = f"{round(rate, 4):g}/{rules.period}", f"{round(norm, 4):g}"
    shown = round(norm, 4)
    if recency is None or recency > rules.neglect_days:
        since = "ever" if recency is None else f"in {recency:.0f} days"
        return Judgement(shown, "neglected", f"no contact {since} (limit {rules.neglect_days})")
    if norm > 0 and rate > rules.over_factor * norm:
        why = f"{per} is above {rules.over_factor:g} x the segment median {median_}"
        return Judgement(shown, "over", why)
    if rate < norm / rules.neglect_factor:
        why = f"{per} is below the segment median {median_} / {rules.neglect_factor:g}"
        return Judgement(shown, "neglected", why)
    return Judgement(shown, "normal", f"{per} against the segment median {median_}")


def judge(
    rates: Mapping[str, float],
    recency: Mapping[str, float | None],
    segments: Mapping[str, str | None],
    rules: ContactRules,
) -> dict[str, Judgement]:
    """Each customer in ``rates`` (contacts per period) judged against the norm of its segment in ``segments``
    (a customer missing there, or mapped to None, is in the segment "(none)")."""
    norms = segment_norms(rates, segments)
    return {
        customer: _judged(
            rate, recency.get(customer), norms[segments.get(customer) or NO_SEGMENT], rules
        )
        for customer, rate in rates.items()
    }


@dataclass(frozen=True)
class Judged:
    """A customer as the cross-analysis sees it."""

    segment: str | None
    band: str | None
    rate: float
    status: Status


def _cell(segment: str, band: str, members: list[Judged]) -> CrossCell:
    rates = [m.rate for m in members]
    return CrossCell(
        segment=segment,
        band=band,
        customers=len(members),
        median_per_period=round(median(rates), 4),
        mean_per_period=round(mean(rates), 4),
        over=sum(m.status == "over" for m in members),
        neglected=sum(m.status == "neglected" for m in members),
    )


def cross_cells(customers: Iterable[Judged]) -> tuple[list[CrossCell], list[CrossCell]]:
    """(per segment, per segment and band plus per band with segment "*"), each sorted by its keys."""
    by_segment: dict[str, list[Judged]] = defaultdict(list)
    by_pair: dict[tuple[str, str], list[Judged]] = defaultdict(list)
    for c in customers:
        segment, band = c.segment or NO_SEGMENT, c.band or "unknown"
        by_segment[segment].append(c)
        by_pair[(segment, band)].append(c)
        by_pair[(ALL, band)].append(c)
    segments = [_cell(s, ALL, m) for s, m in sorted(by_segment.items())]
    pairs = [_cell(s, b, m) for (s, b), m in sorted(by_pair.items())]
    return segments, pairs
