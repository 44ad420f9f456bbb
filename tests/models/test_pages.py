"""models/pages.py filters, orders and pages in SQL: the same rows as filtering the whole list in Python."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from models.pages import FlagFilter, flagged_page, interactions_page
from models.records import Interaction, Speaker, Tag, Transcript, Utterance
from models.store import FlaggedInteraction, Store

pytestmark = pytest.mark.both_backends

LABELS = ("price_objection", "cancellation_intent", "competitor_mention")
START = datetime(2026, 9, 1, 10, tzinfo=UTC)


def _call(n: int, rng: random.Random) -> tuple[Interaction, Transcript, list[Tag]]:
    interaction = Interaction.from_content(
        f"call-{n}".encode(),
        customer_id=rng.choice(["acme", "hooli", "globex"]),
        kind=rng.choice(["call", "call", "ticket"]),
        rep=rng.choice(["sam", "dana", None]),
        occurred_at=START + timedelta(hours=rng.randrange(0, 24 * 20)),
        source=f"{n}.json",
    )
    utterances = [
        Utterance(index=i, speaker=Speaker(role="customer", label="C"), start_s=i, end_s=i + 1, text="Too pricey.")
        for i in range(3)
    ]  # fmt: skip
    tags = [
        Tag(label=rng.choice(LABELS), score=rng.choice([0.55, 0.7, 0.9, 0.95]), start=0, end=3,
            evidence="Too", utterance_index=rng.randrange(3))
        for _ in range(rng.randrange(0, 4))
    ]  # fmt: skip
    return (
        interaction,
        Transcript(interaction_id=interaction.id, engine="import", utterances=utterances),
        tags,
    )


@pytest.fixture
def filled(store: Store) -> Store:
    rng = random.Random(14)
    for n in range(40):
        interaction, transcript, tags = _call(n, rng)
        store.save_interaction(interaction, transcript, tags)
    return store


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _python(store: Store, wanted: FlagFilter) -> list[FlaggedInteraction]:
    """What the API did before: the whole queue from the store, narrowed in Python."""
    rows = store.flagged_queue(kind=wanted.kind, min_score=wanted.min_score, limit=100_000)
    since, until = (_utc(wanted.since), _utc(wanted.until))
    return [
        r
        for r in rows
        if (wanted.label is None or wanted.label in r.label_counts)
        and (wanted.rep is None or r.interaction.rep == wanted.rep)
        and (wanted.customer is None or r.interaction.customer_id == wanted.customer)
        and (since is None or r.interaction.occurred_at >= since)
        and (until is None or r.interaction.occurred_at <= until)
    ]


def _key(row: FlaggedInteraction) -> tuple:
    return (row.interaction.id, row.label_counts, row.top.score, row.top.utterance_index)


FILTERS = [
    FlagFilter(),
    FlagFilter(kind="ticket"),
    FlagFilter(label="cancellation_intent"),
    FlagFilter(rep="sam", min_score=0.7),
    FlagFilter(customer="acme", label="price_objection", min_score=0.9),
    FlagFilter(since=START + timedelta(days=5), until=START + timedelta(days=12)),
    FlagFilter(since=datetime(2026, 9, 6, 10), kind=None),  # a naive moment is UTC
]


@pytest.mark.parametrize("wanted", FILTERS)
def test_the_flagged_page_is_the_python_filter_cut_in_pages(filled: Store, wanted: FlagFilter):
    expected = sorted(_python(filled, wanted), key=lambda r: (-r.top.score, -sum(r.label_counts.values()), r.interaction.occurred_at, r.interaction.id))  # fmt: skip
    whole = flagged_page(filled, wanted, limit=None)
    assert whole.total == len(expected) and [_key(r) for r in whole.items] == [
        _key(r) for r in expected
    ]
    pages = [flagged_page(filled, wanted, 4, offset) for offset in range(0, len(expected) + 4, 4)]
    assert [_key(r) for page in pages for r in page.items] == [_key(r) for r in expected]
    assert {page.total for page in pages} == {len(expected)}


@pytest.mark.parametrize(
    "customer, kind, rep", [(None, None, None), ("acme", None, None), (None, "call", "sam"), ("hooli", "ticket", "dana")]
)  # fmt: skip
def test_the_interactions_page_is_newest_first_and_filtered(filled: Store, customer, kind, rep):
    expected = [
        i.id
        for i in reversed(filled.list_interactions(customer, kind))
        if rep is None or i.rep == rep
    ]
    got = [interactions_page(filled, customer, kind, rep, 3, offset) for offset in range(0, 45, 3)]
    assert [i.id for page in got for i in page.items] == expected
    assert {page.total for page in got} == {len(expected)}
