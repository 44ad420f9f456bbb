"""models/queue_rank.py: the queue read from its stored ranks is the computed ranking (models/pages.py
flagged_page): the same items, order, totals, severities and cursors, and it stays so after every write."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, event, func, select, update

from models import queue_rank
from models.keyset import QueuePlace
from models.pages import FlagFilter, Ranking, Slice, flagged_page
from models.queue import assign, review
from models.records import Interaction, Tag
from models.store import FlaggedInteraction, Store
from models.tables import AccountRow, InteractionRow, QueueRankRow
from tests.models.test_pages import RANKING, START, filled

pytestmark = pytest.mark.both_backends
__all__ = ["filled"]  # the fixture, shared with test_pages

VIEWS = [
    FlagFilter(),
    FlagFilter(kind="ticket"),
    FlagFilter(label="cancellation_intent"),
    FlagFilter(include_reviewed=True),
    FlagFilter(mine="sam"),
]


def _shown(page: Slice[FlaggedInteraction]) -> list[tuple]:
    return [
        (r.interaction.id, r.label_counts, r.top, r.severity, r.assignee, r.reviewed_by)
        for r in page.items
    ]


def _stored_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on the computed ranking is not called: the answers come from the stored ranks."""

    def computed(*args, **kwargs):
        raise AssertionError("the computed ranking served a view the stored ranks serve")

    monkeypatch.setattr(queue_rank, "flagged_page", computed)


def _same(store: Store, wanted: FlagFilter, ranking: Ranking, mp: pytest.MonkeyPatch) -> None:
    """The whole queue, its pages of 3 by offset and by cursor, as the computed ranking gives them."""
    expected = flagged_page(store, wanted, None, 0, ranking)
    pages, cursor = [flagged_page(store, wanted, 3, 0, ranking)], None
    while pages[-1].next_cursor:
        cursor = QueuePlace.decode(pages[-1].next_cursor)
        pages.append(flagged_page(store, wanted, 3, 0, ranking, cursor))
    with mp.context() as m:
        _stored_only(m)
        whole = queue_rank.queue_page(store, wanted, None, 0, ranking)
        assert (whole.total, _shown(whole)) == (expected.total, _shown(expected))
        got = [queue_rank.queue_page(store, wanted, 3, 0, ranking)]
        while got[-1].next_cursor:
            cursor = QueuePlace.decode(got[-1].next_cursor)
            got.append(queue_rank.queue_page(store, wanted, 3, 0, ranking, cursor))
        assert [(p.total, _shown(p), p.next_cursor) for p in got] == [
            (p.total, _shown(p), p.next_cursor) for p in pages
        ]
        third = queue_rank.queue_page(store, wanted, 3, 6, ranking)
        assert _shown(third) == _shown(expected)[6:9]


@pytest.mark.parametrize("wanted", VIEWS, ids=["calls", "tickets", "label", "reviewed", "mine"])
def test_the_stored_queue_is_the_computed_one(filled: Store, wanted, monkeypatch):
    review(filled, flagged_page(filled, FlagFilter(), 1, 0, RANKING).items[0].interaction.id, "mia")
    everything = flagged_page(filled, FlagFilter(include_reviewed=True), None, 0, RANKING).items
    assign(filled, next(r.interaction.id for r in everything if r.interaction.rep != "sam"), "sam")
    _same(filled, wanted, RANKING, monkeypatch)


def test_an_arr_change_and_a_new_configuration_re_rank(filled: Store, monkeypatch):
    _same(filled, FlagFilter(), RANKING, monkeypatch)
    with filled.transaction() as session:
        session.execute(update(AccountRow).where(AccountRow.customer_id == "hooli").values(arr=9e6))
        session.add(AccountRow(customer_id="globex", arr=40_000.0))
    _same(filled, FlagFilter(), RANKING, monkeypatch)
    other = Ranking({"competitor_mention": 50}, 2.0, RANKING.as_of, default_weight=3.0)
    _same(filled, FlagFilter(), other, monkeypatch)
    _same(filled, FlagFilter(), RANKING, monkeypatch)  # and back


def test_re_tagging_deleting_and_re_running_keep_one_rank_per_flagged_interaction(
    filled: Store, monkeypatch
):
    _same(
        filled, FlagFilter(include_reviewed=True), RANKING, monkeypatch
    )  # built: the writes are noted
    first = flagged_page(filled, FlagFilter(include_reviewed=True), None, 0, RANKING).items
    strong = Tag(label="cancellation_intent", score=0.99, start=0, end=1, evidence="x",
                 utterance_index=0, speaker_role="customer")  # fmt: skip
    for _ in range(2):  # a re-run writes the same tags again
        filled.replace_analysis(first[-1].interaction.id, [strong, strong], [])
    filled.replace_analysis(first[0].interaction.id, [], [])
    with filled.transaction() as session:
        session.execute(delete(InteractionRow).where(InteractionRow.id == first[1].interaction.id))
    _same(filled, FlagFilter(include_reviewed=True), RANKING, monkeypatch)
    with filled.transaction() as session:
        stored = session.scalar(select(func.count()).select_from(QueueRankRow))
    both = [
        flagged_page(filled, FlagFilter(kind=k), None, 0, RANKING).total for k in ("call", "ticket")
    ]
    assert stored == sum(both)
    retagged = first[-1].interaction
    queue = queue_rank.queue_page(filled, FlagFilter(kind=retagged.kind), None, 0, RANKING).items
    assert [r.label_counts for r in queue if r.interaction.id == retagged.id] == [
        {"cancellation_intent": 2}
    ]


def test_ties_order_by_tag_count_time_then_id(store: Store, monkeypatch):
    """Equal severities (the same flag, time and account) go most tags first, then oldest, then by id."""
    tag = Tag(label="price_objection", score=0.7, start=0, end=1, evidence="x", utterance_index=0,
              speaker_role="customer")  # fmt: skip
    for n in range(8):
        made = Interaction.from_content(f"tie-{n}".encode(), customer_id="acme", kind="call",
                                        occurred_at=START + timedelta(hours=n % 2), source=f"{n}")  # fmt: skip
        store.save_interaction(made, None, [tag] * (1 + n % 3))
    _same(store, FlagFilter(), RANKING, monkeypatch)
    _same(store, FlagFilter(), replace(RANKING, half_life_days=1 / 24), monkeypatch)


def test_an_interaction_after_the_moment_is_ranked_by_the_computed_queue(filled: Store):
    """Dated after the queue's moment (recency 1), the stored key would misplace it: computed instead."""
    late = Interaction.from_content(b"late", customer_id="acme", kind="call",
                                    occurred_at=RANKING.as_of + timedelta(days=2), source="late")  # fmt: skip
    tag = Tag(label="price_objection", score=0.9, start=0, end=1, evidence="x", utterance_index=0,
              speaker_role="customer")  # fmt: skip
    filled.save_interaction(late, None, [tag])
    expected = flagged_page(filled, FlagFilter(), None, 0, RANKING)
    got = queue_rank.queue_page(filled, FlagFilter(), None, 0, RANKING)
    assert _shown(got) == _shown(expected) and late.id in [r.interaction.id for r in got.items]
    later = replace(RANKING, as_of=datetime(2026, 12, 1, tzinfo=UTC))  # past it: stored again
    with pytest.MonkeyPatch.context() as m:
        _stored_only(m)
        assert _shown(queue_rank.queue_page(filled, FlagFilter(), None, 0, later)) == _shown(
            flagged_page(filled, FlagFilter(), None, 0, later)
        )


def test_a_page_of_current_ranks_is_read_in_two_statements_and_writes_nothing(
    filled: Store, monkeypatch
):
    """Once the ranks are current, a page reads the ranks' state with the page and its total (one statement),
    and the page's tags; an empty first page only the first; a cursor's page the state with its place (one
    statement) besides."""
    _same(filled, FlagFilter(), RANKING, monkeypatch)  # built
    seen: list[str] = []

    def noted(conn, cursor, statement, *args):
        seen.append(statement.lstrip().split()[0].upper())

    event.listen(filled.engine, "before_cursor_execute", noted)
    try:
        first = queue_rank.queue_page(filled, FlagFilter(), 3, 0, RANKING)
        counted = list(seen)
        cursor = QueuePlace.decode(first.next_cursor or "")
        seen.clear()
        queue_rank.queue_page(filled, FlagFilter(), 3, 0, RANKING, cursor)
        after = list(seen)
        seen.clear()
        queue_rank.queue_page(filled, FlagFilter(label="no_such_label"), 3, 0, RANKING)
        empty = list(seen)
    finally:
        event.remove(filled.engine, "before_cursor_execute", noted)
    assert first.items and first.total > 3
    assert (counted, after, empty) == (["SELECT"] * 2, ["SELECT"] * 3, ["SELECT"] * 1)
