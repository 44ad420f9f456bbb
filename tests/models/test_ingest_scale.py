"""Ingest at size: a usage export of more than 100,000 events goes in (bounded INSERT statements, one
transaction per file), re-running it stores nothing twice, and a bad line anywhere fails the whole file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.store import USAGE_BATCH, Store
from models.tables import UsageEventRow

EVENTS = 110_000
pytestmark = [pytest.mark.both_backends, pytest.mark.slow]


def _export(path: Path, count: int, bad_line: int | None = None) -> Path:
    start = datetime(2026, 5, 1, tzinfo=UTC)
    with path.open("w") as out:
        for i in range(count):
            if i == bad_line:
                out.write('{"customer_id": "c1", "kind": "login", "occurred_at": "not a time"}\n')
                continue
            moment = (start + timedelta(seconds=97 * i)).isoformat()
            event = {"customer_id": f"c{i % 500:04d}", "kind": "login", "occurred_at": moment}
            out.write(json.dumps({**event, "properties": {"user": f"u{i % 7}"}}) + "\n")
    return path


def _stored(db_url: str) -> int:
    with Store(db_url) as store, store.transaction() as session:
        return session.scalar(select(func.count()).select_from(UsageEventRow)) or 0


def test_a_usage_export_past_100k_events_is_ingested_once(cli, db_url: str, tmp_path: Path):
    assert (
        EVENTS > 50 * USAGE_BATCH
    )  # many statements, well past SQLite's and PostgreSQL's bound variables
    export = _export(tmp_path / "usage.jsonl", EVENTS)
    first = cli("ingest", str(export), "--database-url", db_url)
    assert first.returncode == 0, first.stderr
    assert f"{EVENTS} new usage events" in first.stdout
    again = cli("ingest", str(export), "--database-url", db_url)
    assert again.returncode == 0 and "0 new usage events" in again.stdout
    assert _stored(db_url) == EVENTS


def test_a_bad_line_late_in_a_big_export_stores_nothing(cli, db_url: str, tmp_path: Path):
    events = EVENTS // 4  # a dozen statements inside the file's one transaction before the bad line
    assert events > 12 * USAGE_BATCH
    export = _export(tmp_path / "usage.jsonl", events, bad_line=events - 3)
    run = cli("ingest", str(export), "--database-url", db_url)
    assert run.returncode != 0
    assert "usage.jsonl" in run.stderr and f"line {events - 2}" in run.stderr
    assert _stored(db_url) == 0
