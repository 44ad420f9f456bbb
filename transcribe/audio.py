"""Reading audio files (PyAV, through faster-whisper) into 16 kHz float32 channels, with clear errors."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from ingest.audio import AUDIO_SUFFIXES, audio_duration, probe
from models.errors import MalformedSource

__all__ = ["AUDIO_SUFFIXES", "SAMPLE_RATE", "Audio", "audio_duration", "iter_windows", "load_audio"]

SAMPLE_RATE = 16_000
SILENCE_PEAK = 1e-4


@dataclass(frozen=True)
class Audio:
    channels: tuple[np.ndarray, ...]  # one array per channel (1 or 2), 16 kHz float32

    @property
    def duration_s(self) -> float:
        return len(self.channels[0]) / SAMPLE_RATE if self.channels else 0.0

    @property
    def silent(self) -> bool:
        return all(
            channel.size == 0 or float(np.abs(channel).max()) < SILENCE_PEAK
            for channel in self.channels
        )


def iter_windows(path: Path, window_s: float) -> Iterator[tuple[float, Audio]]:
    """(offset in seconds, audio) windows of at most ``window_s``, decoded as a stream: memory stays bounded
    by the window, however long the recording."""
    layout = "stereo" if probe(path).channels >= 2 else "mono"
    size = int(window_s * SAMPLE_RATE)
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
    pending: list[np.ndarray] = []
    held, offset = 0, 0.0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            frames = itertools.chain.from_iterable(
                resampler.resample(f) for f in container.decode(stream)
            )
            for frame in itertools.chain(frames, resampler.resample(None)):
                pending.append(frame.to_ndarray())
                held += pending[-1].shape[1]
                while held >= size:
                    block = np.concatenate(pending, axis=1)
                    yield offset, Audio(tuple(block[:, :size]))
                    offset += size / SAMPLE_RATE
                    pending, held = [block[:, size:]], block.shape[1] - size
    except av.FFmpegError as exc:
        raise MalformedSource(f"cannot decode audio: {exc.strerror or exc}", path) from None
    if held:
        yield offset, Audio(tuple(np.concatenate(pending, axis=1)))


def load_audio(path: Path) -> Audio:
    """The whole file at once (the windows of iter_windows joined): one channel for mono, (left, right) for stereo."""
    windows = [window.channels for _, window in iter_windows(path, 600.0)]
    if not windows:
        return Audio((np.zeros(0, dtype=np.float32),))
    return Audio(tuple(np.concatenate(parts) for parts in zip(*windows, strict=True)))
