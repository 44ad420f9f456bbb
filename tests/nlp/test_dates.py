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
