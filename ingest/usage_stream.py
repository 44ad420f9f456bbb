"""A usage export streamed into the store: read one line at a time, stored USAGE_BATCH events at a time.

A file of usage events only (JSON Lines whose every line is a usage event; a CSV with ``kind`` and ``occurred_at``
columns and no ticket or account-data columns) is never held whole: its events are read, validated and checked
as the whole-file reader does (ingest/readers.py's ``usage_event`` and ``check_parsed``) and stored in chunks of
USAGE_BATCH inside the file's one transaction, so that memory is bounded by a chunk (and the customers seen) and
a bad line anywhere still stores nothing. Anything else (a line that is a ticket or account data, a line that
is not JSON, an event that fails validation, a byte that is not UTF-8, a file past the size limit) rolls the
transaction back and leaves the file to the whole-file reader, which stores a mixed file as before and words the
one-line error of a bad one (with the line number) exactly as before.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

from ingest.files import MAX_BYTES, iter_jsonl
from ingest.metadata import SourceMeta, resolve_meta
from ingest.parsed import ParsedSource
from ingest.readers import (
    IngestDefaults,
    csv_usage_event,
    is_usage_value,
    record_type,
    usage_event,
)
from ingest.tickets import TICKET_TEXT_COLUMNS
from ingest.validation import check_parsed
from models import interactions_repo, usage_repo
from models.accounts import COMMERCIAL_KINDS
from models.errors import MalformedSource
from models.records import UsageEvent
from models.store import USAGE_BATCH, Store

__all__ = ["NotPlainUsage", "store_usage_file", "usage_chunks"]

JSONL_SUFFIXES = (".jsonl", ".ndjson")
Check = Callable[[ParsedSource], None]


class NotPlainUsage(Exception):
    """The file is not (only, or not well-formed) usage events: the whole-file reader takes it."""


def _jsonl_events(path: Path, meta: SourceMeta) -> Iterator[UsageEvent]:
    for number, value in iter_jsonl(path):
        if not isinstance(value, dict) or not is_usage_value(value):
            raise NotPlainUsage(f"line {number} is not a usage event")
        yield usage_event(path, value, meta, f"line {number}: ")


def _csv_events(path: Path, meta: SourceMeta) -> Iterator[UsageEvent]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        if columns & set(TICKET_TEXT_COLUMNS) or not {"kind", "occurred_at"} <= columns:
            raise NotPlainUsage("not a usage CSV")
        if record_type(columns) is not None or record_type(columns, COMMERCIAL_KINDS) is not None:
            raise NotPlainUsage("account data columns (the row kinds decide)")
        for number, row in enumerate(reader, start=2):
            yield csv_usage_event(
                path, {k: (v or "").strip() for k, v in row.items() if k}, meta, number
            )


def _events(path: Path, meta: SourceMeta) -> Iterator[UsageEvent]:
    if path.suffix.lower() in JSONL_SUFFIXES:
        return _jsonl_events(path, meta)
    if path.suffix.lower() == ".csv":
        return _csv_events(path, meta)
    raise NotPlainUsage(f"{path.suffix} is not a usage export")


def usage_chunks(
    path: Path, meta: SourceMeta, max_chars: int, size: int = USAGE_BATCH
) -> Iterator[list[UsageEvent]]:
    """The file's events, ``size`` at a time, each chunk checked as a parsed file is; NotPlainUsage where the
    file is for the whole-file reader."""
    if not path.is_file() or path.stat().st_size > MAX_BYTES:
        raise NotPlainUsage("not a regular file within the size limit")
    events = _events(path, meta)
    try:
        while chunk := list(islice(events, size)):
            check_parsed(path, ParsedSource(path, usage_events=chunk), max_chars)
            yield chunk
    except (MalformedSource, UnicodeDecodeError, csv.Error, OSError) as exc:
        raise NotPlainUsage(str(exc)) from None


def _store_chunks(
    store: Store, path: Path, chunks: Iterable[list[UsageEvent]], check: Check | None
) -> int:
    """Every chunk in one transaction: the customers not seen yet, then the events (the usage repository's bounded INSERT ...
    ON CONFLICT DO NOTHING); ``check`` sees the first chunk before anything is stored. A file without an event
    is the whole-file reader's (an empty file is an error there)."""
    new, seen = 0, set[str]()
    with store.transaction() as session:
        for number, chunk in enumerate(chunks):
            if number == 0 and check is not None:
                check(ParsedSource(path, usage_events=chunk))
            customers = {event.customer_id for event in chunk} - seen
            interactions_repo.ensure_customers(session, {}, customers)
            seen |= customers
            new += usage_repo.add_usage_events(session, chunk)
        if not seen:
            raise NotPlainUsage("no usage event")
    return new


def store_usage_file(
    path: Path,
    store: Store,
    defaults: IngestDefaults,
    check: Check | None = None,
) -> int | None:
    """Stream a usage export into the store in one transaction; the new events, or None when the file is not a
    well-formed usage export (nothing of it stored: the whole-file reader takes it)."""
    if path.suffix.lower() not in (*JSONL_SUFFIXES, ".csv"):
        return None
    try:
        meta = resolve_meta(path, defaults.meta())
    except (csv.Error, MalformedSource, OSError):
        return None
    try:
        return _store_chunks(store, path, usage_chunks(path, meta, defaults.max_line_chars), check)
    except NotPlainUsage:
        return None
