"""Reading audio files (PyAV, through faster-whisper) into 16 kHz float32 channels, with clear errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from faster_whisper import decode_audio

from models.errors import MalformedSource, SourceNotFound, UnreadableSource, UnsupportedSource

__all__ = ["AUDIO_SUFFIXES", "SAMPLE_RATE", "Audio", "load_audio"]

SAMPLE_RATE = 16_000
AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".ogg", ".oga", ".opus", ".flac", ".webm", ".mp4")
SILENCE_PEAK = 1e-4


@dataclass(frozen=True)
class Audio:
    channels: tuple[np.ndarray, ...]  # one array per channel (1 or 2), 16 kHz float32

    @property
    def duration_s(self) -> float:
        return len(self.channels[0]) / SAMPLE_RATE if self.channels else 0.0

    @property
    def silent(self) -> bool:
        return all(channel.size == 0 or float(np.abs(channel).max()) < SILENCE_PEAK for channel in self.channels)


def _channel_count(path: Path) -> int:
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MalformedSource("no audio stream in the file", path)
            return int(container.streams.audio[0].codec_context.channels or 1)
    except av.FFmpegError as exc:
        raise MalformedSource(f"cannot decode audio: {exc.strerror or exc}", path) from None


def load_audio(path: Path) -> Audio:
    """Mono files give one channel; stereo files give (left, right)."""
    if not path.exists():
        raise SourceNotFound(path)
    if path.is_dir():
        raise UnreadableSource("is a directory, not an audio file", path)
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise UnsupportedSource(f"unsupported audio type {path.suffix or '(none)'} (expected {', '.join(AUDIO_SUFFIXES)})", path)
    if path.stat().st_size == 0:
        raise MalformedSource("file is empty", path)
    stereo = _channel_count(path) >= 2
    try:
        decoded = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=stereo)
    except av.FFmpegError as exc:
        raise MalformedSource(f"cannot decode audio: {exc.strerror or exc}", path) from None
    except PermissionError:
        raise UnreadableSource("permission denied", path) from None
    channels = tuple(decoded) if stereo else (decoded,)
    return Audio(tuple(np.asarray(c, dtype=np.float32) for c in channels))
