"""``world``: one analysed store shared by the API and dashboard tests, and the app over it."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_token
from ingest import ingest_paths
from models.records import Role, Speaker, Transcript, Utterance
from models.settings import Settings
from models.store import Store
from pipeline.queue import JobQueue
from pipeline.runner import run_jobs
from pipeline.stages import Engines
from samples import SAMPLES_DIR
from tests.audio import speak, tone, write_wav
from transcribe.audio import SAMPLE_RATE

# A renewal call spoken by espeak-ng (rep on the left channel): what the dashboard's audio player plays.
RECORDED_CALL: list[tuple[Role, str]] = [
    ("rep", "Hi Pat, thanks for joining. I wanted to talk about your renewal."),
    ("customer", "Honestly our CFO will never sign off at that number."),
    ("rep", "I understand. We can look at a multi year discount."),
    ("customer", "We are also looking at Gong, they showed us a demo."),
]


@dataclass(frozen=True)
class World:
    client: TestClient
    tokens: dict[str, str]
    store: Store
    settings: Settings
    recording_id: str


def _voice(text: str, role: str, folder: Path) -> np.ndarray:
    """espeak-ng speech where it is installed, else a tone as long as the words (the API tests need no speech)."""
    if shutil.which("espeak-ng"):
        return speak(text, "en-us" if role == "rep" else "en-gb", folder)
    return tone(0.35 * len(text.split()), hz=220.0 if role == "rep" else 330.0)


def _record(folder: Path) -> tuple[Path, list[Utterance]]:
    """The call as a stereo WAV with its sidecar, and the utterances with the times they are spoken at."""
    left, right, utterances, at, gap = (
        [],
        [],
        [],
        0.0,
        np.zeros(int(0.6 * SAMPLE_RATE), dtype=np.float32),
    )
    for index, (role, text) in enumerate(RECORDED_CALL):
        voice = _voice(text, role, folder)
        silence = np.zeros_like(voice)
        left += [voice if role == "rep" else silence, gap]
        right += [silence if role == "rep" else voice, gap]
        length = len(voice) / SAMPLE_RATE
        utterances.append(
            Utterance(
                index=index,
                speaker=Speaker(role=role, label=role),
                start_s=round(at, 2),
                end_s=round(at + length, 2),
                text=text,
            )
        )
        at += length + len(gap) / SAMPLE_RATE
    path = write_wav(
        folder / "hooli-2026-10-28-renewal.wav", np.concatenate(left), np.concatenate(right)
    )
    meta = {
        "customer_id": "hooli",
        "rep": "sam",
        "occurred_at": "2026-10-28T17:00:00Z",
        "title": "Recorded renewal",
    }
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta))
    return path, utterances


def _transcribed(store: Store, interaction_id: str, utterances: list[Utterance]) -> None:
    """Store the recording's transcript as its transcribe stage would (no real Whisper model offline)."""
    queue = JobQueue(store)
    assert queue.claim_job(interaction_id, "fixture") is not None
    with store.transaction() as session:
        Store.put_transcript(
            session,
            Transcript(
                interaction_id=interaction_id,
                duration_s=utterances[-1].end_s,
                engine="faster-whisper",
                model="fixture",
                utterances=utterances,
            ),
        )
        queue.advance(session, interaction_id, "fixture", "transcribe")
    queue.release(interaction_id, "fixture")


@pytest.fixture(scope="package")
def world(tmp_path_factory, tagger):
    """The bundled SRT and text calls, the JSONL tickets and one recorded call, analysed; a token per role."""
    tmp = tmp_path_factory.mktemp("api")
    url = f"sqlite:///{tmp / 'api.db'}"
    for folder in ("srt", "text"):
        shutil.copytree(SAMPLES_DIR / "calls" / folder, tmp / "in" / folder)
    shutil.copy(SAMPLES_DIR / "tickets" / "tickets.jsonl", tmp / "in")
    (tmp / "audio").mkdir()
    recording, utterances = _record(tmp / "audio")
    settings = Settings(
        database_url=url,
        upload_dir=tmp / "uploads",
        max_upload_mb=1,
        risk_as_of=datetime(2026, 10, 31, tzinfo=UTC),
    )
    with Store(url) as store:
        ingest_paths([tmp / "in", recording], store)
        recording_id = next(
            i.id for i in store.list_interactions(kind="call") if i.title == "Recorded renewal"
        )
        _transcribed(store, recording_id, utterances)
        run_jobs(url, settings, 1, Engines(settings, tagger_instance=tagger))
        tokens = {
            role: create_token(store, role, role, rep="sam" if role == "rep" else None)[1]
            for role in ("admin", "manager", "rep", "crm")
        }
        with TestClient(create_app(settings, store)) as client:
            yield World(client, tokens, store, settings, recording_id)
