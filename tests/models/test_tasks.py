"""models/tasks.py ``tasks_page``: the filter's total and its page, soonest due first, in one statement outside a
transaction (an empty page still counts), the same tasks the filter picks from the whole table (both backends)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from models.store import Store
from models.tables import TaskRow
from models.tasks import Task, TaskFilter, add_tasks, tasks_page
from tests.models.test_reads import _outside_a_transaction
from tests.portfolio.tasks_seed import call

pytestmark = pytest.mark.both_backends
DAY = date(2026, 10, 1)


@pytest.fixture
def seeded(store: Store) -> Store:
    """Twelve tasks over two customers and three owners, some done, some due on the same day."""
    for customer in ("acme", "hooli"):
        call(store, customer, "2026-09-20")
    made = [
        Task(
            key=f"k{n}",
            kind="next_step",
            customer_id=("acme", "hooli")[n % 2],
            owner=("sam", "dana", None)[n % 3],
            title=f"task {n}",
            due=DAY + timedelta(days=(n * 5) % 7),
            status="done" if n % 4 == 0 else "open",
        )
        for n in range(12)
    ]
    with store.transaction() as session:
        add_tasks(session, made)
    return store


def _expected(store: Store, wanted: TaskFilter) -> list[Task]:
    """Every stored task the filter keeps, soonest due first (then by id), picked in Python."""
    with store.transaction() as session:
        rows = [
            Task.model_validate(r, from_attributes=True) for r in session.scalars(select(TaskRow))
        ]
    kept = [
        t
        for t in rows
        if (wanted.owner is None or t.owner == wanted.owner)
        and (wanted.customer_id is None or t.customer_id == wanted.customer_id)
        and (wanted.status is None or t.status == wanted.status)
        and (wanted.overdue_on is None or t.overdue(wanted.overdue_on))
    ]
    return sorted(kept, key=lambda t: (t.due, t.id))


FILTERS = [
    TaskFilter(),
    TaskFilter(owner="sam"),
    TaskFilter(customer_id="hooli", status="open"),
    TaskFilter(overdue_on=DAY + timedelta(days=4)),
    TaskFilter(owner="nobody"),
]


@pytest.mark.parametrize("wanted", FILTERS)
def test_a_page_and_its_total_are_the_filters_tasks(seeded, wanted):
    expected = _expected(seeded, wanted)
    for limit, offset in ((50, 0), (3, 0), (3, 2), (5, 100)):
        page = tasks_page(seeded, wanted, limit, offset)
        assert page.total == len(expected)
        assert page.items == expected[offset : offset + limit]


def test_a_page_is_one_statement_outside_a_transaction_even_when_empty(seeded):
    seen: list[bool] = []

    def noted(connection, *_) -> None:
        seen.append(_outside_a_transaction(connection.connection.dbapi_connection))

    event.listen(seeded.engine, "before_cursor_execute", noted)
    try:
        assert tasks_page(seeded, TaskFilter(), 5, 0).total == 12
        assert tasks_page(seeded, TaskFilter(), 5, 100).items == []
    finally:
        event.remove(seeded.engine, "before_cursor_execute", noted)
    assert seen == [True, True]
