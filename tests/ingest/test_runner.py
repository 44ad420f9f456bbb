"""ingest_paths on real SQLite stores: one file's failure, of whatever kind, never stops the others."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import DataError, OperationalError

import ingest.runner
from ingest import ingest_paths
from ingest.runner import FileOutcome
from models.accounts_repo import AccountBatch
from models.errors import StoreError, UnexpectedFileError
from tests.helpers import call_doc, known


def _raising_for(name: str, exc: Exception):
    real = ingest.runner.read_source

    def read(path, defaults):
        if path.name == name:
            raise exc
        return real(path, defaults)

    return read


def _store_error(cause: Exception) -> StoreError:
    """A StoreError as Store.transaction raises it: the SQLAlchemy error only as its context."""
    try:
        try:
            raise cause
        except Exception:
            raise StoreError(f"database error: {cause}", "sqlite:///x.db") from None
    except StoreError as exc:
        return exc


def test_an_unexpected_exception_fails_its_file_only(
    store, write_json, tmp_path, monkeypatch, caplog
):
    write_json("in/a.json", call_doc("acme"))
    write_json("in/b.json", call_doc("globex"))
    monkeypatch.setattr(
        ingest.runner, "read_source", _raising_for("a.json", ZeroDivisionError("boom"))
    )
    seen: list[FileOutcome] = []
    with caplog.at_level(logging.DEBUG, logger="callintel.ingest"):
        report = ingest_paths([tmp_path / "in"], store, on_file=seen.append)
    (failed,) = report.failed
    assert isinstance(failed.error, UnexpectedFileError) and failed.path.name == "a.json"
    assert (
        str(failed.error)
        == f"{tmp_path / 'in' / 'a.json'}: could not be read: unexpected ZeroDivisionError; the file was skipped"
    )
    assert "boom" not in failed.error.message and len(seen) == 2
    assert [i.customer_id for i in store.list_interactions()] == ["globex"]
    assert any(
        r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records
    )  # the traceback, at debug


def test_data_the_database_refuses_fails_its_file_only(store, write_json, tmp_path, monkeypatch):
    write_json("in/a.json", call_doc("acme"))
    write_json("in/b.json", call_doc("globex"))
    real = store.save_batch

    def save(items, usage_events=(), accounts=AccountBatch()):
        if items[0].interaction.customer_id == "acme":
            raise _store_error(
                DataError("INSERT", {}, Exception("a string literal cannot contain NUL"))
            )
        return real(items, usage_events, accounts)

    monkeypatch.setattr(store, "save_batch", save)
    report = ingest_paths([tmp_path / "in"], store)
    assert [o.path.name for o in report.failed] == ["a.json"] and "NUL" in known(
        report.failed[0].error
    ).message
    assert [i.customer_id for i in store.list_interactions()] == ["globex"]


def test_a_database_that_cannot_be_used_stops_the_run(store, write_json, tmp_path, monkeypatch):
    write_json("in/a.json", call_doc("acme"))
    write_json("in/b.json", call_doc("globex"))

    def broken(items, usage_events=(), accounts=AccountBatch()):
        raise _store_error(OperationalError("INSERT", {}, Exception("disk I/O error")))

    monkeypatch.setattr(store, "save_batch", broken)
    seen: list[FileOutcome] = []
    with pytest.raises(StoreError, match="disk I/O error"):
        ingest_paths([tmp_path / "in"], store, on_file=seen.append)
    assert seen == []
