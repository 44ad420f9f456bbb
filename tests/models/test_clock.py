"""The one time formatter (models/clock.py)."""

from __future__ import annotations

from models.clock import clock


def test_clock_as_minutes_and_seconds_and_past_an_hour() -> None:
    assert [clock(0), clock(7.9), clock(75), clock(725), clock(3599.9), clock(3723)] == [
        "00:00",
        "00:07",
        "01:15",
        "12:05",
        "59:59",
        "1:02:03",
    ]
    assert clock(36_000) == "10:00:00"


def test_clock_when_unknown() -> None:
    assert clock(None) == ""
    assert clock(None, unknown="--:--") == "--:--"


def test_clock_with_milliseconds_for_subtitles() -> None:
    assert clock(3723.5, millis=",") == "01:02:03,500"
    assert clock(7.0004, millis=".") == "00:00:07.000"
    assert clock(59.9996, millis=".") == "00:01:00.000"
