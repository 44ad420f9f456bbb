"""The longest text the readers accept is the caller's Settings.max_line_chars, passed down through
IngestDefaults: nothing under ingest/ reads the environment or get_settings()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.service import Callintel
from ingest import IngestDefaults, read_source
from models.errors import MalformedSource
from models.settings import Settings

LIMIT = 1000  # the smallest the setting allows
LONG = "y" * (LIMIT + 500)  # over LIMIT, far under the default


def _ticket(text: str) -> dict:
    return {"customer_id": "acme", "created_at": "2026-01-01", "messages": [{"text": text}]}


SOURCES = {
    "call.txt": f"Sam: {LONG}\n",
    "call.vtt": f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Sam>{LONG}\n",
    "call.json": json.dumps({"customer_id": "acme", "utterances": [{"text": LONG}]}),
    "tickets.json": json.dumps([_ticket(LONG)]),
    "tickets.jsonl": json.dumps(_ticket(LONG)) + "\n",
    "tickets.csv": f"customer_id,ticket_id,created_at,body\nacme,1,2026-01-01,{LONG}\n",
    "accounts.csv": f"customer_id,owner,plan\nacme,{LONG},pro\n",
}


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLINTEL_MAX_LINE_CHARS", raising=False)


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(SOURCES[name])
    return path


def _small() -> IngestDefaults:
    return Callintel(Settings(max_line_chars=LIMIT)).ingest_defaults(customer_id="acme")


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_a_small_limit_from_settings_refuses_a_longer_text(tmp_path: Path, name: str):
    path = _write(tmp_path, name)
    read_source(path, IngestDefaults(customer_id="acme"))  # the default limit lets it through
    try:
        parsed = read_source(path, _small())
    except MalformedSource as exc:
        problems = [exc]
    else:  # account data: a bad row is a problem of the file, its other rows are kept
        problems, parsed.problems = parsed.problems, []
        assert not parsed.items and not parsed.account_rows()
    assert [str(p) for p in problems] and all(f"at most {LIMIT}" in str(p) for p in problems)


def test_the_default_limit_comes_from_the_settings_default(tmp_path: Path):
    assert IngestDefaults().max_line_chars == Settings().max_line_chars
    assert _small().max_line_chars == LIMIT


def test_a_longer_limit_from_settings_accepts_a_longer_text(tmp_path: Path):
    long = "x" * 100_001  # one over the default
    path = tmp_path / "long.txt"
    path.write_text(f"Sam: {long}\n")
    with pytest.raises(MalformedSource, match="at most 100000"):
        read_source(path, IngestDefaults(customer_id="acme"))
    longer = Callintel(Settings(max_line_chars=200_000)).ingest_defaults(customer_id="acme")
    (item,) = read_source(path, longer).items
    assert item.transcript is not None and len(item.transcript.utterances[0].text) == len(long)


def test_the_service_ingests_with_its_own_settings_limit(tmp_path: Path, store):
    path = _write(tmp_path, "call.txt")
    small = Callintel(Settings(max_line_chars=LIMIT), store=store)
    outcome = small.ingest_one(path, small.ingest_defaults(customer_id="acme"))
    assert outcome.error is not None and f"at most {LIMIT}" in str(outcome.error)
    assert not outcome.created
    default = Callintel(Settings(), store=store)
    assert len(default.ingest_one(path, default.ingest_defaults(customer_id="acme")).created) == 1
