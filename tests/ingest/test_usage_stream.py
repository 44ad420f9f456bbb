"""A usage export is streamed into the store in bounded chunks (ingest/usage_stream.py): the same events as the
whole-file reader, never more than USAGE_BATCH of them at a time, one transaction per file."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest.readers import IngestDefaults, read_source
from ingest.runner import ingest_file
from models import usage_repo
from models.store import USAGE_BATCH, Store
from models.tables import CustomerRow, UsageEventRow

EVENTS = 2 * USAGE_BATCH + 345  # three chunks, the last one short
START = datetime(2026, 5, 1, tzinfo=UTC)


def _event(i: int) -> dict:
    moment = (START + timedelta(seconds=97 * i)).isoformat()
    return {"customer_id": f"c{i % 37:03d}", "kind": "login", "occurred_at": moment}


def _jsonl(path: Path, count: int = EVENTS, bad: dict[int, str] | None = None) -> Path:
    with path.open("w") as out:
        for i in range(count):
            line = json.dumps({**_event(i), "properties": {"user": f"u{i % 7}"}})
            out.write((bad or {}).get(i, line) + "\n")
    return path


def _csv(path: Path, count: int = EVENTS) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, ["customer_id", "kind", "occurred_at", "user"])
        writer.writeheader()
        writer.writerows({**_event(i), "user": f"u{i % 7}"} for i in range(count))
    return path


def _stored(store: Store) -> list[tuple]:
    with store.transaction() as session:
        rows = session.execute(
            select(
                UsageEventRow.customer_id,
                UsageEventRow.kind,
                UsageEventRow.occurred_at,
                UsageEventRow.properties,
                UsageEventRow.dedup_key,
            ).order_by(UsageEventRow.dedup_key)
        )
        return [tuple(r) for r in rows]


@pytest.fixture
def chunks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch of events handed to the store."""
    sizes: list[int] = []
    add = usage_repo.add_usage_events

    def recording(session, events):
        events = list(events)
        sizes.append(len(events))
        return add(session, events)

    monkeypatch.setattr(usage_repo, "add_usage_events", recording)
    return sizes


@pytest.mark.both_backends
@pytest.mark.parametrize("write", [_jsonl, _csv], ids=["jsonl", "csv"])
def test_an_export_is_stored_in_bounded_chunks_as_the_whole_file_reader_reads_it(
    store: Store, tmp_path: Path, chunks: list[int], write
):
    export = write(tmp_path / f"usage.{write.__name__[1:]}")
    outcome = ingest_file(export, store, IngestDefaults())

    assert outcome.error is None and outcome.usage_events == EVENTS
    assert chunks == [USAGE_BATCH, USAGE_BATCH, EVENTS - 2 * USAGE_BATCH]
    whole = read_source(export).usage_events  # the whole-file reader's events
    expected = sorted(
        (e.dedup_key(), e.customer_id, e.kind, e.occurred_at, e.properties) for e in whole
    )
    assert [(r[4], *r[:4]) for r in _stored(store)] == expected
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CustomerRow)) == 37
    assert ingest_file(export, store, IngestDefaults()).usage_events == 0  # stored once


def test_a_bad_line_in_the_last_chunk_stores_nothing_and_names_its_line(store, tmp_path, chunks):
    export = _jsonl(tmp_path / "usage.jsonl", bad={EVENTS - 2: '{"customer_id": "c1", "kind": "x"'})
    outcome = ingest_file(export, store, IngestDefaults())

    assert outcome.error is not None and f"line {EVENTS - 1}" in outcome.error.message
    assert chunks[:2] == [USAGE_BATCH, USAGE_BATCH]  # streamed until the bad line, then rolled back
    assert _stored(store) == []


def test_a_file_mixing_account_data_and_usage_is_read_whole(store, tmp_path, chunks):
    account = {"customer_id": "c001", "owner": "dana", "plan": "growth", "arr": 12000}
    export = _jsonl(tmp_path / "mixed.jsonl", count=10, bad={5: json.dumps(account)})
    outcome = ingest_file(export, store, IngestDefaults())

    assert outcome.error is None and outcome.usage_events == 9 and outcome.accounts.total() == 1
    assert len(_stored(store)) == 9


def test_a_customer_given_on_the_command_line_wins_over_the_file(store, tmp_path):
    outcome = ingest_file(_jsonl(tmp_path / "u.jsonl", 50), store, IngestDefaults("acme"))

    assert outcome.usage_events == 50
    assert {r[0] for r in _stored(store)} == {"acme"}


def test_an_empty_export_is_refused_as_before(store, tmp_path):
    (tmp_path / "empty.jsonl").write_text("\n\n")
    outcome = ingest_file(tmp_path / "empty.jsonl", store, IngestDefaults())

    assert outcome.error is not None and "empty" in outcome.error.message
