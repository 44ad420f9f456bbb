"""The queue's kept totals and a rep's queue (migration 0018, models/queue_rank.py): ``queue_rank_counts`` is a
fresh count of the stored ranks per (kind, reviewed) whatever writes them (rank builds and rebuilds, re-ranks,
reviews marked and unmarked, interactions deleted, the migration's backfill), the ranks' reviewed state and
rep are the live ones after a read, and a rep's queue reads ``ix_queue_ranks_rep`` (both backends)."""

from __future__ import annotations

from collections import Counter

import pytest
from alembic import command
from sqlalchemy import delete, exists, func, select, update

from models import queue_rank
from models.derived_tables import QueueCountRow
from models.pages import FlagFilter, Ranking, flagged_page
from models.queue import assign, review
from models.queue_rank import Shape, parameters, stored_query, total_query
from models.store import Store
from models.tables import InteractionRow, QueueRankRow, QueueReviewRow
from tests.models.generic_plans import generic_plan
from tests.models.test_pages import RANKING, filled
from tests.models.test_query_plans import MOMENT, plan
from tests.models.test_queue_rank import _same

pytestmark = pytest.mark.both_backends
__all__ = ["filled"]  # the fixture, shared with test_pages
R = QueueRankRow
ALL = FlagFilter(include_reviewed=True)


def _fresh(store: Store) -> Counter:
    """(kind, reviewed): how many ranks, counted now."""
    with store.reading() as session:
        rows = session.execute(
            select(R.kind, R.reviewed, func.count()).group_by(R.kind, R.reviewed)
        )
    return Counter({(kind, bool(reviewed)): n for kind, reviewed, n in rows})


def _kept(store: Store) -> Counter:
    c = QueueCountRow
    summed = select(c.kind, c.reviewed, func.sum(c.n)).group_by(c.kind, c.reviewed)
    with store.reading() as session:
        rows = session.execute(summed).all()
    return Counter({(kind, bool(reviewed)): int(n) for kind, reviewed, n in rows if n})


def _check(store: Store, ranking: Ranking = RANKING) -> None:
    """After a read (which re-ranks what was noted): the kept counts are the fresh ones, every rank's rep and
    reviewed state are the live ones, and each kind's total, reviewed or not, is the computed queue's."""
    for kind in ("call", "ticket"):
        for reviewed in (False, True):
            wanted = FlagFilter(kind=kind, include_reviewed=reviewed)
            expected = flagged_page(store, wanted, 1, 0, ranking).total
            assert queue_rank.queue_page(store, wanted, 1, 0, ranking).total == expected
    assert _kept(store) == _fresh(store)
    marked = QueueReviewRow.reviewed_at.is_not(None)
    live = exists().where(QueueReviewRow.interaction_id == R.interaction_id, marked)
    stale = select(R.interaction_id).join(InteractionRow, InteractionRow.id == R.interaction_id)
    stale = stale.where((R.reviewed != live) | R.rep.is_distinct_from(InteractionRow.rep))
    with store.reading() as session:
        assert session.scalars(stale).all() == []


def _flagged(store: Store) -> list[str]:
    return [r.interaction.id for r in flagged_page(store, ALL, None, 0, RANKING).items]


def test_the_kept_totals_follow_builds_reviews_re_ranks_and_deletes(filled: Store):
    _check(filled)  # the first read builds the ranks
    ids = _flagged(filled)
    for n in range(4):
        review(filled, ids[n], "mia")
    assign(filled, ids[5], "sam")  # assigning changes no total
    _check(filled)
    review(filled, ids[0], "mia", reviewed=False)
    with (
        filled.transaction() as session
    ):  # a reviewed call and an unreviewed one deleted, their reviews too
        session.execute(delete(InteractionRow).where(InteractionRow.id.in_([ids[1], ids[6]])))
        session.execute(delete(QueueReviewRow).where(QueueReviewRow.interaction_id == ids[2]))
        session.execute(
            update(InteractionRow).where(InteractionRow.id == ids[7]).values(kind="ticket")
        )
    _check(filled)
    _check(
        filled, Ranking({"price_objection": 1}, 3.0, RANKING.as_of)
    )  # a new configuration: rebuilt
    filled.replace_analysis(ids[3], [], [])  # a reviewed call no longer flagged
    _check(filled)


def test_a_rep_change_re_ranks_and_a_reps_queue_is_the_computed_one(filled: Store, monkeypatch):
    _check(filled)
    ids = _flagged(filled)
    assign(filled, ids[0], "sam")
    review(filled, ids[1], "mia")
    with filled.transaction() as session:
        theirs = InteractionRow.id.in_(ids[2:5])
        session.execute(update(InteractionRow).where(theirs).values(rep="sam"))
        session.execute(update(InteractionRow).where(InteractionRow.id == ids[5]).values(rep=None))
    _check(filled)
    for kind in ("call", "ticket"):
        for reviewed in (False, True):
            _same(
                filled,
                FlagFilter(kind=kind, mine="sam", include_reviewed=reviewed),
                RANKING,
                monkeypatch,
            )


def test_the_migration_backfills_the_counts_and_the_ranks_review_state_and_rep(filled: Store):
    _check(filled)
    ids = _flagged(filled)
    review(filled, ids[0], "mia")
    _check(filled)
    with filled.reading() as session:
        ranks = set(session.execute(select(R.interaction_id, R.reviewed, R.rep)).all())
    before = _kept(filled)
    command.downgrade(filled.alembic_config(), "0017")
    filled.migrate()
    with filled.reading() as session:
        assert set(session.execute(select(R.interaction_id, R.reviewed, R.rep)).all()) == ranks
    assert _kept(filled) == before == _fresh(filled)
    _check(filled)


@pytest.mark.parametrize("reviewed", [False, True], ids=["unreviewed", "reviewed"])
def test_a_reps_queue_reads_their_ranks_not_the_kinds_range(store: Store, reviewed: bool):
    """A rep's page and total read ix_queue_ranks_rep (and the reviews' assignee index), never the kind's range
    of ix_queue_ranks_order (which the filter's OR walked: every rank's interaction looked up); PostgreSQL's
    generic plan too (psycopg prepares a statement run five times); PostgreSQL's sequential scans priced out, as
    tests/models/test_query_plans.py does, so that the plans of the test's small tables show what an index serves."""
    dialect = store.engine.dialect.name
    wanted = FlagFilter(kind="ticket", mine="sam", include_reviewed=reviewed)
    values = parameters(wanted, Ranking(as_of=MOMENT), dialect, 20, 0)
    shape = Shape.of(wanted, dialect)
    plans = [plan(store, stored_query(shape), values=values)]
    plans.append(plan(store, total_query(shape), values=values))
    if dialect == "postgresql":
        for statement in (stored_query(shape), total_query(shape)):
            plans.append(generic_plan(store, statement, values, "SET enable_seqscan = off"))
            store.engine.dispose()  # the next on a new connection: each prepares its statement as "guarded"
    for found in plans:
        assert "ix_queue_ranks_rep" in found and "ix_queue_ranks_order" not in found, found
        assert "SCAN queue_ranks" not in found and "Seq Scan on queue_ranks" not in found, found
