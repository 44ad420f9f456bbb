from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp.dates import due_date

WEDNESDAY = date(2026, 11, 18)


@pytest.mark.parametrize(
    ("text", "expected", "words"),
    [
        ("I'll send the proposal by Friday", date(2026, 11, 20), "Friday"),
        ("let's meet next Friday", date(2026, 11, 27), "next Friday"),
        (
            "we'll call on Wednesday",
            date(2026, 11, 25),
            "Wednesday",
        ),  # the same weekday means a week on
        ("by end of the month", date(2026, 11, 30), "end of the month"),
        ("end of week works", date(2026, 11, 20), "end of week"),
        ("I'll have it by EOD", WEDNESDAY, "EOD"),
        ("tomorrow morning", date(2026, 11, 19), "tomorrow"),
        ("in two weeks", date(2026, 12, 2), "in two weeks"),
        ("in 3 days", date(2026, 11, 21), "in 3 days"),
        ("on March 3rd", date(2027, 3, 3), "March 3rd"),  # passed this year: next year
        ("the 5th of December", date(2026, 12, 5), "5th of December"),
        ("sometime next week", date(2026, 11, 23), "next week"),
        ("signed by 2026-12-01", date(2026, 12, 1), "2026-12-01"),
    ],
)
def test_expressions_resolve_against_the_call_date(text, expected, words):
    assert due_date(text, WEDNESDAY) == (expected, words)


@pytest.mark.parametrize(
    "text", ["no date here", "February 30", "we may need it", "the 2026-13-40 build"]
)
def test_no_date_or_an_impossible_one_gives_none(text):
    assert due_date(text, WEDNESDAY) is None


def test_the_first_expression_in_the_sentence_wins():
    assert due_date("tomorrow, or Friday at the latest", WEDNESDAY) == (
        date(2026, 11, 19),
        "tomorrow",
    )


@pytest.mark.parametrize(
    ("text", "expected", "words"),
    [
        ("I'll send it by the end of next week", date(2026, 11, 27), "end of next week"),
        ("a reduced package by end of next week", date(2026, 11, 27), "end of next week"),
        ("by the end of the week", date(2026, 11, 20), "end of the week"),
        ("let's talk next Monday", date(2026, 11, 23), "next Monday"),
        ("I'll call you on Monday", date(2026, 11, 23), "Monday"),
        ("this Friday works", date(2026, 11, 20), "Friday"),
        ("tomorrow", date(2026, 11, 19), "tomorrow"),
        ("the day after tomorrow", date(2026, 11, 20), "the day after tomorrow"),
        ("exported by end of month", date(2026, 11, 30), "end of month"),
        ("by the end of next month", date(2026, 12, 31), "end of next month"),
        ("sometime next month", date(2026, 12, 1), "next month"),
        ("before the end of the quarter", date(2026, 12, 31), "end of the quarter"),
        ("end of next quarter", date(2027, 3, 31), "end of next quarter"),
    ],
)
def test_relative_dates(text, expected, words):
    assert due_date(text, WEDNESDAY) == (expected, words)


@pytest.mark.parametrize(
    ("said_on", "text", "expected"),
    [
        (date(2026, 10, 16), "by end of next week", date(2026, 10, 23)),  # said on a Friday
        (date(2026, 9, 25), "by end of next week", date(2026, 10, 2)),
        (
            date(2026, 11, 21),
            "by the end of the week",
            date(2026, 11, 27),
        ),  # a Saturday: the coming Friday
        (date(2026, 11, 20), "by the end of the week", date(2026, 11, 20)),  # a Friday: that day
        (date(2026, 12, 31), "tomorrow", date(2027, 1, 1)),
        (date(2026, 12, 15), "next month", date(2027, 1, 1)),
        (date(2026, 12, 15), "end of next month", date(2027, 1, 31)),
        (date(2027, 1, 30), "end of next month", date(2027, 2, 28)),
        (date(2026, 10, 29), "call you on Monday", date(2026, 11, 2)),
    ],
)
def test_relative_dates_from_other_days(said_on, text, expected):
    found = due_date(text, said_on)
    assert found is not None and found[0] == expected


DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def _due(text: str, said_on: date) -> date:
    found = due_date(text, said_on)
    assert found is not None
    return found[0]


@given(DAYS)
def test_week_ends_are_fridays_ahead(said_on):
    this, following = _due("by the end of the week", said_on), _due("by end of next week", said_on)
    assert this.weekday() == following.weekday() == 4
    assert 0 <= (this - said_on).days <= 6 and following - this == timedelta(days=7)


@given(DAYS)
def test_months_and_quarters_end_on_their_last_day(said_on):
    month_end, next_start = _due("end of month", said_on), _due("next month", said_on)
    assert (
        month_end >= said_on and month_end + timedelta(days=1) == next_start and next_start.day == 1
    )
    assert _due("end of next month", said_on).month == next_start.month
    quarter = _due("end of the quarter", said_on)
    assert quarter.month in (3, 6, 9, 12) and (quarter + timedelta(days=1)).day == 1
    assert 0 <= (quarter - said_on).days < 92


@given(DAYS, st.sampled_from(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]))
def test_a_weekday_is_within_the_next_seven_days_and_next_one_in_next_week(said_on, day):
    plain, following = _due(f"on {day}", said_on), _due(f"next {day}", said_on)
    assert 1 <= (plain - said_on).days <= 7 and plain.strftime("%A") == day
    assert following.strftime("%A") == day and following > said_on
    monday_next = said_on + timedelta(days=7 - said_on.weekday())
    assert monday_next <= following < monday_next + timedelta(days=7)
