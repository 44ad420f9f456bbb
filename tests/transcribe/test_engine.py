"""The real bundled Whisper (tiny.en) on real human speech (tests/data/speech): words, roles, voices, times."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from models.errors import MalformedSource, SourceNotFound, UnsupportedSource
from models.records import Transcript
from tests.audio import tone, write_wav
from tests.helpers import known
from tests.speech import (
    AUSTEN,
    JFK,
    SPEECH_DIR,
    mix,
    reference,
    turn_at,
    two_voice_turns,
    voice_at,
    wer,
)
from transcribe.audio import SAMPLE_RATE
from transcribe.engine import WhisperEngine

pytestmark = pytest.mark.slow


def _engine(whisper: WhisperEngine, **changes) -> WhisperEngine:
    return whisper.with_options(replace(whisper.options, **changes))


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "sequential"])
def test_words_match_the_references(whisper, batched):
    engine = _engine(whisper, batched=batched)
    names = [*AUSTEN, JFK]
    texts = [
        " ".join(u.text for u in engine.transcribe(SPEECH_DIR / f"{n}.wav", n).utterances)
        for n in names
    ]
    score = wer([reference(n) for n in names], texts)
    assert score <= 0.10, f"WER {score:.3f}: {texts}"


def test_a_transcript_records_the_bundled_model(whisper):
    transcript = whisper.transcribe(SPEECH_DIR / f"{JFK}.wav", "int_jfk")
    assert (transcript.engine, transcript.model, transcript.language) == (
        "faster-whisper",
        "tiny.en",
        "en",
    )
    assert transcript.duration_s == pytest.approx(11.0, abs=0.01)
    assert Transcript.model_validate_json(transcript.model_dump_json()) == transcript


def test_word_times_lie_inside_their_utterance_and_on_the_speech(whisper, tmp_path):
    path, truth = mix(tmp_path / "stereo.wav", two_voice_turns(), gap_s=1.5, stereo=True)
    transcript = whisper.transcribe(path, "int_words")
    assert [u.index for u in transcript.utterances] == list(range(len(transcript.utterances)))
    for u in transcript.utterances:
        assert u.words, u.text
        assert all(u.start_s <= w.start_s <= w.end_s <= u.end_s for w in u.words)
        assert u.text.split()[0].strip(",.!?").lower() == u.words[0].text.strip(",.!?").lower()
    on_speech = [
        w
        for u in transcript.utterances
        for w in u.words
        if any(t.start_s - 0.5 <= (w.start_s + w.end_s) / 2 <= t.end_s + 0.5 for t in truth)
    ]
    assert len(on_speech) == sum(len(u.words) for u in transcript.utterances)


@pytest.mark.parametrize("rep_channel", ["left", "right"])
def test_stereo_channels_become_rep_and_customer(whisper, tmp_path, rep_channel):
    path, truth = mix(
        tmp_path / "stereo.wav", two_voice_turns(), gap_s=1.5, stereo=True, left_voice="austen"
    )
    transcript = _engine(whisper, rep_channel=rep_channel).transcribe(path, "int_stereo")
    rep_voice = "austen" if rep_channel == "left" else "jfk"
    said: dict[str, list[str]] = {"rep": [], "customer": []}
    for u in transcript.utterances:
        said[u.speaker.role].append(u.text)
        voices = {voice_at(truth, (w.start_s + w.end_s) / 2) for w in known(u.words)}
        assert voices == {
            rep_voice if u.speaker.role == "rep" else ({"austen", "jfk"} - {rep_voice}).pop()
        }
    starts = [known(u.start_s) for u in transcript.utterances]
    assert starts == sorted(starts)
    austen_side = "rep" if rep_channel == "left" else "customer"
    assert wer([" ".join(reference(n) for n in AUSTEN)], [" ".join(said[austen_side])]) <= 0.15


def test_stereo_turns_end_where_the_other_side_speaks(whisper, tmp_path):
    """Pauses of 0.3 s: shorter than an utterance's pause, so the other channel's words must cut the turns."""
    path, truth = mix(tmp_path / "quick.wav", two_voice_turns(), gap_s=0.3, stereo=True)
    transcript = whisper.transcribe(path, "int_quick")
    for u in transcript.utterances:
        assert len({turn_at(truth, (w.start_s + w.end_s) / 2) for w in u.words}) == 1, u.text
    assert [u.speaker.role for u in transcript.utterances][:4] == [
        "rep",
        "customer",
        "rep",
        "customer",
    ]


def test_mono_two_voices_are_told_apart(whisper, tmp_path):
    path, truth = mix(tmp_path / "mono.wav", two_voice_turns(), gap_s=0.3)
    transcript = whisper.transcribe(path, "int_mono")
    pairs = [
        (u.speaker.label, voice_at(truth, (w.start_s + w.end_s) / 2))
        for u in transcript.utterances
        for w in u.words
    ]
    assert len(pairs) >= 80
    austen_label = (
        "SPEAKER_0"  # the first voice heard is SPEAKER_0, and the mix opens with the Austen reader
    )
    right = sum((label == austen_label) == (voice == "austen") for label, voice in pairs)
    assert right / len(pairs) >= 0.90, f"{right}/{len(pairs)} words on the right speaker"
    labels = [u.speaker.label for u in transcript.utterances]
    assert labels.count("SPEAKER_1") >= 4 and labels.count("SPEAKER_0") >= 4


def test_mono_roles_come_from_the_cues_or_the_override(whisper, tmp_path):
    path, _ = mix(tmp_path / "mono.wav", two_voice_turns(), gap_s=0.3)
    assert {u.speaker.role for u in whisper.transcribe(path, "int_cues").utterances} == {
        "unknown"
    }  # no greeting
    named = _engine(whisper, rep_speaker="SPEAKER_1").transcribe(path, "int_override")
    assert {u.speaker.label: u.speaker.role for u in named.utterances} == {
        "SPEAKER_0": "customer",
        "SPEAKER_1": "rep",
    }


def test_one_voice_stays_one_speaker(whisper, tmp_path):
    path, _ = mix(
        tmp_path / "one.wav",
        [("austen", samples) for _, samples in two_voice_turns()[::2]],
        gap_s=0.5,
    )
    transcript = whisper.transcribe(path, "int_one")
    assert {u.speaker.label for u in transcript.utterances} == {"SPEAKER_0"}


def test_silence_gives_an_empty_transcript(whisper, tmp_path):
    transcript = whisper.transcribe(
        write_wav(tmp_path / "silent.wav", np.zeros(SAMPLE_RATE * 3, dtype=np.float32)),
        "int_silent",
    )
    assert transcript.utterances == [] and transcript.duration_s == 3.0


@pytest.mark.parametrize("kind", ["hiss", "hum"])
def test_noise_without_speech_gives_nothing(whisper, tmp_path, kind):
    rng = np.random.default_rng(0)
    noise = (
        (rng.standard_normal(SAMPLE_RATE * 20) * 0.01).astype(np.float32)
        if kind == "hiss"
        else tone(20.0, hz=60.0)
    )
    for batched in (True, False):
        assert (
            _engine(whisper, batched=batched)
            .transcribe(write_wav(tmp_path / f"{kind}.wav", noise), "int_noise")
            .utterances
            == []
        )


def test_a_long_silence_inside_a_call_stays_silent(whisper, tmp_path):
    turns = two_voice_turns()
    turns = [turns[0], ("austen", np.zeros(SAMPLE_RATE * 25, dtype=np.float32)), turns[2]]
    path, truth = mix(tmp_path / "pause.wav", turns, gap_s=0.5)
    transcript = whisper.transcribe(path, "int_pause")
    quiet = truth[1]
    assert transcript.utterances
    assert not [
        u for u in transcript.utterances if quiet.start_s + 1.0 < u.start_s < quiet.end_s - 1.0
    ]


def test_long_audio_goes_window_by_window(whisper, tmp_path):
    path, truth = mix(tmp_path / "long.wav", two_voice_turns(), gap_s=0.3, stereo=True)
    seen: list[float] = []
    transcript = _engine(whisper, window_s=15.0).transcribe(
        path, "int_windows", on_progress=seen.append
    )
    assert seen[:2] == [15.0, 30.0] and seen[-1] == pytest.approx(truth[-1].end_s + 0.3, abs=0.01)
    assert (
        max(known(u.start_s) for u in transcript.utterances) >= 30.0
    )  # the last window's times are shifted by its offset
    assert all(known(u.end_s) <= known(transcript.duration_s) for u in transcript.utterances)


def test_an_hour_is_never_held_whole(whisper, tmp_path):
    """One hour of mono audio (230 MB as float32) with a sentence at 30:00: found, at its time, in bounded memory."""
    import tracemalloc
    import wave

    from tests.speech import clip

    path = tmp_path / "hour.wav"
    sentence = (clip(JFK) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        silence = np.zeros(SAMPLE_RATE * 60, dtype="<i2").tobytes()
        for minute in range(60):
            out.writeframes(
                sentence.tobytes() + silence[sentence.nbytes :] if minute == 30 else silence
            )
    tracemalloc.start()
    transcript = _engine(whisper, window_s=300.0).transcribe(path, "int_hour")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert transcript.duration_s == 3600.0
    assert transcript.utterances and 1799.0 <= known(transcript.utterances[0].start_s) <= 1802.0
    assert peak < 120 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("corrupt.wav", b"RIFF" + bytes(range(200)), MalformedSource, "cannot decode audio"),
        ("empty.wav", b"", MalformedSource, "file is empty"),
        ("notes.txt", b"hello", UnsupportedSource, "unsupported audio type .txt"),
    ],
)
def test_bad_audio_files(whisper, tmp_path, name, content, error, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error, match=message) as caught:
        whisper.transcribe(path, "int_bad")
    assert str(caught.value).startswith(str(path))


def test_truncated_audio_gives_what_is_there_or_one_error(whisper, tmp_path):
    whole = (SPEECH_DIR / f"{JFK}.wav").read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    try:
        transcript = whisper.transcribe(cut, "int_cut")
    except MalformedSource as exc:
        assert str(exc).startswith(str(cut))
    else:
        assert (
            transcript.duration_s <= 6.0
            and "fellow americans" in " ".join(u.text for u in transcript.utterances).lower()
        )


def test_missing_audio(whisper, tmp_path):
    with pytest.raises(SourceNotFound):
        whisper.transcribe(tmp_path / "nope.wav", "int_missing")


def test_a_decoder_loop_is_dropped_and_repeated_speech_is_not():
    from transcribe.engine import _looping

    assert _looping(
        "Thank you. Thank you. Thank you. Thank you. Thank you. Thank you.".lower().split()
    )
    assert _looping("so the so the so the so the so the so the so the".split())
    assert not _looping("no no no no".split())  # people do say that
    jfk = "ask not what your country can do for you and so my fellow americans ask what you can do for your country"
    assert not _looping(
        (jfk + " " + jfk).split()
    )  # the same line said twice is speech, however repetitive


def test_a_customer_who_repeats_themselves_is_still_heard(whisper, tmp_path):
    """Kennedy's line said five times on the customer's channel, between the rep's turns: every time is kept."""
    from tests.speech import clip, jfk_pieces

    turns = []
    for n in range(5):
        turns += [("austen", clip(AUSTEN[n])), ("jfk", jfk_pieces()[1])]
    path, truth = mix(tmp_path / "repeats.wav", turns, gap_s=1.0, stereo=True)
    transcript = whisper.transcribe(path, "int_repeats")
    heard = [
        u
        for u in transcript.utterances
        if u.speaker.role == "customer" and "country" in u.text.lower()
    ]
    assert len(heard) == 5, [u.text for u in transcript.utterances]


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "sequential"])
def test_decoding_uses_the_call_settings(whisper, batched, monkeypatch):
    """What faster-whisper is asked for: VAD, no previous text as a prompt, the no-speech guard, and (sequential)
    the hallucination-silence guard; the documented defaults of TranscribeOptions."""
    engine = _engine(whisper, batched=batched)
    seen = {}
    target = engine.model if not batched else None

    def spy(original):
        def call(audio, **kwargs):
            seen.update(kwargs)
            return original(audio, **kwargs)

        return call

    if batched:
        engine.transcribe(SPEECH_DIR / f"{JFK}.wav", "int_warm")  # builds the batched pipeline
        monkeypatch.setattr(engine._batched, "transcribe", spy(engine._batched.transcribe))
    else:
        assert target is not None
        monkeypatch.setattr(target, "transcribe", spy(target.transcribe))
    engine.transcribe(SPEECH_DIR / f"{JFK}.wav", "int_settings")
    assert seen["vad_filter"] is True and seen["condition_on_previous_text"] is False
    assert (
        seen["no_speech_threshold"] == 0.6
        and seen["log_prob_threshold"] == -1.0
        and seen["word_timestamps"]
    )
    assert seen["beam_size"] == 5 and seen.get("hallucination_silence_threshold") == (
        None if batched else 2.0
    )
    assert (seen.get("batch_size") == 4) == batched
