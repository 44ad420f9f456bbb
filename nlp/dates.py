"""Due dates said in conversation ("by Friday", "tomorrow", "end of the month", "March 3") resolved against the call date.

Rules: a weekday means its next occurrence after the call day ("next Friday": the Friday of next week);
"next week" is next week's Monday; "end of the week" this week's Friday; "end of the month" its last day;
"in N days/weeks"; a month and day ("March 3", "3rd of March") in the call's year, or the next year if that
day has passed; ISO dates as written. Anything else has no due date.
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
    ("end_of", re.compile(r"\b(?:end of (?:the )?|eo)(?P<unit>day|week|month|d|w|m)\b")),
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
    if kind == "end_of":
        unit = m["unit"].lower()[0]
        if unit == "d":
            return said_on
        if unit == "w":
            return said_on + timedelta(days=max(0, 4 - said_on.weekday()))
        return said_on.replace(day=calendar.monthrange(said_on.year, said_on.month)[1])
    return {"next_week": monday_next, "tomorrow": said_on + timedelta(days=1), "today": said_on}[
        kind
    ]


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
