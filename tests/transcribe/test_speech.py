"""Synthesised speech (espeak-ng, two voices on two channels) through VAD and the real decoder."""

import wave

import pytest

from tests.audio import dialogue
from transcribe.engine import TranscribeOptions, WhisperEngine


def test_stereo_call_with_speech_keeps_each_side_on_its_channel(tiny_whisper, tmp_path):
    path = dialogue(tmp_path, [
        ("left", "Hi, thanks for joining the call today."),
        ("right", "Thanks. Honestly, the price is too high for us."),
        ("left", "I understand. Let me send you a revised proposal by Friday."),
    ], gap_s=1.5)
    engine = WhisperEngine(TranscribeOptions(model=str(tiny_whisper), beam_size=1, vad=True, temperature=0.0))
    transcript = engine.transcribe(path, "int_speech")
    with wave.open(str(path)) as wav:
        assert transcript.duration_s == pytest.approx(wav.getnframes() / wav.getframerate(), abs=0.01)
    assert transcript.utterances, "VAD keeps speech, so the decoder runs on it"
    roles = [u.speaker.role for u in transcript.utterances]
    assert set(roles) <= {"rep", "customer"} and "rep" in roles
    starts = [u.start_s for u in transcript.utterances]
    assert starts == sorted(starts)
    assert all(0 <= u.start_s <= u.end_s <= transcript.duration_s for u in transcript.utterances)
