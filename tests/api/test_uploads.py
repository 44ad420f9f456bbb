"""POST /api/uploads and /api/usage-events on their own app and store: who may write what, the upload folder's
hygiene (a full disk, private files, no orphans), and what a rep may learn of other reps' files."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import api.uploads
from api.app import create_app
from api.auth import create_token
from models.settings import Settings
from models.store import Store
from tests.audio import tone, write_wav

ROLES = ("admin", "manager", "rep", "crm")


@dataclass
class Api:
    client: TestClient
    store: Store
    settings: Settings
    tokens: dict[str, str]

    def post(self, role: str, name: str, content: bytes, **data: str):
        return self.client.post(
            "/api/uploads", files={"file": (name, content)}, data=data, headers=self.auth(role)
        )

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in Path(self.settings.upload_dir).iterdir())


def _api(url: str, uploads: Path) -> tuple[Store, Settings, dict[str, str]]:
    store = Store(url)
    settings = Settings(database_url=url, upload_dir=uploads, max_upload_mb=1)
    tokens = {
        role: create_token(store, role, role, rep="sam" if role == "rep" else None)[1]
        for role in ROLES
    }
    tokens["dana"] = create_token(store, "rep", "dana", rep="dana")[1]
    return store, settings, tokens


@pytest.fixture
def api_(db_url: str, tmp_path: Path, migrated_copy):
    store, settings, tokens = _api(migrated_copy(db_url), tmp_path / "uploads")
    with store, TestClient(create_app(settings, store)) as client:
        yield Api(client, store, settings, tokens)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("roles")
    store, settings, tokens = _api(f"sqlite:///{tmp / 'roles.db'}", tmp / "uploads")
    with store, TestClient(create_app(settings, store)) as client:
        yield Api(client, store, settings, tokens)


def vtt(text: str) -> bytes:
    return f"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Sam>{text}\n".encode()


def lines(*rows: dict) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def ticket(who: str) -> dict:
    return {
        "ticket_id": f"T-{who}",
        "customer_id": "acme",
        "created_at": "2026-10-01T00:00:00Z",
        "body": f"Invoice? {who}",
    }


def usage(who: str) -> dict:
    return {
        "customer_id": "acme",
        "kind": "login",
        "occurred_at": "2026-10-02T09:00:00Z",
        "properties": {"who": who},
    }


# Each record type, by each route that writes it: (file name or None for /api/usage-events, content for a role).
CASES = {
    "call": ("interaction", "call.vtt", lambda who: vtt(f"Hello from {who}.")),
    "tickets": ("interaction", "tickets.jsonl", lambda who: lines(ticket(who))),
    "usage-csv": (
        "usage_event",
        "usage.csv",
        lambda who: f"customer_id,kind,occurred_at,who\nacme,login,2026-10-03,{who}\n".encode(),
    ),
    "usage-jsonl": ("usage_event", "usage.jsonl", lambda who: lines(usage(who))),
    "mixed": (
        "both",
        "mixed.jsonl",
        lambda who: lines(ticket(f"mixed-{who}"), usage(f"mixed-{who}")),
    ),
    "usage-api": ("usage_event", None, lambda who: {"events": [usage(f"api-{who}")]}),
}
MAY_WRITE = {
    "interaction": {"admin", "manager", "rep"},
    "usage_event": {"admin", "crm"},
    "both": {"admin"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES)
def test_one_rule_per_record_type_whatever_the_route(shared, role, case):
    kind, name, content = CASES[case]
    before = (len(shared.store.list_interactions()), len(shared.store.list_usage_events()))
    if name is None:
        response = shared.client.post(
            "/api/usage-events", json=content(role), headers=shared.auth(role)
        )
    else:
        response = shared.post(role, name, content(role), customer_id="acme")
    after = (len(shared.store.list_interactions()), len(shared.store.list_usage_events()))
    if role in MAY_WRITE[kind]:
        assert response.status_code == 201, response.json()
        assert after[0] > before[0] if kind != "usage_event" else after[1] > before[1]
    else:
        assert response.status_code == 403, response.json()
        body = response.json()
        assert body["error"] == "Forbidden" and body["message"].startswith(
            f"a {role} token cannot write"
        )
        assert after == before
    assert not [n for n in shared.leftovers() if n.startswith(".part-")]


def test_a_full_disk_is_507_leaves_nothing_and_the_next_upload_works(api_, monkeypatch):
    real = api.uploads._open_part

    class FullAfterAFewBytes:
        def __init__(self, out):
            self.out = out

        def write(self, chunk: bytes) -> None:
            self.out.write(chunk[:100])
            self.out.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self) -> None:  # the buffered rest cannot be written either
            self.out.close()
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.out, name)

    monkeypatch.setattr(api.uploads, "_open_part", lambda part: FullAfterAFewBytes(real(part)))
    full = api_.post("manager", "call.vtt", vtt("We will cancel."), customer_id="acme")
    assert full.status_code == 507 and full.json() == {
        "error": "InsufficientStorage",
        "message": "insufficient storage: the upload folder is full (CALLINTEL_UPLOAD_DIR)",
        "path": "call.vtt",
    }
    assert api_.leftovers() == [] and api_.store.list_interactions() == []
    monkeypatch.undo()
    assert (
        api_.post("manager", "call.vtt", vtt("We will cancel."), customer_id="acme").status_code
        == 201
    )


def test_an_upload_folder_that_cannot_be_written_is_a_clear_500(api_, monkeypatch):
    def denied(part):
        raise PermissionError(errno.EACCES, "Permission denied", str(part))

    monkeypatch.setattr(api.uploads, "_open_part", denied)
    response = api_.post("manager", "call.vtt", vtt("Hello."), customer_id="acme")
    assert response.status_code == 500 and response.json() == {
        "error": "UploadFolderError",
        "message": "the server cannot store uploads: Permission denied (CALLINTEL_UPLOAD_DIR)",
        "path": "call.vtt",
    }
    assert str(api_.settings.upload_dir) not in response.text and api_.leftovers() == []


def test_uploads_are_private_and_failures_leave_nothing(api_):
    created = api_.post("manager", "call.vtt", vtt("Hello."), customer_id="acme")
    assert created.status_code == 201
    (folder,) = [p for p in Path(api_.settings.upload_dir).iterdir()]
    (kept,) = list(folder.iterdir())
    assert (
        stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(kept.stat().st_mode) == 0o600
    )
    assert (
        stat.S_IMODE(Path(api_.settings.upload_dir).stat().st_mode) == 0o700
    )  # made by the first upload
    assert kept.name == "call.vtt"
    assert api_.post("manager", "again.vtt", vtt("Hello."), customer_id="acme").status_code == 200
    assert api_.post("manager", "bad.vtt", b"not captions", customer_id="acme").status_code == 422
    assert api_.post("manager", "big.json", b"x" * (1024 * 1024 + 1)).status_code == 413
    assert api_.post("crm", "call.vtt", vtt("Refused."), customer_id="acme").status_code == 403
    assert api_.leftovers() == [folder.name]


def _leftover(root: Path, name: str, files: dict[str, bytes], age_s: float = 0) -> Path:
    entry = root / name
    if files:
        entry.mkdir(parents=True)
        for file, data in files.items():
            (entry / file).write_bytes(data)
    else:
        entry.mkdir(parents=True)
    if age_s:
        os.utime(entry, (entry.stat().st_atime - age_s, entry.stat().st_mtime - age_s))
    return entry


@pytest.mark.both_backends
def test_start_up_sweeps_what_killed_uploads_left_and_keeps_what_is_stored(api_, tmp_path):
    root = Path(api_.settings.upload_dir)
    wav = write_wav(tmp_path / "call.wav", tone(1.0), tone(1.0, hz=330.0))
    recording = api_.post("manager", "call.wav", wav.read_bytes(), customer_id="acme", rep="sam")
    transcript = api_.post("manager", "call.vtt", vtt("Hello."), customer_id="acme")
    assert recording.status_code == transcript.status_code == 201
    stored = set(api_.leftovers())
    (root / ".part-0123456789abcdef0123456789abcdef").write_bytes(
        b"\0" * 1024 * 1024
    )  # cut off mid-write
    orphan = _leftover(
        root, "ab" * 16, {"call.wav": b"RIFF" + b"\0" * 1000}
    )  # renamed, never stored
    old_empty = _leftover(root, "cd" * 16, {}, age_s=3600)
    new_empty = _leftover(root, "ef" * 16, {})  # a live upload's, about to get its file
    live = root / ".part-fedcba9876543210fedcba9876543210"
    (root / "notes.txt").write_text("not ours")
    with live.open("wb") as writing:  # a live upload in another server: locked
        fcntl.flock(writing.fileno(), fcntl.LOCK_EX)
        with TestClient(create_app(api_.settings, api_.store)):
            pass
    assert set(api_.leftovers()) == stored | {live.name, new_empty.name, "notes.txt"}
    assert not orphan.exists() and not old_empty.exists()
    detail = api_.client.get(
        f"/api/interactions/{recording.json()['created'][0]}", headers=api_.auth("manager")
    ).json()
    audio = [p for p in root.rglob("call.wav")]
    assert len(audio) == 1 and detail["interaction"]["metadata"]["audio_path"] == "call.wav"


def test_a_rep_learns_nothing_of_another_reps_files(api_):
    theirs = api_.post("dana", "dana.vtt", vtt("Dana's call."), customer_id="acme")
    assert theirs.status_code == 201
    (their_id,) = theirs.json()["created"]
    same_bytes = api_.post("rep", "mine.vtt", vtt("Dana's call."), customer_id="acme")
    assert same_bytes.status_code == 200 and same_bytes.json() == {
        "file": "mine.vtt",
        "created": [],
        "already_stored": 0,
        "usage_events": 0,
    }
    mine = api_.post("rep", "sam.vtt", vtt("Sam's call."), customer_id="acme")
    again = api_.post("rep", "sam-again.vtt", vtt("Sam's call."), customer_id="acme")
    assert (
        mine.status_code == 201 and again.status_code == 200 and again.json()["already_stored"] == 1
    )
    other = api_.client.get(f"/api/interactions/{their_id}", headers=api_.auth("rep"))
    unknown = api_.client.get("/api/interactions/int_0000000000000000", headers=api_.auth("rep"))
    assert other.status_code == unknown.status_code == 404
    assert other.json() == {
        "error": "NotFound",
        "message": f"no interaction with id {their_id!r}",
        "path": None,
    }
    assert unknown.json()["message"] == "no interaction with id 'int_0000000000000000'"
    assert (
        api_.client.get(f"/api/interactions/{their_id}", headers=api_.auth("manager")).status_code
        == 200
    )


def test_a_reader_error_names_the_users_file_never_the_server_path(api_, monkeypatch):
    import ingest.runner
    from models.errors import MalformedSource

    def quoting_the_path(path, defaults):
        raise MalformedSource(f"cannot decode audio: invalid data in '{path}'", path)

    monkeypatch.setattr(ingest.runner, "read_source", quoting_the_path)
    response = api_.post("manager", "call.wav", b"RIFF....", customer_id="acme")
    assert response.json() == {
        "error": "MalformedSource",
        "message": "cannot decode audio: invalid data in 'call.wav'",
        "path": "call.wav",
    }
    monkeypatch.setattr(ingest.runner, "read_source", lambda path, defaults: [][1])
    broken = api_.post("manager", "deep.json", b"[]")
    assert broken.status_code == 422 and broken.json() == {
        "error": "UnexpectedFileError",
        "message": "could not be read: unexpected IndexError; the file was skipped",
        "path": "deep.json",
    }
    assert api_.leftovers() == []


def test_json_nested_too_deep_is_a_422_not_a_500(api_):
    deep = api_.post("manager", "deep.json", b"[" * 100_000 + b"]" * 100_000)
    assert deep.status_code == 422 and deep.json()["path"] == "deep.json" and api_.leftovers() == []


def test_callintel_serve_sweeps_a_killed_servers_leftovers_when_it_starts(cli, db_url, tmp_path):
    from tests.helpers import serving

    root = tmp_path / "uploads"
    stored = root / ("12" * 16) / "call.txt"  # an earlier upload whose interaction was stored
    stored.parent.mkdir(parents=True)
    stored.write_text("Rep: Thanks for joining.\nCustomer: The price is too high.\n")
    assert (
        cli(
            "ingest", "--no-analyse", str(stored), "--customer", "acme", "--database-url", db_url
        ).returncode
        == 0
    )
    part = root / ".part-34343434343434343434343434343434"
    part.write_bytes(b"\0" * 4 * 1024 * 1024)  # a recording cut off by kill -9
    renamed = root / ("56" * 16) / "call.wav"  # complete, but the server died before storing it
    renamed.parent.mkdir()
    renamed.write_bytes(b"RIFF" + b"\0" * 1024)
    with serving(
        "--database-url", db_url, "--workers", "0", env={"CALLINTEL_UPLOAD_DIR": str(root)}
    ):
        assert sorted(p.name for p in root.iterdir()) == [stored.parent.name]
    assert stored.is_file()
