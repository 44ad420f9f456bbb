"""models/pages.py filters, orders and pages in SQL: the same rows as filtering the whole list in Python."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, update

from models import pages as pages_module
from models.pages import FlagFilter, Ranking, flagged_page, interactions_page
from models.queue import assign, review
from models.records import Interaction, Role, Speaker, Tag, TagLabel, Transcript, Utterance
from models.store import FlaggedInteraction, Store
from models.tables import AccountRow, InteractionRow

pytestmark = pytest.mark.both_backends

LABELS: tuple[TagLabel, ...] = ("price_objection", "cancellation_intent", "competitor_mention")
ROLES: tuple[Role, ...] = ("customer", "unknown", "rep")
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
            evidence="Too", utterance_index=rng.randrange(3),
            speaker_role=rng.choice(ROLES))
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
    with store.transaction() as session:  # acme's ARR is known, hooli's is 0, globex has no account
        session.add(AccountRow(customer_id="acme", arr=250_000.0))
        session.add(AccountRow(customer_id="hooli", arr=0.0))
    return store


RANKING = Ranking(
    {"cancellation_intent": 30, "price_objection": 8}, 7.0, datetime(2026, 9, 25, tzinfo=UTC)
)
ARR = {"acme": 250_000.0, "hooli": 0.0}


def _severity(store: Store, row: FlaggedInteraction, min_score: float) -> float:
    """The ranking formula in plain Python (README, "The queue"): the reference the SQL must match."""
    age = max((RANKING.as_of - row.interaction.occurred_at).total_seconds() / 86400, 0.0)
    recency = 0.5 ** (age / RANKING.half_life_days)
    value = 1 + math.log10(1 + ARR.get(row.interaction.customer_id, 0.0) / 10_000)
    stored = store.get_interaction(row.interaction.id)
    assert stored is not None
    tags = [t for t in stored.tags if t.score >= min_score and t.speaker_role != "rep"]
    strongest = max(RANKING.weights.get(t.label, 1.0) * t.score for t in tags)
    return strongest * recency * value


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _python(store: Store, wanted: FlagFilter) -> list[tuple[float, FlaggedInteraction]]:
    """The whole queue from the store (customer tags only), narrowed and ranked in Python."""
    rows = store.flagged_queue(kind=wanted.kind, min_score=wanted.min_score, limit=100_000)
    since, until = (_utc(wanted.since), _utc(wanted.until))
    return [
        (_severity(store, r, wanted.min_score), r)
        for r in rows
        if (wanted.label is None or wanted.label in r.label_counts)
        and (wanted.rep is None or r.interaction.rep == wanted.rep)
        and (wanted.customer is None or r.interaction.customer_id == wanted.customer)
        and (since is None or r.interaction.occurred_at >= since)
        and (until is None or r.interaction.occurred_at <= until)
    ]


def _key(row: FlaggedInteraction) -> tuple:
    return (row.interaction.id, row.label_counts)


FILTERS = [
    FlagFilter(),
    FlagFilter(kind="ticket"),
    FlagFilter(label="cancellation_intent"),
    FlagFilter(rep="sam", min_score=0.7),
    FlagFilter(customer="acme", label="price_objection", min_score=0.9),
    FlagFilter(since=START + timedelta(days=5), until=START + timedelta(days=12)),
    FlagFilter(since=datetime(2026, 9, 6, 10), kind=None),  # a naive moment is UTC
]


@pytest.mark.parametrize("rare", [0, 10**9], ids=["from the flags", "from the kind"])
@pytest.mark.parametrize("wanted", FILTERS)
def test_the_flagged_page_is_the_python_filter_cut_in_pages(
    filled: Store, wanted: FlagFilter, rare: int, monkeypatch: pytest.MonkeyPatch
):
    """Both of SQLite's ways to a kind's flags give the same queue: from every flag (a common kind) and from
    the kind's interactions (a kind with fewer than RARE_KIND of them)."""
    monkeypatch.setattr(pages_module, "RARE_KIND", rare)
    ranked = sorted(_python(filled, wanted), key=lambda p: (-round(p[0], 9), -sum(p[1].label_counts.values()), p[1].interaction.occurred_at, p[1].interaction.id))  # fmt: skip
    expected = [r for _, r in ranked]
    whole = flagged_page(filled, wanted, limit=None, ranking=RANKING)
    assert whole.total == len(expected) and [_key(r) for r in whole.items] == [
        _key(r) for r in expected
    ]
    for (severity, _), got in zip(ranked, whole.items, strict=True):
        assert got.severity is not None and got.severity.total == pytest.approx(severity)
        parts = got.severity
        assert parts.weight * parts.score * parts.recency * parts.value == pytest.approx(severity)
        assert got.top.speaker_role != "rep"
    pages = [
        flagged_page(filled, wanted, 4, offset, RANKING)
        for offset in range(0, len(expected) + 4, 4)
    ]
    assert [_key(r) for page in pages for r in page.items] == [_key(r) for r in expected]
    assert {page.total for page in pages} == {len(expected)}


@pytest.mark.parametrize(
    "customer, kind, rep", [(None, None, None), (None, "ticket", None), ("acme", None, None), (None, "call", "sam"), ("hooli", "ticket", "dana")]
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


def test_the_kept_totals_follow_every_write(filled: Store):
    """The list's total for no filter or a kind is read from interaction_counts (migration 0014), which the
    database keeps whoever writes: a statement inserting several rows, a kind changed, rows deleted."""
    kinds = (None, "call", "ticket")

    def totals() -> list[int]:
        return [interactions_page(filled, None, kind, None, 1).total for kind in kinds]

    def counted() -> list[int]:
        return [len(filled.list_interactions(None, kind)) for kind in kinds]

    before = totals()
    assert before == counted() and before[0] == 40
    rows = [
        {"id": f"bare-{n}", "customer_id": "acme", "kind": kind, "occurred_at": START,
         "source": f"bare-{n}", "sha256": f"{n:064d}", "meta": {}, "ingested_at": START}
        for n, kind in enumerate(["call", "ticket", "ticket", "call", "ticket"])
    ]  # fmt: skip
    with filled.transaction() as session:
        session.execute(insert(InteractionRow), rows)  # one statement, many rows
    assert totals() == counted() == [before[0] + 5, before[1] + 2, before[2] + 3]
    with filled.transaction() as session:
        moved = InteractionRow.id.in_(["bare-0", "bare-3"])
        session.execute(update(InteractionRow).where(moved).values(kind="ticket"))
        session.execute(delete(InteractionRow).where(InteractionRow.id.in_(["bare-1", "bare-2"])))
    assert totals() == counted() == [before[0] + 3, before[1], before[2] + 3]


def test_reviewed_calls_leave_the_queue_unless_asked_for(filled: Store):
    first = flagged_page(filled, FlagFilter(), limit=None, ranking=RANKING)
    gone = first.items[0].interaction.id
    review(filled, gone, by="mia")
    hidden = flagged_page(filled, FlagFilter(), limit=None, ranking=RANKING)
    assert hidden.total == first.total - 1 and gone not in [r.interaction.id for r in hidden.items]
    shown = flagged_page(filled, replace(FlagFilter(), include_reviewed=True), None, 0, RANKING)
    assert [r.interaction.id for r in shown.items] == [r.interaction.id for r in first.items]
    assert shown.items[0].reviewed_by == "mia" and shown.items[0].reviewed_at is not None


def test_a_renewal_threat_outranks_a_billing_question_and_rep_words_do_not_count(store: Store):
    now = datetime(2026, 9, 25, tzinfo=UTC)
    weights = Ranking({"cancellation_intent": 30, "billing_question": 6}, 30.0, now)
    said: dict[str, tuple[TagLabel, float, Role]] = {
        "bank": ("billing_question", 0.99, "customer"),
        "renew": ("cancellation_intent", 0.80, "customer"),
        "rep": ("cancellation_intent", 0.99, "rep"),
    }
    for name, (label, score, role) in said.items():
        interaction = Interaction.from_content(name.encode(), customer_id="acme", kind="call",
                                               occurred_at=now - timedelta(days=1), source=name)  # fmt: skip
        tag = Tag(label=label, score=score, start=0, end=1, evidence="x", utterance_index=0, speaker_role=role)  # fmt: skip
        store.save_interaction(interaction, None, [tag])
    page = flagged_page(store, FlagFilter(), limit=None, ranking=weights)
    assert [r.interaction.source for r in page.items] == ["renew", "bank"]
    assert page.items[0].label_counts == {"cancellation_intent": 1}


def test_a_reps_queue_is_their_calls_and_those_assigned_to_them(filled: Store):
    everything = flagged_page(filled, FlagFilter(), limit=None, ranking=RANKING).items
    theirs = [r.interaction.id for r in everything if r.interaction.rep == "sam"]
    handed = next(r.interaction.id for r in everything if r.interaction.rep != "sam")
    assign(filled, handed, "sam")
    mine = flagged_page(filled, FlagFilter(mine="sam"), limit=None, ranking=RANKING)
    assert sorted(r.interaction.id for r in mine.items) == sorted([*theirs, handed])
    assert next(r for r in mine.items if r.interaction.id == handed).assignee == "sam"
