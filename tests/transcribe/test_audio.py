import pytest

from tests.audio import encode, tone, write_wav
from transcribe.audio import load_audio


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("call.flac", "flac"),
        ("call.ogg", "libopus"),
        ("call.mp3", "libmp3lame"),
        ("call.m4a", "aac"),
    ],
)
def test_compressed_formats_decode_with_their_channels(tmp_path, name, codec):
    mono = load_audio(encode(tmp_path / f"mono-{name}", codec, tone(3.0)))
    assert len(mono.channels) == 1 and mono.duration_s == pytest.approx(3.0, abs=0.15)
    stereo = load_audio(
        encode(tmp_path / f"stereo-{name}", codec, tone(3.0, 0, 1.0), tone(3.0, 2.0, 1.0))
    )
    assert len(stereo.channels) == 2
    left, right = stereo.channels
    assert abs(left[:16000]).max() > 0.1 and abs(right[:16000]).max() < 0.05  # the left talks first


def test_wav_round_trip(tmp_path):
    audio = load_audio(write_wav(tmp_path / "x.wav", tone(2.0)))
    assert audio.duration_s == 2.0 and not audio.silent


def test_windows_keep_memory_bounded_and_lose_nothing(tmp_path):
    import tracemalloc

    import numpy as np

    from transcribe.audio import iter_windows

    path = write_wav(tmp_path / "long.wav", tone(120.0))  # 7.7 MB as float32 if decoded whole
    tracemalloc.start()
    total = 0
    for offset, window in iter_windows(path, 10.0):
        assert offset == total / 16000
        total += len(window.channels[0])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == 120 * 16000
    assert peak < 3 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for 10 s windows"
    from faster_whisper import decode_audio

    reference = decode_audio(
        str(path), sampling_rate=16000
    )  # faster-whisper's own whole-file decoder
    again = np.concatenate([w.channels[0] for _, w in iter_windows(path, 10.0)])
    assert np.array_equal(reference, again)
    assert np.array_equal(load_audio(path).channels[0], reference)
