"""Hostile input: every reader failure is one InputError naming the file; the CLI gives one line and exit 1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ingest import read_source
from models.errors import InputError, MalformedSource, UnreadableSource
from tests.helpers import call_doc, one_line_error

LONG = "x" * 100_001  # one over CALLINTEL_MAX_LINE_CHARS's default


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _ticket(text: str) -> str:
    return json.dumps(
        {"customer_id": "a", "created_at": "2026-01-01", "messages": [{"text": text}]}
    )


HOSTILE = [
    ("deep.json", _deep(100_000), "nested too deeply"),
    (
        "deep_inside.json",
        '{"customer_id": "a", "utterances": [{"text": "hi", "x": ' + _deep(500) + "}]}",
        "nested too deeply",
    ),
    ("deep.jsonl", _ticket("hi") + "\n" + _deep(100_000) + "\n", "on line 2 nested too deeply"),
    (
        "bignum.json",
        '{"customer_id": "a", "utterances": [{"text": "hi", "start_s": ' + "9" * 5000 + "}]}",
        "malformed JSON",
    ),
    (
        "bignum.jsonl",
        '{"customer_id": "a", "kind": "login", "occurred_at": ' + "1" * 5000 + "}\n",
        "on line 1",
    ),
    (
        "huge_float.json",
        '{"customer_id": "a", "utterances": [{"text": "hi", "start_s": 1e999}]}',
        "out of range",
    ),
    (
        "nan.json",
        '{"customer_id": "a", "utterances": [{"text": "hi", "end_s": NaN}]}',
        "NaN is not a number",
    ),
    ("nul_escaped.json", json.dumps(call_doc(customer="a\u0000b")), "NUL character"),
    ("nul_ticket.jsonl", _ticket("a\u0000b") + "\n", "NUL character"),
    ("nul.txt", "Dana: hello\x00there\n", "NUL character"),
    ("nul.csv", "customer_id,created_at,body\na,2026-01-01,hi\x00there\n", "NUL character"),
    (
        "long.json",
        json.dumps(call_doc(utterances=[{"text": "ok"}, {"text": LONG}])),
        "utterances.1: 100001 characters",
    ),
    (
        "long.jsonl",
        _ticket("ok") + "\n" + _ticket(LONG) + "\n",
        "line 2: messages.0: 100001 characters",
    ),
    ("long.txt", "Dana: hi\nSam: " + LONG + "\n", "utterance 1 (line 2): 100001 characters"),
    (
        "long.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Sam>" + LONG + "\n",
        "utterance 0: 100001 characters",
    ),
    (
        "long.csv",
        "customer_id,created_at,body\na,2026-01-01," + "y" * 200_000 + "\n",
        "unreadable CSV",
    ),
    (
        "long_title.json",
        json.dumps(call_doc(title="t" * 600)),
        "title: 600 characters long (at most 512)",
    ),
    (
        "long_label.json",
        json.dumps(call_doc(utterances=[{"speaker": "s" * 100, "text": "hi"}])),
        "speaker",
    ),
    ("bad_utf8.txt", b"Dana: caf\xe9\n", "not UTF-8"),
    (
        "lone_surrogate.json",
        '{"customer_id": "a", "x": "\\ud800", "utterances": [{"text": "hi"}]}',
        "lone surrogate",
    ),
    (
        "lone_body.jsonl",
        '{"customer_id": "a", "created_at": "2026-01-01", "body": "\\udfff"}\n',
        "lone surrogate",
    ),
    (
        "nested.eml",
        "From: a@b.c\nSubject: x\n"
        + "".join(
            f'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n' for n in range(3000)
        )
        + "\nhi\n",
        "nested",
    ),
    (
        "charset.eml",
        "From: a@b.c\nSubject: x\nContent-Type: text/plain; charset=x-bogus\n\nhi\n",
        "cannot decode",
    ),
]


@pytest.mark.parametrize(("name", "content", "message"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_files_give_one_input_error_naming_the_file(
    tmp_path: Path, name: str, content, message: str
):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(MalformedSource) as caught:
        read_source(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_deeply_nested_sidecar_names_the_sidecar(tmp_path: Path):
    (tmp_path / "call.txt").write_text("Dana: hi\n")
    sidecar = tmp_path / "call.txt.meta.json"
    sidecar.write_text(_deep(100_000))
    with pytest.raises(MalformedSource, match="nested too deeply") as caught:
        read_source(tmp_path / "call.txt")
    assert caught.value.path == str(sidecar)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "call.json").write_text(json.dumps(call_doc()))
    os.mkfifo(folder / "pipe.json")  # nobody ever writes: opening it to read would wait forever
    return folder / "pipe.json"


def test_a_named_pipe_is_refused_unopened(fifo: Path):
    with pytest.raises(UnreadableSource, match="not a regular file"):
        read_source(fifo)


@pytest.mark.parametrize("named", ["pipe", "folder"])
def test_ingest_refuses_a_named_pipe_in_one_line(cli, fifo: Path, named: str):
    run = cli("ingest", str(fifo if named == "pipe" else fifo.parent), "--no-analyse", timeout=60)
    assert run.returncode == 1
    assert (
        one_line_error(run)
        == f"callintel: {fifo}: not a regular file (a named pipe, socket or device); refusing to read it"
    )
    assert f"from {0 if named == 'pipe' else 1} of" in run.stdout


@pytest.fixture
def read_only_folder(tmp_path: Path):
    """A folder nobody may create files in, root included (root ignores modes: the immutable attribute then)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = os.geteuid() == 0
    if immutable and (
        not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)]).returncode
    ):
        pytest.skip(
            "running as root without chattr +i: a folder root cannot write to cannot be made"
        )
    yield folder
    if immutable:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o755)


def test_a_database_in_a_read_only_folder_is_a_store_error(
    cli, read_only_folder: Path, tmp_path: Path
):
    (tmp_path / "call.json").write_text(json.dumps(call_doc()))
    run = cli(
        "ingest",
        str(tmp_path / "call.json"),
        "--no-analyse",
        "--database-url",
        f"sqlite:///{read_only_folder / 'callintel.db'}",
    )
    assert run.returncode == 4, run
    line = one_line_error(run)
    assert (
        "internal error" not in line
        and "cannot create the database file" in line
        and "writable" in line
    )


def test_an_existing_database_in_a_folder_made_read_only_is_a_store_error(
    cli, tmp_path: Path, read_only_folder
):
    """The database exists but its folder is read-only: no -wal file, no lock file can be made."""
    subprocess.run(["chattr", "-i", str(read_only_folder)], check=False)
    read_only_folder.chmod(0o755)
    url = f"sqlite:///{read_only_folder / 'callintel.db'}"
    from models.store import Store

    Store(url).close()
    for extra in read_only_folder.glob("callintel.db?*"):
        extra.unlink()
    read_only_folder.chmod(0o555)
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(read_only_folder)], check=True)
    run = cli("customers", "--database-url", url)
    assert run.returncode == 4, run
    assert "internal error" not in one_line_error(run)


def test_input_errors_are_input_errors():
    assert issubclass(MalformedSource, InputError) and issubclass(UnreadableSource, InputError)
