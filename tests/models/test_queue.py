"""models/queue.py: a call's comments read with its rep and assignee in one statement outside a transaction
(``call_comments``, the API's comments route), the same comments ``comments`` reads (both backends)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import event

from models.queue import add_comment, assign, call_comments, comments
from models.store import Store
from tests.helpers import known
from tests.models.test_pages import _call
from tests.models.test_reads import _outside_a_transaction

pytestmark = pytest.mark.both_backends


@pytest.fixture
def calls(store: Store) -> list[str]:
    """Two calls, the first with three comments (one for managers only), the second with none."""
    rng = random.Random(3)
    made = [_call(n, rng) for n in range(2)]
    for interaction, transcript, tags in made:
        store.save_interaction(interaction, transcript, tags)
    first = made[0][0].id
    add_comment(store, first, "ann", "manager", "watch ARR", "managers")
    add_comment(store, first, "sam", "rep", "Calling Monday")
    add_comment(store, first, "ann", "manager", "Thanks")
    return [first, made[1][0].id]


def test_a_calls_comments_are_read_with_its_rep_and_assignee(store, calls):
    first, second = calls
    for managers in (True, False):
        found = call_comments(store, first, managers)
        assert found is not None and found.comments == comments(store, first, managers)
        assert found.assignee is None and found.rep == store.get_interaction(first).interaction.rep
    assert [c.body for c in known(call_comments(store, first, False)).comments] == [
        "Calling Monday",
        "Thanks",
    ]
    assert len(known(call_comments(store, first, True)).comments) == 3
    assign(store, second, "dana")
    none = call_comments(store, second, True)
    assert none is not None and none.comments == [] and none.assignee == "dana"
    assert call_comments(store, "int_missing", True) is None


def test_a_calls_comments_are_one_statement_outside_a_transaction(store, calls):
    seen: list[bool] = []

    def noted(connection, *_) -> None:
        seen.append(_outside_a_transaction(connection.connection.dbapi_connection))

    event.listen(store.engine, "before_cursor_execute", noted)
    try:
        assert call_comments(store, calls[0], False) is not None
        assert call_comments(store, "int_missing", False) is None
    finally:
        event.remove(store.engine, "before_cursor_execute", noted)
    assert seen == [True, True]
