"""Reading one source file into records: interactions with transcripts, or usage events."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.files import parse_json, parse_jsonl, read_bytes, read_text
from ingest.formats import ROLE_ALIASES, TicketIn, TranscriptFile, UsageIn, speaker_from
from ingest.validation import validated
from models.errors import MalformedSource, UnsupportedSource
from models.records import Interaction, Speaker, Transcript, UsageEvent, Utterance

__all__ = ["IngestDefaults", "IngestItem", "ParsedSource", "read_source"]


@dataclass(frozen=True)
class IngestDefaults:
    """Values a user gives on the command line: they fill in what a file leaves out."""

    customer_id: str | None = None
    rep: str | None = None


@dataclass(frozen=True)
class IngestItem:
    interaction: Interaction
    transcript: Transcript
    customer_name: str | None = None


@dataclass
class ParsedSource:
    path: Path
    items: list[IngestItem] = field(default_factory=list)
    usage_events: list[UsageEvent] = field(default_factory=list)


def read_source(path: Path, defaults: IngestDefaults = IngestDefaults()) -> ParsedSource:
    """Parse ``path`` by its extension and content; raises an InputError naming the file."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".jsonl", ".ndjson"):
        raise UnsupportedSource(f"unsupported file type {suffix or '(none)'} (expected .json or .jsonl)", path)
    data = read_bytes(path)
    text = read_text(path, data)
    if not text.strip():
        raise MalformedSource("file is empty", path)
    if suffix == ".json":
        value = parse_json(path, text)
        if not isinstance(value, dict):
            raise MalformedSource("expected a JSON object with 'utterances'", path)
        if "utterances" not in value:
            raise MalformedSource("not a transcript: no 'utterances' field", path)
        return ParsedSource(path, items=[_transcript(path, data, value, defaults)])
    return _json_lines(path, parse_jsonl(path, text), defaults)


def _customer(path: Path, given: str | None, defaults: IngestDefaults, where: str = "") -> str:
    customer = defaults.customer_id or given
    if not customer:
        raise MalformedSource(f"{where}no customer_id (add it to the file or pass --customer)", path)
    return customer


def _transcript(path: Path, data: bytes, value: dict[str, Any], defaults: IngestDefaults) -> IngestItem:
    parsed = validated(path, lambda: TranscriptFile.model_validate(value))
    occurred = parsed.occurred_at or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    interaction = validated(
        path,
        lambda: Interaction.from_content(
            data,
            customer_id=_customer(path, parsed.customer_id, defaults),
            kind="call",
            occurred_at=occurred,
            source=str(path),
            rep=defaults.rep or parsed.rep,
            title=parsed.title,
            metadata={"format": "callintel-json"},
        ),
    )
    utterances = [
        validated(
            path,
            lambda i=i, u=u: Utterance(
                index=i, speaker=speaker_from(u.speaker, i), start_s=u.start_s, end_s=u.end_s, text=u.text.strip()
            ),
            where=f"utterances.{i}",
        )
        for i, u in enumerate(parsed.utterances)
    ]
    duration = parsed.duration_s or max((u.end_s or 0.0 for u in utterances), default=None) or None
    transcript = Transcript(
        interaction_id=interaction.id,
        language=parsed.language,
        duration_s=duration,
        engine="import",
        model=None,
        utterances=utterances,
    )
    return IngestItem(interaction, transcript, parsed.customer_name)


def _json_lines(path: Path, rows: list[tuple[int, Any]], defaults: IngestDefaults) -> ParsedSource:
    result = ParsedSource(path)
    for number, value in rows:
        where = f"line {number}: "
        if not isinstance(value, dict):
            raise MalformedSource(f"{where}expected a JSON object", path)
        if "messages" in value or "body" in value:
            result.items.append(_ticket(path, value, defaults, where))
        elif "kind" in value and "occurred_at" in value:
            event = validated(path, lambda v=value: UsageIn.model_validate(v), where=f"line {number}")
            customer = _customer(path, event.customer_id, defaults, where)
            result.usage_events.append(
                UsageEvent(customer_id=customer, kind=event.kind, occurred_at=event.occurred_at, properties=event.properties)
            )
        else:
            raise MalformedSource(f"{where}neither a ticket (messages/body) nor a usage event (kind, occurred_at)", path)
    return result


def _ticket(path: Path, value: dict[str, Any], defaults: IngestDefaults, where: str) -> IngestItem:
    parsed = validated(path, lambda: TicketIn.model_validate(value), where=where.rstrip(": "))
    try:
        thread = parsed.thread()
    except ValueError as exc:
        raise MalformedSource(f"{where}{exc}", path) from None
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
    interaction = Interaction.from_content(
        canonical,
        customer_id=_customer(path, parsed.customer_id, defaults, where),
        kind="ticket",
        occurred_at=parsed.created_at,
        source=f"{path}#{parsed.id or hashlib.sha256(canonical).hexdigest()[:8]}",
        rep=defaults.rep or parsed.rep,
        title=parsed.subject,
        metadata={"format": "ticket-jsonl", "ticket_id": parsed.id},
    )
    utterances = [
        Utterance(
            index=i,
            speaker=Speaker(role=ROLE_ALIASES[m.sender.strip().lower()], label=m.sender),
            text=m.text.strip(),
        )
        for i, m in enumerate(thread)
    ]
    transcript = Transcript(interaction_id=interaction.id, engine="import", utterances=utterances)
    return IngestItem(interaction, transcript, parsed.customer_name)
