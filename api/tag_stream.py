"""``callintel tag``: utterances on stdin, one JSON object per line on stdout, in order, streaming.

Lines are gathered into batches of up to ``batch_size``; a batch is tagged as
soon as it is full or as soon as the input pauses, and its output is flushed, so
an endless pipe gets answers as it goes.
"""

from __future__ import annotations

import json
import os
import select
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from ingest.formats import speaker_from
from models.errors import MalformedSource
from nlp.tagger import TaggedUtterance, Tagger, TagInput

__all__ = ["line_batches", "parse_line", "render", "run_tag"]

STDIN = "<stdin>"


def line_batches(stream: BinaryIO, size: int, pause_s: float = 0.05) -> Iterator[list[tuple[int, bytes]]]:
    """(line number, raw line) batches: full ones, or what has arrived when the input pauses."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is None:
        yield from _simple_batches(stream, size)
        return
    pending, batch, number = b"", [], 0
    while True:
        ready, _, _ = select.select([fd], [], [], None if not batch else pause_s)
        if not ready:
            yield batch
            batch = []
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            if pending:
                number += 1
                batch.append((number, pending))
            if batch:
                yield batch
            return
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            number += 1
            batch.append((number, line))
            if len(batch) >= size:
                yield batch
                batch = []


def _simple_batches(stream: BinaryIO, size: int) -> Iterator[list[tuple[int, bytes]]]:
    batch = []
    for number, line in enumerate(stream, start=1):
        batch.append((number, line.rstrip(b"\n")))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def parse_line(number: int, raw: bytes) -> tuple[TagInput, bool]:
    """A plain-text line or a JSON object with ``text`` (and optional ``speaker``); True when a speaker was given."""
    try:
        text = raw.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise MalformedSource(f"line {number}: not UTF-8 (bad byte at offset {exc.start})", STDIN) from None
    if not text.lstrip().startswith("{"):
        return TagInput(text), False
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedSource(f"line {number}: malformed JSON: {exc.msg} (column {exc.colno})", STDIN) from None
    if not isinstance(value.get("text"), str):
        raise MalformedSource(f"line {number}: a JSON line needs a string 'text' field", STDIN)
    speaker = value.get("speaker")
    if speaker is not None and not isinstance(speaker, str | dict):
        raise MalformedSource(f"line {number}: 'speaker' must be a string such as \"customer\"", STDIN)
    try:
        role = speaker_from(speaker, 0).role if speaker is not None else "unknown"
    except ValueError as exc:
        raise MalformedSource(f"line {number}: bad speaker: {exc}", STDIN) from None
    return TagInput(value["text"], role), speaker is not None


def render(result: TaggedUtterance, with_speaker: bool) -> str:
    out: dict = {"text": result.text}
    if with_speaker:
        out["speaker"] = result.role
    out["sentiment"] = {"label": result.sentiment.label, "score": result.sentiment.score}
    out["tags"] = [
        {"label": t.label, **({"entity": t.entity} if t.entity else {}), "score": t.score, "start": t.start,
         "end": t.end, "evidence": t.evidence}
        for t in result.tags
    ]
    return json.dumps(out, ensure_ascii=False)


def _tag_batch(tagger: Tagger, batch: list[tuple[int, bytes]], out: TextIO) -> None:
    parsed, failure = [], None
    for number, raw in batch:
        try:
            parsed.append(parse_line(number, raw))
        except MalformedSource as exc:
            failure = exc
            break
    results = tagger.tag(item for item, _ in parsed) if parsed else []
    for (_, with_speaker), result in zip(parsed, results, strict=True):
        out.write(render(result, with_speaker) + "\n")
    out.flush()
    if failure is not None:
        raise failure


def run_tag(tagger: Tagger, stdin: BinaryIO, stdout: TextIO, batch_size: int) -> int:
    """Tag every line of ``stdin``; returns how many lines were tagged."""
    count = 0
    for batch in line_batches(stdin, batch_size):
        _tag_batch(tagger, batch, stdout)
        count += len(batch)
    return count
