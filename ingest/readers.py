"""Reading one source file into records, by its type: recordings, transcripts, tickets, usage events.

| suffix | content |
| --- | --- |
| .wav .mp3 .m4a .ogg .oga .opus .flac .webm .mp4 | a call recording (transcribed by the pipeline) |
| .json | our call transcript (``utterances``), or tickets (a list, or ``{"tickets": [...]}``) |
| .jsonl .ndjson | tickets (``messages`` or ``body``), account data and/or usage events (``kind``, ``occurred_at``) |
| .csv | tickets (a ``body``/``text``/``message`` column, one row per message), account data or usage events |

Account data (accounts, contacts, invoices, commercial events, surveys) is read by ingest/accounts.py.
| .vtt .srt | captions as a call transcript (speakers from ``<v Name>`` or "Name: text") |
| .txt | a "Speaker: text" call transcript, optionally with times |
| .eml | an email ticket, its quoted thread split into messages |
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.accounts import add_record, parse_record, read_rows, record_type
from ingest.audio import AUDIO_SUFFIXES, probe
from ingest.files import (
    MANIFEST_NAME,
    check_regular,
    parse_json,
    parse_jsonl_lines,
    read_bytes,
    read_text,
)
from ingest.metadata import SourceMeta, resolve_meta
from ingest.parsed import IngestItem, ParsedSource, customer_of, file_digest, new_item
from ingest.tickets import TICKET_TEXT_COLUMNS, read_eml, ticket_from_value, tickets_from_csv
from ingest.transcripts import read_json_transcript, read_subtitles, read_text_transcript
from ingest.validation import check_parsed, validated
from models.errors import MalformedSource, UnsupportedSource
from models.records import UsageEvent
from models.settings import Settings

__all__ = ["IngestDefaults", "IngestItem", "ParsedSource", "SUFFIXES", "read_source"]


DEFAULT_MAX_LINE_CHARS: int = Settings.model_fields["max_line_chars"].default


@dataclass(frozen=True)
class IngestDefaults:
    """Values a user gives on the command line (they override sidecars, manifests and the files) and the
    settings the readers apply (``max_line_chars``: Settings.max_line_chars, given by the caller)."""

    customer_id: str | None = None
    rep: str | None = None
    rep_email_domains: tuple[str, ...] = ()
    max_line_chars: int = DEFAULT_MAX_LINE_CHARS

    def meta(self) -> SourceMeta:
        return SourceMeta(customer_id=self.customer_id, rep=self.rep)


def _audio(path: Path, meta: SourceMeta, _: IngestDefaults) -> ParsedSource:
    info = probe(path)
    found = {
        "metadata": {
            "format": "audio",
            "audio_path": str(path.resolve()),
            "channels": info.channels,
            "duration_s": info.duration_s,
            "rep_channel": meta.rep_channel,
            "rep_speaker": meta.rep_speaker,
        }
    }
    return ParsedSource(path, items=[new_item(path, file_digest(path), "call", meta, found, None)])


def _text(path: Path) -> tuple[bytes, str]:
    data = read_bytes(path)
    text = read_text(path, data)
    if not text.strip():
        raise MalformedSource("file is empty", path)
    return data, text


def _json(path: Path, meta: SourceMeta, defaults: IngestDefaults) -> ParsedSource:
    data, text = _text(path)
    value = parse_json(path, text)
    limit = defaults.max_line_chars
    if isinstance(value, dict) and "utterances" in value:
        item = read_json_transcript(path, _digest(data), value, meta, limit)
        return ParsedSource(path, items=[item])
    tickets = value.get("tickets") if isinstance(value, dict) else value
    if isinstance(value, dict) and tickets is None and ("messages" in value or "body" in value):
        tickets = [value]
    if not isinstance(tickets, list):
        raise MalformedSource(
            "expected a transcript (an object with 'utterances') or tickets (a list)", path
        )
    if not all(isinstance(t, dict) for t in tickets):
        raise MalformedSource("every ticket must be a JSON object", path)
    return ParsedSource(
        path,
        items=[
            ticket_from_value(path, t, meta, limit, f"tickets.{i}: ") for i, t in enumerate(tickets)
        ],
    )


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def usage_event(path: Path, value: dict[str, Any], meta: SourceMeta, where: str) -> UsageEvent:
    """One usage event, validated with the record's schema; the customer of the file's metadata wins."""
    fields = {name: value[name] for name in UsageEvent.model_fields if name in value}
    if meta.customer_id or not fields.get("customer_id"):
        fields["customer_id"] = customer_of(path, meta, None, where)
    return validated(path, lambda: UsageEvent.model_validate(fields), where=where.rstrip(": "))


def _jsonl(path: Path, meta: SourceMeta, defaults: IngestDefaults) -> ParsedSource:
    result = ParsedSource(path)
    broken: list[MalformedSource] = []
    for number, value in parse_jsonl_lines(path, _text(path)[1]):
        where = f"line {number}: "
        if isinstance(value, MalformedSource):
            broken.append(value)
            result.problems.append(value)
        elif not isinstance(value, dict):
            raise MalformedSource(f"{where}expected a JSON object", path)
        elif "messages" in value or "body" in value:
            result.items.append(
                ticket_from_value(path, value, meta, defaults.max_line_chars, where)
            )
        elif (kind := record_type(value, [value.get("kind")])) is not None:
            try:
                record = parse_record(path, kind, value, meta, where, defaults.max_line_chars)
                add_record(result, record, f"{path}#line-{number}")
            except MalformedSource as exc:
                result.problems.append(exc)
        elif "kind" in value and "occurred_at" in value:
            result.usage_events.append(usage_event(path, value, meta, where))
        else:
            raise MalformedSource(
                f"{where}neither a ticket (messages/body), account data nor a usage event (kind, occurred_at)",
                path,
            )
    if broken and not (result.account_rows() or len(result.problems) > len(broken)):
        raise broken[
            0
        ]  # a line that is not JSON fails a file of tickets or usage; account data skips it
    return result


def _csv_rows(path: Path) -> tuple[set[str], list[tuple[int, dict[str, str]]], set[int]]:
    """The header's columns, (line number, row) of each row and the rows with more fields than the header; a
    field past csv's size limit is refused."""
    reader = csv.DictReader(io.StringIO(_text(path)[1]))
    rows: list[tuple[int, dict[str, str]]] = []
    ragged: set[int] = set()
    try:
        columns = set(reader.fieldnames or ())
        for number, row in enumerate(reader, start=2):
            if None in row:
                ragged.add(number)
            rows.append((number, {k: (v or "").strip() for k, v in row.items() if k}))
    except csv.Error as exc:
        raise MalformedSource(f"line {reader.line_num}: unreadable CSV: {exc}", path) from None
    return columns, rows, ragged


USAGE_COLUMNS = frozenset(
    {"customer_id", "kind", "occurred_at"}
)  # a usage CSV's other columns: properties


def is_usage_value(value: dict[str, Any]) -> bool:
    """A JSON Lines object that is a usage event: not a ticket, not account data, with kind and occurred_at."""
    if "messages" in value or "body" in value:
        return False
    return record_type(value, [value.get("kind")]) is None and {"kind", "occurred_at"} <= set(value)


def csv_usage_event(path: Path, row: dict[str, str], meta: SourceMeta, number: int) -> UsageEvent:
    """A usage CSV's row (stripped values): its other non-empty columns are the event's properties."""
    return usage_event(
        path,
        {
            **{k: v for k, v in row.items() if k in USAGE_COLUMNS and v},
            "properties": {k: v for k, v in row.items() if k not in USAGE_COLUMNS and v},
        },
        meta,
        f"line {number}: ",
    )


def _csv(path: Path, meta: SourceMeta, defaults: IngestDefaults) -> ParsedSource:
    columns, rows, ragged = _csv_rows(path)
    if columns & set(TICKET_TEXT_COLUMNS):
        return ParsedSource(path, items=tickets_from_csv(path, rows, meta, defaults.max_line_chars))
    kind = record_type(columns, (row.get("kind") for _, row in rows))
    if kind is not None:
        return read_rows(path, kind, rows, meta, defaults.max_line_chars, "row", ragged)
    if {"kind", "occurred_at"} <= columns:
        events = [csv_usage_event(path, row, meta, n) for n, row in rows]
        return ParsedSource(path, usage_events=events)
    raise MalformedSource(
        "a CSV needs a body/text/message column (tickets), account data columns (customer_id with owner, plan, "
        "arr, ...; invoice_id; score and responded_at; user and role; kind, occurred_at and amount or seats) "
        "or kind and occurred_at columns (usage)",
        path,
    )


def _subtitles(path: Path, meta: SourceMeta, defaults: IngestDefaults) -> ParsedSource:
    data, text = _text(path)
    item = read_subtitles(path, _digest(data), text, meta, defaults.max_line_chars)
    return ParsedSource(path, items=[item])


def _plain(path: Path, meta: SourceMeta, defaults: IngestDefaults) -> ParsedSource:
    data, text = _text(path)
    item = read_text_transcript(path, _digest(data), text, meta, defaults.max_line_chars)
    return ParsedSource(path, items=[item])


def _eml(path: Path, meta: SourceMeta, defaults: IngestDefaults) -> ParsedSource:
    data, _ = _text(path)
    return ParsedSource(path, items=[read_eml(path, data, meta, defaults.rep_email_domains)])


Reader = Callable[[Path, SourceMeta, IngestDefaults], ParsedSource]
SUFFIXES: dict[str, Reader] = {
    ".json": _json,
    ".jsonl": _jsonl,
    ".ndjson": _jsonl,
    ".csv": _csv,
    ".vtt": _subtitles,
    ".srt": _subtitles,
    ".txt": _plain,
    ".eml": _eml,
    **dict.fromkeys(AUDIO_SUFFIXES, _audio),
}


def read_source(path: Path, defaults: IngestDefaults = IngestDefaults()) -> ParsedSource:
    """Parse ``path`` by its type; raises an InputError naming the file."""
    check_regular(path)
    reader = SUFFIXES.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedSource(
            f"unsupported file type {path.suffix or '(none)'} (expected one of "
            f"{', '.join(sorted(SUFFIXES))})",
            path,
        )
    try:
        meta = resolve_meta(path, defaults.meta())
    except csv.Error as exc:
        raise MalformedSource(f"unreadable CSV: {exc}", path.parent / MANIFEST_NAME) from None
    parsed = reader(path, meta, defaults)
    check_parsed(path, parsed, defaults.max_line_chars)
    return parsed
