"""Contact frequency per customer, channel and rep, aggregated in SQL (models/contacts_repo.py's statements).

One *fact* per contact (an interaction at or before as_of, surveys left out) is a row of a subquery: its
channel (``channel_of``), whether it is in the window, whether an email was replied to or a ticket answered,
the call's duration, whether its summary agreed a next step, and whether a renewal or purchase followed within
``conversion_days``. The database then sums the facts per customer, per customer and channel, and per customer
and rep (``Cell``); those few rows per customer are added up into ``Tally``s per channel and rep here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from models.contacts_repo import (
    Cell,
    Scope,
    Sums,
    accounts_in_book,
    bands_at,
    cells,
    channel_of,
    contact_rows,
    counts_by_rep,
    facts,
)
from portfolio.contact_records import Tally

__all__ = [
    "Scope",
    "Cell",
    "accounts_in_book",
    "bands_at",
    "cells",
    "channel_of",
    "contact_rows",
    "counts_by_rep",
    "days_between",
    "facts",
    "summed",
    "tallies",
    "tally_of",
]


def days_between(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 86400


def tally_of(of_one_customer: Sequence[Cell], as_of: datetime) -> Tally:
    """One customer's cells (any channels and reps) as one tally: its gaps are between its own contacts."""
    contacts = sum(c.contacts for c in of_one_customer)
    firsts = [c.first_at for c in of_one_customer if c.first_at is not None]
    lasts = [c.last_in_window for c in of_one_customer if c.last_in_window is not None]
    ever = [c.last_at for c in of_one_customer if c.last_at is not None]
    last_at = max(ever, default=None)
    sums: Sums = (
        of_one_customer[0].sums
        if len(of_one_customer) == 1
        else cast(Sums, tuple(map(sum, zip(*(c.sums for c in of_one_customer), strict=True))))
    )
    return Tally(
        contacts,
        max(contacts - 1, 0),
        days_between(max(lasts), min(firsts)) if contacts > 1 else 0.0,
        last_at,
        days_between(as_of, last_at) if last_at is not None else None,
        *sums,
    )


def tallies(
    found: Iterable[Cell], as_of: datetime, by: Callable[[Cell], Hashable]
) -> dict[Any, Tally]:
    """A tally per key ``by`` a cell; each key must fall within one customer (it includes the customer)."""
    grouped: dict[Any, list[Cell]] = defaultdict(list)
    for cell in found:
        grouped[by(cell)].append(cell)
    return {key: tally_of(group, as_of) for key, group in grouped.items()}


def summed(values: Iterable[Tally]) -> Tally:
    """The tallies added up (an empty one for none)."""
    total = Tally()
    for value in values:
        total = total + value
    return total
