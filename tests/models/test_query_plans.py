"""Every filter the read routes offer has an index, and the database's plan uses it (SQLite's EXPLAIN QUERY
PLAN; PostgreSQL's EXPLAIN with sequential scans priced out, so the plan shows whether an index can serve)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Select, select

from models.health_pages import HealthFilter, health_rows
from models.history_repo import _last_by_user
from models.keyset import NewestFirst
from models.pages import FlagFilter, Ranking, _ranked, interactions_query
from models.queue_rank import Shape, parameters, stored_query, total_query
from models.risk_repo import AlertFilter, alert_where
from models.store import Store, search_query
from models.tables import USER_INDEX, AlertRow, InteractionRow

pytestmark = pytest.mark.both_backends
MOMENT = datetime(2026, 10, 31, tzinfo=UTC)


def plan(
    store: Store, statement: Any, *settings: str, values: dict[str, Any] | None = None, **named: Any
) -> str:
    """The plan of ``statement`` with its parameters' ``values`` and ``named`` (those it has no value for: a
    parameter left null may let PostgreSQL plan a filter that is always false)."""
    dialect = store.engine.dialect
    compiled = statement.compile(dialect=dialect)
    bound = compiled.construct_params({**(values or {}), **named})
    with store.engine.connect() as connection:
        if dialect.name == "sqlite":
            params = tuple(bound[name] for name in compiled.positiontup or ())
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
            return "\n".join(str(row[-1]) for row in rows)
        for setting in ("SET enable_seqscan = off", *settings):  # more costs to price out
            connection.exec_driver_sql(setting)
        rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", bound)
        return "\n".join(str(row[0]) for row in rows)


def _alerts(wanted: AlertFilter) -> Select:
    return select(AlertRow).where(*alert_where(wanted)).order_by(AlertRow.occurred_at.desc())


CASES = [  # (what, statement, the index its plan must name on SQLite, and on PostgreSQL)
    ("customer", interactions_query(customer="acme"), "ix_interactions_customer_time", None),
    ("kind", interactions_query(kind="ticket"), "ix_interactions_kind_time", None),
    ("rep", interactions_query(rep="sam"), "ix_interactions_rep_time", None),
    ("alert owner", _alerts(AlertFilter(owner="kim")), "ix_alerts_owner", None),
    ("alert status", _alerts(AlertFilter(status="open")), "ix_alerts_status", None),
    ("alert customer", _alerts(AlertFilter(customer_id="acme")), "ix_alerts_customer_id", None),
    ("newest alerts", _alerts(AlertFilter()), "ix_alerts_time", None),
    ("queue label", _ranked(FlagFilter(label="price_objection"), Ranking(), "?"), "ix_tags", None),
    ("latest health", health_rows(MOMENT, HealthFilter("red")), "health_snapshots", None),
]


@pytest.mark.parametrize(("what", "statement", "index", "_"), CASES, ids=[c[0] for c in CASES])
def test_each_filter_is_served_by_an_index(store: Store, what, statement, index, _):
    found = plan(store, statement)
    if store.engine.dialect.name == "sqlite":
        assert index in found and "USING" in found, found
    else:
        assert "Index" in found, found  # an index (or bitmap index) scan, not a sequential one


def test_search_goes_through_the_full_text_index(store: Store):
    found = plan(store, search_query(store.engine.dialect.name, ["price", "gong"]))
    if store.engine.dialect.name == "sqlite":
        assert "utterances_fts VIRTUAL TABLE INDEX" in found, found
    else:
        assert "ix_utterances_fts" in found, found


PLACE = NewestFirst(MOMENT, "c" * 64)
KEYSET = [  # the interaction list after a cursor: (filter, the index it is one range of)
    ({"kind": "ticket"}, "ix_interactions_kind_time"),
    ({"customer": "acme"}, "ix_interactions_customer_time"),
    ({"rep": "sam"}, "ix_interactions_rep_time"),
    ({}, "ix_interactions_occurred_at"),
]


@pytest.mark.parametrize(("wanted", "index"), KEYSET, ids=[k[1] for k in KEYSET])
def test_a_page_after_a_cursor_is_a_range_of_the_filters_index(store: Store, wanted, index):
    """The page after a keyset cursor enters the filter's (filter, time) index at the cursor's moment and
    reads it in time order, however deep the page: at most the rows of one moment are sorted by id (SQLite's
    "RIGHT PART", PostgreSQL's "Incremental Sort"), never the list (PostgreSQL with sorts priced out)."""
    query = interactions_query(**wanted)
    query = query.where(PLACE.after(InteractionRow.occurred_at, InteractionRow.id)).limit(20)
    found = plan(store, query, "SET enable_sort = off")
    if store.engine.dialect.name == "sqlite":
        assert index in found and "occurred_at<" in found.replace(" ", ""), found
        assert "TEMP B-TREE FOR ORDER BY" not in found, found
    else:
        assert index in found and "occurred_at <=" in found, (
            found
        )  # the index entered at the cursor
        whole_sorts = [
            line for line in found.splitlines() if line.strip(" ->").startswith("Sort  (")
        ]
        assert not whole_sorts, found  # an Incremental Sort (presorted by time) at most


def test_the_queue_starts_from_the_flags_not_from_every_call_of_its_kind(store: Store):
    """A kind holds most interactions and the flags are few: on SQLite, which plans without statistics, the
    queue reads the tags and looks each one's interaction up by id, never walking the kind's index (on the
    10,000-customer book: 883 -> 58 ms of CPU a request). PostgreSQL plans from its statistics."""
    dialect = store.engine.dialect.name
    compiled = str(_ranked(FlagFilter(kind="ticket"), Ranking(), dialect).compile(store.engine))
    # PostgreSQL: matched plainly, so that the planner may use the kind's index where it pays
    if dialect != "sqlite":
        assert "interactions.kind = " in compiled and "||" not in compiled, compiled
        return
    assert "interactions.kind || " in compiled, compiled
    found = plan(store, _ranked(FlagFilter(kind="ticket"), Ranking(), "sqlite"))
    lines = found.splitlines()
    assert "kind_time" not in found and lines[:2] == ["MATERIALIZE flags", lines[1]], found
    assert lines[1].startswith("SCAN tags"), found  # the tags grouped first, then
    assert any(line.startswith("SEARCH interactions") and "(id=?)" in line for line in lines), found


@pytest.fixture
def sqlite_store(tmp_path, migrated_copy) -> Iterator[Store]:
    """An SQLite store whatever the module's backends: what this plans is SQLite's own path."""
    with Store(migrated_copy(f"sqlite:///{tmp_path / 'store.db'}")) as s:
        yield s


def test_a_rare_kinds_queue_starts_from_the_kinds_index(sqlite_store: Store):
    """A kind with few interactions (models/pages.py kind_is_rare: the call queue of a book of tickets) is
    read from its index, each one's tags looked up by the interaction, not by grouping every flag to find
    none of the kind (on the 10,000-customer book's empty call queue: see the README's round 3). SQLite only:
    PostgreSQL plans the kind from its statistics and never takes this path."""
    found = plan(
        sqlite_store, _ranked(FlagFilter(kind="call"), Ranking(), "sqlite", rare_kind=True)
    )
    assert "SEARCH interactions USING COVERING INDEX ix_interactions_kind_time (kind=?)" in found, (
        found
    )
    assert "SEARCH tags USING INDEX ix_tags_interaction_id (interaction_id=?)" in found, found
    assert "SCAN tags" not in found, found


@pytest.mark.parametrize(("wanted", "index"), KEYSET, ids=[k[1] for k in KEYSET])
def test_a_page_at_an_offset_skips_index_entries_only(store: Store, wanted, index):
    """The filter's index holds the whole order (time, then id: migration 0014), so nothing is sorted and the
    rows an offset skips are index entries, not table rows looked up to sort each moment's rows by id (on
    the 10,000-customer book, tickets at offset 4,013: see the README's round 3)."""
    found = plan(
        store, interactions_query(**wanted).limit(20).offset(4013), "SET enable_sort = off"
    )
    if store.engine.dialect.name == "sqlite":
        assert index in found and "TEMP B-TREE" not in found, found
    else:
        assert index in found and "Sort" not in found, found


@pytest.mark.parametrize(
    "wanted",
    [
        FlagFilter(),
        FlagFilter(kind="ticket"),
        FlagFilter(label="cancellation_intent"),
    ],
    ids=["calls", "tickets", "label"],
)
def test_the_stored_queue_is_a_range_of_its_index(store: Store, wanted: FlagFilter):
    """The queue's page reads the kind's range of ix_queue_ranks_order (models/queue_rank.py), in its order:
    no sort of the ranked rows (SQLite: no temp b-tree for the page's ORDER BY); a label's total counts the
    range, the others' are the kept counts (migration 0018; a rep's queue: tests/models/test_queue_counts.py)."""
    dialect = store.engine.dialect.name
    priced_out = ("SET enable_bitmapscan = off", "SET enable_sort = off")
    values = parameters(wanted, Ranking(as_of=MOMENT), dialect, 20, 0)
    shape = Shape.of(wanted, dialect)
    page = plan(store, stored_query(shape), *priced_out, values=values)
    total = plan(store, total_query(shape), *priced_out, values=values)
    counted = ["ix_queue_ranks_order"] if wanted.label else ["ix_queue_rank_counts_kind"]
    # PostgreSQL: on the test's empty tables the order index's range (ending with reviewed since 0018) and
    # the primary key cost the same for a label's count
    if wanted.label and dialect == "postgresql":
        counted.append("queue_ranks_pkey")
    assert "ix_queue_ranks_order" in page and any(i in total for i in counted), (page, total)
    if (
        dialect == "sqlite"
    ):  # the ranked rows come in the index's order; only the page's 20 are sorted
        assert "TEMP B-TREE" not in page.split("SCAN top")[0], page
    else:
        assert "Sort Key: queue_ranks" not in page, page


def test_the_contacts_last_logins_are_index_seeks_not_a_scan_of_the_customers_events(store: Store):
    """The customer page's last logins (models/history_repo.py last_usage_by_user) walk the customer's users
    and take each one's latest event from migration 0016's (customer, user, time) index: no event row read
    to parse its JSON, nothing sorted, nothing grouped (the grouped query it replaced read every event of
    the customer: 5.5 ms of SQLite's work for the customer with the most usage on the 10k book)."""
    dialect = store.engine.dialect.name
    off = ("SET enable_sort = off", "SET enable_bitmapscan = off")
    found = plan(store, _last_by_user(dialect), *off, customer_id="acme", until=str(MOMENT))
    if dialect == "sqlite":
        seeks = [line for line in found.splitlines() if "usage_events" in line]
        assert seeks and all(USER_INDEX in line for line in seeks if "PRIMARY KEY" not in line)
        assert "TEMP B-TREE" not in found and "SCAN usage_events" not in found, found
    else:
        assert found.count(USER_INDEX) >= 3 and "Sort" not in found, found
        assert "Seq Scan" not in found and "Join" not in found and "usage_events_pkey" not in found
