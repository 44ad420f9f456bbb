from datetime import date

import pytest

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
