"""Checking a recording at ingest (PyAV, which faster-whisper decodes with): type, size, an audio stream, a duration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from models.errors import MalformedSource, SourceNotFound, UnreadableSource, UnsupportedSource

__all__ = ["AUDIO_SUFFIXES", "AudioInfo", "audio_duration", "probe"]

AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".ogg", ".oga", ".opus", ".flac", ".webm", ".mp4")


@dataclass(frozen=True)
class AudioInfo:
    channels: int
    duration_s: float | None  # as the container states it; None when it does not say


def probe(path: Path) -> AudioInfo:
    """Validate a recording without decoding it all; raises an InputError naming the file."""
    if not path.exists():
        raise SourceNotFound(path)
    if path.is_dir():
        raise UnreadableSource("is a directory, not an audio file", path)
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise UnsupportedSource(
            f"unsupported audio type {path.suffix or '(none)'} (expected {', '.join(AUDIO_SUFFIXES)})",
            path,
        )
    if path.stat().st_size == 0:
        raise MalformedSource("file is empty", path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MalformedSource("no audio stream in the file", path)
            channels = int(container.streams.audio[0].codec_context.channels or 1)
            duration = container.duration / av.time_base if container.duration else None
    except av.FFmpegError as exc:
        raise MalformedSource(f"cannot decode audio: {exc.strerror or exc}", path) from None
    except PermissionError:
        raise UnreadableSource("permission denied", path) from None
    return AudioInfo(channels, duration)


def audio_duration(path: Path) -> float | None:
    """The container's stated duration in seconds (None when it does not say or cannot be read); for progress bars."""
    try:
        with av.open(str(path)) as container:
            return container.duration / av.time_base if container.duration else None
    except (av.FFmpegError, OSError):
        return None
