"""Call transcripts: our JSON, WebVTT, SRT (both through webvtt-py) and "Speaker: text" plain text.

Speakers become roles: a label that is a role word (rep, agent, customer, client ...) is that role; a label that
names the rep (the ``rep_speaker`` or ``rep`` of the sidecar, manifest or --rep; the first name is enough) is the
rep and every other label the customer. Otherwise roles stay unknown here and the pipeline names the rep from the
opening of the call (transcribe.roles), as it does for mono recordings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from ingest.formats import ROLE_ALIASES, TranscriptFile, UtteranceIn, speaker_from
from ingest.metadata import SourceMeta
from ingest.parsed import IngestItem, new_item
from ingest.validation import check_text, validated
from models.errors import MalformedSource
from models.records import Role, Speaker, Utterance

__all__ = ["read_json_transcript", "read_subtitles", "read_text_transcript", "speakers_for"]

SPEAKER_PREFIX = re.compile(
    r"^\s*(?P<label>[A-Za-z][\w.'-]*(?: [\w.'-]+){0,3})\s*:\s+(?P<text>\S.*)$"
)
TIMESTAMP = r"(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)"
TEXT_LINE = re.compile(
    rf"^\s*(?:[\[(]?{TIMESTAMP}[\])]?\s*[-–]?\s*)?(?P<label>[A-Za-z][\w.'-]*(?: [\w.'-]+){{0,3}})\s*:\s+"
    r"(?P<text>\S.*)$"
)
MERGE_GAP_S = 1.5  # consecutive captions of one speaker closer than this are one utterance


@dataclass
class _Turn:
    label: str
    text: str
    start_s: float | None = None
    end_s: float | None = None
    line: int | None = None  # where it starts, in a text transcript


def _seconds(stamp: str) -> float:
    parts = [float(p.replace(",", ".")) for p in stamp.split(":")]
    return sum(value * 60**power for power, value in enumerate(reversed(parts)))


def speakers_for(labels: list[str], meta: SourceMeta) -> dict[str, Speaker]:
    rep_name = (meta.rep_speaker or meta.rep or "").strip().lower()
    speakers = {
        label: Speaker(role=ROLE_ALIASES[label.lower()], label=label)
        for label in labels
        if label.lower() in ROLE_ALIASES
    }
    named = [label for label in labels if label not in speakers]
    first = rep_name.split()[0] if rep_name else None
    reps = [
        label
        for label in named
        if first and (label.lower() == rep_name or label.lower().split()[0] == first)
    ]
    for label in named:
        role: Role = ("rep" if label in reps else "customer") if reps else "unknown"
        speakers[label] = Speaker(role=role, label=label)
    return speakers


def _utterances(
    path: Path, turns: list[_Turn], meta: SourceMeta, max_chars: int
) -> list[Utterance]:
    for number, turn in enumerate(turns):
        where = f"utterance {number}" + (f" (line {turn.line})" if turn.line else "")
        check_text(path, turn.text, where, max_chars)
    speakers = speakers_for(list(dict.fromkeys(t.label for t in turns)), meta)
    return [
        Utterance(
            index=i,
            speaker=speakers[t.label],
            start_s=t.start_s,
            end_s=t.end_s,
            text=t.text.strip(),
        )
        for i, t in enumerate(turns)
    ]


def _utterance(index: int, given: UtteranceIn) -> Utterance:
    return Utterance(
        index=index,
        speaker=speaker_from(given.speaker, index),
        start_s=given.start_s,
        end_s=given.end_s,
        text=given.text.strip(),
    )


def read_json_transcript(
    path: Path, digest: str, value: dict[str, Any], meta: SourceMeta, max_chars: int
) -> IngestItem:
    parsed = validated(path, lambda: TranscriptFile.model_validate(value))
    for number, utterance in enumerate(parsed.utterances):
        check_text(path, utterance.text, f"utterances.{number}", max_chars)
    utterances = [
        validated(path, partial(_utterance, i, u), where=f"utterances.{i}")
        for i, u in enumerate(parsed.utterances)
    ]
    found = parsed.model_dump(
        include={"customer_id", "customer_name", "occurred_at", "rep", "title"}
    )
    found["metadata"] = {"format": "callintel-json"}
    return new_item(
        path,
        digest,
        "call",
        meta,
        found,
        utterances,
        language=parsed.language,
        duration_s=parsed.duration_s,
    )


def _caption_turns(captions) -> list[_Turn]:
    turns: list[_Turn] = []
    for caption in captions:
        text, label = (
            " ".join(caption.text.split()),
            caption.voice if hasattr(caption, "voice") else None,
        )
        if not text:
            continue
        if not label and (m := SPEAKER_PREFIX.match(text)):
            label, text = m["label"], m["text"]
        start, end = _seconds(caption.start), _seconds(caption.end)
        label = label or "SPEAKER_0"
        last = turns[-1] if turns else None
        if last is not None and last.label == label and start - (last.end_s or 0.0) <= MERGE_GAP_S:
            last.text, last.end_s = f"{last.text} {text}", max(end, last.end_s or end)
        else:
            turns.append(_Turn(label, text, start, end))
    return turns


def read_subtitles(
    path: Path, digest: str, text: str, meta: SourceMeta, max_chars: int
) -> IngestItem:
    """WebVTT (voices ``<v Name>`` or "Name: text" cues) or SRT ("Name: text" cues)."""
    try:
        captions = (
            webvtt.from_string(text)
            if path.suffix.lower() == ".vtt"
            else webvtt.from_srt(str(path))
        )
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        raise MalformedSource(
            f"not a valid {path.suffix.lstrip('.').upper()} file: {exc}", path
        ) from None
    turns = _caption_turns(captions)
    if not turns:
        raise MalformedSource("no captions with text", path)
    fmt = "webvtt" if path.suffix.lower() == ".vtt" else "srt"
    return new_item(
        path,
        digest,
        "call",
        meta,
        {"metadata": {"format": fmt}},
        _utterances(path, turns, meta, max_chars),
    )


def read_text_transcript(
    path: Path, digest: str, text: str, meta: SourceMeta, max_chars: int
) -> IngestItem:
    """Lines of ``Speaker: text``, optionally led by a time (``[00:01:23]``); other lines continue the last turn.

    With times, each turn ends where the next begins (the last one lasts as long as its words take at 150 wpm).
    """
    turns: list[_Turn] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if m := TEXT_LINE.match(line):
            turns.append(
                _Turn(m["label"], m["text"], _seconds(m["ts"]) if m["ts"] else None, line=number)
            )
        elif turns:
            turns[-1].text += " " + line.strip()
        else:
            raise MalformedSource(
                f"line {number}: expected 'Speaker: text' (optionally after a time like [00:01:23])",
                path,
            )
    timed = all(t.start_s is not None for t in turns)
    for turn, following in zip(turns, turns[1:] + [None], strict=True):
        if timed:
            fallback = turn.start_s + len(turn.text.split()) / 2.5  # type: ignore[operator]
            turn.end_s = max(turn.start_s, following.start_s) if following else fallback  # type: ignore[type-var]
        else:
            turn.start_s = None
    return new_item(
        path,
        digest,
        "call",
        meta,
        {"metadata": {"format": "text"}},
        _utterances(path, turns, meta, max_chars),
    )
