"""Concurrent writers: real processes (spawned) racing on one SQLite file or one PostgreSQL database."""

from __future__ import annotations

import multiprocessing
import subprocess
from pathlib import Path

import pytest

from ingest import ingest_file
from ingest.readers import IngestDefaults
from models.store import Store
from tests.conftest import CALLINTEL
from tests.helpers import call_doc

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]  # processes that import the whole stack
PROCESSES = 6


def _ingest(url: str, path: str, barrier, results) -> None:
    try:
        with Store(url) as store:
            barrier.wait(60)  # every process is ready: they store at once
            outcome = ingest_file(Path(path), store, IngestDefaults())
        results.put(
            (len(outcome.created), outcome.skipped, str(outcome.error) if outcome.error else None)
        )
    except Exception as exc:  # reported, not a hung test
        results.put((0, 0, repr(exc)))


def _race(url: str, paths: list[Path]) -> list[tuple[int, int, str | None]]:
    Store(
        url
    ).close()  # migrated first: this races the writes (the migration race has its own test)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(paths)), context.Queue()
    processes = [
        context.Process(target=_ingest, args=(url, str(path), barrier, results)) for path in paths
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(60)
    assert [p.exitcode for p in processes] == [0] * len(paths)
    return outcomes


def test_processes_storing_the_same_new_file_create_it_once(db_url: str, write_json):
    path = write_json("call.json", call_doc(customer="newco"))
    outcomes = _race(db_url, [path] * PROCESSES)
    assert sorted(outcomes) == [(0, 1, None)] * (PROCESSES - 1) + [(1, 0, None)]
    with Store(db_url) as store:
        assert len(store.list_interactions()) == 1


def test_different_calls_for_one_new_customer_are_all_stored(db_url: str, write_json):
    paths = [
        write_json(f"call{n}.json", call_doc(customer="newco", title=f"call {n}"))
        for n in range(PROCESSES)
    ]
    outcomes = _race(db_url, paths)
    assert outcomes == [(1, 0, None)] * PROCESSES
    with Store(db_url) as store:
        assert len(store.list_interactions(customer_id="newco")) == PROCESSES
        assert [c.customer_id for c in store.customer_counts()] == ["newco"]


def test_ingest_processes_on_one_new_database_all_succeed(db_url: str, write_json, tmp_path: Path):
    """Several `callintel ingest` at once on a database nobody has migrated yet: every one exits 0."""
    folder = tmp_path / "calls"
    for n in range(4):
        write_json(f"calls/call{n}.json", call_doc(customer=f"c{n % 2}", title=f"call {n}"))
    write_json(
        "calls/usage.jsonl",
        [{"customer_id": "c9", "kind": "login", "occurred_at": "2026-09-01T00:00:00Z"}],
    )
    command = [str(CALLINTEL), "ingest", str(folder), "--no-analyse", "--database-url", db_url]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    finished = [(run.wait(120), *run.communicate()) for run in runs]
    assert [code for code, _, _ in finished] == [0, 0, 0], finished
    assert sum(int(out.split()[1]) for _, out, _ in finished) == 4  # "ingested N new interactions"
    with Store(db_url) as store:
        assert len(store.list_interactions()) == 4 and len(store.list_usage_events()) == 1
