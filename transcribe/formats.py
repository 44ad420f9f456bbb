"""A Transcript as plain text, SRT or WebVTT."""

from __future__ import annotations

from models.clock import clock
from models.records import Transcript, Utterance

__all__ = ["to_srt", "to_text", "to_vtt"]


def _clock(seconds: float, separator: str) -> str:
    return clock(seconds, millis=separator)


def _who(utterance: Utterance) -> str:
    role = utterance.speaker.role
    return role if role != "unknown" else utterance.speaker.label


def to_text(transcript: Transcript) -> str:
    return "".join(
        f"[{_clock(u.start_s or 0.0, '.')}] {_who(u)}: {u.text}\n" for u in transcript.utterances
    )


def to_srt(transcript: Transcript) -> str:
    blocks = [
        f"{n}\n{_clock(u.start_s or 0.0, ',')} --> {_clock(u.end_s or u.start_s or 0.0, ',')}\n{_who(u)}: {u.text}\n"
        for n, u in enumerate(transcript.utterances, start=1)
    ]
    return "\n".join(blocks)


def to_vtt(transcript: Transcript) -> str:
    cues = [
        f"{_clock(u.start_s or 0.0, '.')} --> {_clock(u.end_s or u.start_s or 0.0, '.')}\n<v {_who(u)}>{u.text}\n"
        for u in transcript.utterances
    ]
    return "WEBVTT\n\n" + "\n".join(cues)
