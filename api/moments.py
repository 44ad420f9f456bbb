"""The one bounded date and moment type: every date or date-time a user gives the API, the dashboard or the CLI.

Years 1970 to 2999: wide enough for any real call, ticket or as-of, narrow enough that the arithmetic done with
it (a day added to an ``until``, a window of up to ten years taken off an ``as_of``, a UTC offset) stays far
from ``datetime``'s limits (years 1 and 9999), which otherwise surface as an OverflowError (a 500). Outside the
range: 422 in the API and on the dashboard, one line and exit 1 in the CLI.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from models.errors import ConfigError, InputError
from models.settings import Settings

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "AsOf",
    "Day",
    "Moment",
    "bounded_day",
    "bounded_moment",
    "configured_moment",
    "minute_of",
    "parse_moment",
    "whole_day",
]

FIRST_YEAR, LAST_YEAR = 1970, 2999
RANGE = f"dates must be between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31"


def bounded_day(day: date) -> date:
    """The date itself when its year is in range, else ValueError (pydantic's 422)."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"{day.isoformat()} is out of range: {RANGE}")
    return day


def bounded_moment(moment: datetime) -> datetime:
    """The moment in UTC (naive ones read as UTC) when its year is in range, else ValueError (pydantic's 422)."""
    bounded_day(
        moment.date()
    )  # checked before any offset arithmetic, which could overflow near the limits
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def whole_day(value: str, end_of_day: bool = True) -> datetime | None:
    """The end (or the start) of the day a bare ISO date (``2026-10-31``) names; None for anything else.

    The one rule for a date given as a moment: ``callintel customers --as-of 2026-10-31`` and
    ``GET /api/customers?as_of=2026-10-31`` both judge at 23:59:59 UTC that day."""
    if len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(day, time(23, 59, 59) if end_of_day else time())


def _day_as_its_end(value: object) -> object:
    return (whole_day(value) or value) if isinstance(value, str) else value


Day = Annotated[date, AfterValidator(bounded_day)]
Moment = Annotated[datetime, AfterValidator(bounded_moment)]
AsOf = Annotated[datetime, BeforeValidator(_day_as_its_end), AfterValidator(bounded_moment)]
"""An ``as_of`` query parameter: a bare date means its end, as the CLI's ``--as-of`` does."""


def parse_moment(value: str, option: str = "--as-of", end_of_day: bool = True) -> datetime:
    """A CLI option's ISO date (its end, or its start) or date-time, bounded like ``Moment``; else InputError."""
    try:
        moment = whole_day(value, end_of_day) or datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{option} {value!r} is not an ISO date or date-time (e.g. 2026-10-31)"
        ) from None
    try:
        return bounded_moment(moment)
    except ValueError as exc:
        raise InputError(f"{option} {exc}") from None


def configured_moment(settings: Settings) -> datetime:
    """CALLINTEL_RISK_AS_OF (bounded like ``Moment``, else ConfigError naming it), else now."""
    try:
        return bounded_moment(settings.risk_moment())
    except ValueError as exc:
        raise ConfigError(f"invalid setting CALLINTEL_RISK_AS_OF: {exc}") from None


def minute_of(moment: datetime | None = None) -> datetime:
    """``moment`` (default now, UTC) rounded down to its minute: the moment a book-wide report asked for "now"
    is judged at (api/service.py ``report_moment``), so that the same report within a minute is the same answer."""
    return (moment or datetime.now(UTC)).replace(second=0, microsecond=0)
