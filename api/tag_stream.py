"""``callintel tag``: utterances on stdin, one JSON object per line on stdout, in order, streaming.

Lines are gathered into batches of up to ``batch_size``; a batch is tagged as
soon as it is full or as soon as the input pauses, and its output is flushed, so
an endless pipe gets answers as it goes.

A line longer than ``max_chars`` (CALLINTEL_MAX_LINE_CHARS) stops the run with one error naming it, after the
lines before it are answered. Reading stops as soon as the line cannot fit any more (its bytes pass four times
the limit, the most UTF-8 can take), so an endless line is never held in memory whole.
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
DEFAULT_MAX_CHARS = 100_000
Line = tuple[int, bytes | None]  # (line number, raw line); None: a line too long to read


def _too_long(number: int, max_chars: int) -> MalformedSource:
    return MalformedSource(
        f"line {number}: longer than {max_chars} characters (CALLINTEL_MAX_LINE_CHARS)", STDIN
    )


def line_batches(
    stream: BinaryIO, size: int, pause_s: float = 0.05, max_chars: int = DEFAULT_MAX_CHARS
) -> Iterator[list[Line]]:
    """(line number, raw line) batches: full ones, or what has arrived when the input pauses. A line that cannot
    fit ``max_chars`` comes as (number, None), last: nothing after it is read."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    if fd is None:
        yield from _simple_batches(stream, size, max_chars)
        return
    yield from _fd_batches(fd, size, pause_s, max_chars * 4)


def _fd_batches(fd: int, size: int, pause_s: float, max_bytes: int) -> Iterator[list[Line]]:
    pending, number = b"", 0
    batch: list[Line] = []
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
            batch.append((number, line if len(line) <= max_bytes else None))
            if batch[-1][1] is None:
                yield batch
                return
            if len(batch) >= size:
                yield batch
                batch = []
        if len(pending) > max_bytes:
            yield [*batch, (number + 1, None)]
            return


def _simple_batches(stream: BinaryIO, size: int, max_chars: int) -> Iterator[list[Line]]:
    batch: list[Line] = []
    number = 0
    while line := stream.readline(max_chars * 4 + 1):
        number += 1
        overlong = len(line) > max_chars * 4
        batch.append((number, None if overlong else line.rstrip(b"\n")))
        if len(batch) >= size or overlong:
            yield batch
            batch = []
        if overlong:
            return
    if batch:
        yield batch


def parse_line(
    number: int, raw: bytes | None, max_chars: int = DEFAULT_MAX_CHARS
) -> tuple[TagInput, bool]:
    """A plain-text line or a JSON object with ``text`` (and optional ``speaker``); True when a speaker was given."""
    if raw is None:
        raise _too_long(number, max_chars)
    try:
        text = raw.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise MalformedSource(
            f"line {number}: not UTF-8 (bad byte at offset {exc.start})", STDIN
        ) from None
    if len(text) > max_chars:
        raise _too_long(number, max_chars)
    if not text.lstrip().startswith("{"):
        return TagInput(text), False
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedSource(
            f"line {number}: malformed JSON: {exc.msg} (column {exc.colno})", STDIN
        ) from None
    if not isinstance(value.get("text"), str):
        raise MalformedSource(f"line {number}: a JSON line needs a string 'text' field", STDIN)
    speaker = value.get("speaker")
    if speaker is not None and not isinstance(speaker, str | dict):
        raise MalformedSource(
            f"line {number}: 'speaker' must be a string such as \"customer\"", STDIN
        )
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
        {
            "label": t.label,
            **({"entity": t.entity} if t.entity else {}),
            "score": t.score,
            "start": t.start,
            "end": t.end,
            "evidence": t.evidence,
        }
        for t in result.tags
    ]
    return json.dumps(out, ensure_ascii=False)


def _tag_batch(tagger: Tagger, batch: list[Line], out: TextIO, max_chars: int) -> None:
    parsed, failure = [], None
    for number, raw in batch:
        try:
            parsed.append(parse_line(number, raw, max_chars))
        except MalformedSource as exc:
            failure = exc
            break
    results = tagger.tag(item for item, _ in parsed) if parsed else []
    for (_, with_speaker), result in zip(parsed, results, strict=True):
        out.write(render(result, with_speaker) + "\n")
    out.flush()
    if failure is not None:
        raise failure


def run_tag(
    tagger: Tagger,
    stdin: BinaryIO,
    stdout: TextIO,
    batch_size: int,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> int:
    """Tag every line of ``stdin``; returns how many lines were tagged. MalformedSource at the first bad line
    (or one longer than ``max_chars``), after the lines before it are written."""
    count = 0
    for batch in line_batches(stdin, batch_size, max_chars=max_chars):
        _tag_batch(tagger, batch, stdout, max_chars)
        count += len(batch)
    return count
