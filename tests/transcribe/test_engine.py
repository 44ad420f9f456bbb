from __future__ import annotations

import numpy as np
import pytest

from models.errors import MalformedSource, ModelUnavailable, SourceNotFound, UnsupportedSource
from models.records import Transcript
from tests.audio import tone, write_wav
from transcribe.engine import TranscribeOptions, WhisperEngine


@pytest.fixture(scope="module")
def engine(tiny_whisper):
    return WhisperEngine(TranscribeOptions(model=str(tiny_whisper), beam_size=1, vad=False, temperature=0.0))


def test_mono_recording_decodes_through_the_real_path(engine, tmp_path):
    transcript = engine.transcribe(write_wav(tmp_path / "call.wav", tone(6.0)), "int_1")
    assert transcript.engine == "faster-whisper" and transcript.duration_s == 6.0
    assert transcript.utterances, "the random model still emits tokens for audio"
    for u in transcript.utterances:
        assert u.speaker.role == "unknown" and u.speaker.label in ("SPEAKER_0", "SPEAKER_1")
        assert 0 <= u.start_s <= u.end_s <= 6.0 + 1e-6
        assert all(w.start_s <= w.end_s for w in u.words or [])
    assert [u.index for u in transcript.utterances] == list(range(len(transcript.utterances)))
    assert Transcript.model_validate_json(transcript.model_dump_json()) == transcript


def test_stereo_channels_become_rep_and_customer(tiny_whisper, tmp_path):
    path = write_wav(tmp_path / "stereo.wav", tone(8.0, 0.0, 3.5), tone(8.0, 4.0, 3.5, hz=330.0))
    by_side = {}
    for rep_channel in ("left", "right"):
        engine = WhisperEngine(TranscribeOptions(model=str(tiny_whisper), beam_size=1, vad=False, temperature=0.0, rep_channel=rep_channel))
        transcript = engine.transcribe(path, "int_2")
        assert {u.speaker.role for u in transcript.utterances} == {"rep", "customer"}
        starts = [u.start_s for u in transcript.utterances]
        assert starts == sorted(starts)
        by_side[rep_channel] = {(u.start_s, u.text): u.speaker.role for u in transcript.utterances}
    # the same channel's words, with the roles swapped
    swap = {"rep": "customer", "customer": "rep"}
    assert by_side["right"] == {key: swap[role] for key, role in by_side["left"].items()}


def test_silence_gives_an_empty_transcript(engine, tmp_path):
    transcript = engine.transcribe(write_wav(tmp_path / "silent.wav", np.zeros(16000 * 3, dtype=np.float32)), "int_3")
    assert transcript.utterances == [] and transcript.duration_s == 3.0


def test_vad_drops_noise_without_speech(tiny_whisper, tmp_path):
    rng = np.random.default_rng(0)
    noise = (rng.standard_normal(16000 * 4) * 0.001).astype(np.float32)
    engine = WhisperEngine(TranscribeOptions(model=str(tiny_whisper), beam_size=1, vad=True, temperature=0.0))
    assert engine.transcribe(write_wav(tmp_path / "hiss.wav", noise), "int_4").utterances == []


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("corrupt.wav", b"RIFF" + bytes(range(200)), MalformedSource, "cannot decode audio"),
        ("empty.wav", b"", MalformedSource, "file is empty"),
        ("notes.txt", b"hello", UnsupportedSource, "unsupported audio type .txt"),
    ],
)
def test_bad_audio_files(engine, tmp_path, name, content, error, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error, match=message) as caught:
        engine.transcribe(path, "int_5")
    assert str(caught.value).startswith(str(path))


def test_missing_audio(engine, tmp_path):
    with pytest.raises(SourceNotFound):
        engine.transcribe(tmp_path / "nope.wav", "int_6")


def test_no_model_is_a_clear_error():
    with pytest.raises(ModelUnavailable, match="pass --model"):
        WhisperEngine(TranscribeOptions(model=None))


def test_broken_model_directory_is_a_clear_error(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"nonsense")
    with pytest.raises(ModelUnavailable, match="cannot load Whisper model"):
        WhisperEngine(TranscribeOptions(model=str(tmp_path)))


def test_long_audio_goes_window_by_window(tiny_whisper, tmp_path):
    path = write_wav(tmp_path / "long.wav", tone(7.0), tone(7.0, hz=330.0))
    seen = []
    engine = WhisperEngine(TranscribeOptions(model=str(tiny_whisper), beam_size=1, vad=False, temperature=0.0,
                                             window_s=2.5))
    transcript = engine.transcribe(path, "int_7", on_progress=seen.append)
    assert seen == [2.5, 5.0, 7.0]
    assert transcript.duration_s == 7.0
    assert max(u.start_s for u in transcript.utterances) >= 5.0  # the last window's times are shifted by its offset
    assert all(u.end_s <= 7.0 for u in transcript.utterances)


def test_mono_rep_speaker_override(tiny_whisper, tmp_path):
    engine = WhisperEngine(TranscribeOptions(model=str(tiny_whisper), beam_size=1, vad=False, temperature=0.0,
                                             rep_speaker="SPEAKER_0"))
    transcript = engine.transcribe(write_wav(tmp_path / "mono.wav", tone(6.0)), "int_8")
    assert {u.speaker.label: u.speaker.role for u in transcript.utterances}.get("SPEAKER_0") == "rep"
    assert {u.speaker.role for u in transcript.utterances} <= {"rep", "customer"}
