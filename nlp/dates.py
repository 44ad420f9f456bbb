"""Due dates said in conversation ("by Friday", "tomorrow", "end of the month", "March 3") resolved against the call date.

Rules: a weekday means its next occurrence after the call day ("on Monday"; "this Friday" too); "next Friday"
is the Friday of next week; "next week" is next week's Monday; "end of the week" this week's Friday (from a
Saturday or Sunday: the coming Friday), "end of next week" next week's Friday; "end of the month" its last day,
"end of next month" the last day of the next one, "next month" its first day; "end of the quarter" its last day;
"tomorrow", "the day after tomorrow", "today"/"tonight"/"this afternoon"/"EOD"; "in N days/weeks"; a month and
day ("March 3", "3rd of March") in the call's year, or the next year if that day has passed; ISO dates as
written. Anything else has no due date. The first expression in the text wins.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

__all__ = ["due_date"]

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_WEEKDAY = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")"
_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "a": 1,
    "a couple of": 2,
    "a few": 3,
}

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<iso>\d{4}-\d{2}-\d{2})\b")),
    ("month_day", re.compile(rf"\b{_MONTH}\s+{_DAY}\b")),
    ("day_month", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b")),
    ("next_weekday", re.compile(rf"\bnext\s+{_WEEKDAY}\b")),
    ("weekday", re.compile(rf"\b{_WEEKDAY}\b")),
    (
        "in_n",
        re.compile(
            r"\bin\s+(?P<n>\d+|one|two|three|four|five|a couple of|a few|a)\s+(?P<unit>day|week)s?\b"
        ),
    ),
    (
        "end_of_next",
        re.compile(r"\bend of (?:the )?next (?P<unit>week|month|quarter)\b"),
    ),
    (
        "end_of",
        re.compile(r"\b(?:end of (?:the |this )?|eo)(?P<unit>day|week|month|quarter|d|w|m|q)\b"),
    ),
    ("next_month", re.compile(r"\bnext month\b")),
    ("day_after", re.compile(r"\bthe day after tomorrow\b")),
    ("next_week", re.compile(r"\bnext week\b")),
    ("tomorrow", re.compile(r"\btomorrow\b")),
    ("today", re.compile(r"\b(?:today|tonight|this afternoon|this evening)\b")),
]


def _month_day(month: int, day: int, said_on: date) -> date | None:
    for year in (said_on.year, said_on.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= said_on:
            return candidate
    return None


def _resolve(kind: str, m: re.Match[str], said_on: date) -> date | None:
    monday_next = said_on + timedelta(days=7 - said_on.weekday())
    if kind == "iso":
        try:
            return date.fromisoformat(m["iso"])
        except ValueError:
            return None
    if kind in ("month_day", "day_month"):
        return _month_day(MONTHS[m["month"].lower()], int(m["day"]), said_on)
    if kind == "next_weekday":
        return monday_next + timedelta(days=WEEKDAYS[m["weekday"].lower()])
    if kind == "weekday":
        ahead = (WEEKDAYS[m["weekday"].lower()] - said_on.weekday()) % 7 or 7
        return said_on + timedelta(days=ahead)
    if kind == "in_n":
        n = int(m["n"]) if m["n"].isdigit() else _NUMBERS[m["n"].lower()]
        return said_on + timedelta(days=n * (7 if m["unit"].lower() == "week" else 1))
    if kind in ("end_of", "end_of_next"):
        return _end_of(m["unit"].lower()[0], said_on, kind == "end_of_next")
    if kind == "next_month":
        return _next_month(said_on)
    return {
        "next_week": monday_next,
        "tomorrow": said_on + timedelta(days=1),
        "day_after": said_on + timedelta(days=2),
        "today": said_on,
    }[kind]


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_month(day: date) -> date:
    return _month_end(day) + timedelta(days=1)


def _end_of(unit: str, said_on: date, next_one: bool) -> date:
    """The last day of the day, week (its Friday), month or quarter said; ``next_one``: of the one after."""
    if unit == "d":
        return said_on
    if unit == "w":
        friday = said_on + timedelta(days=(4 - said_on.weekday()) % 7)
        return friday + timedelta(days=7) if next_one else friday
    if unit == "m":
        return _month_end(_next_month(said_on)) if next_one else _month_end(said_on)
    quarter_end = _month_end(said_on.replace(day=1, month=(said_on.month - 1) // 3 * 3 + 3))
    return _month_end(quarter_end + timedelta(days=80)) if next_one else quarter_end


def due_date(text: str, said_on: date) -> tuple[date, str] | None:
    """The first date expression in ``text`` (by position), resolved, with the words that said it."""
    found: list[tuple[int, int, date, str]] = []
    for priority, (kind, pattern) in enumerate(PATTERNS):
        for m in pattern.finditer(text.lower()):
            resolved = _resolve(kind, m, said_on)
            if resolved is not None:
                found.append((m.start(), priority, resolved, text[m.start() : m.end()]))
    if not found:
        return None
    _, _, when, words = min(found)
    return when, words
