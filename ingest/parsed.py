"""What reading a source gives: interactions with their transcripts, usage events; and the helpers readers share."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.metadata import SourceMeta
from ingest.validation import validated
from models.errors import MalformedSource
from models.records import (
    Interaction,
    InteractionKind,
    Transcript,
    UsageEvent,
    Utterance,
    content_id,
)

__all__ = ["IngestItem", "ParsedSource", "customer_of", "file_digest", "new_item"]


@dataclass(frozen=True)
class IngestItem:
    interaction: Interaction
    transcript: Transcript | None
    customer_name: str | None = None


@dataclass
class ParsedSource:
    path: Path
    items: list[IngestItem] = field(default_factory=list)
    usage_events: list[UsageEvent] = field(default_factory=list)


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in chunks (recordings can be large)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def customer_of(path: Path, meta: SourceMeta, given: str | None, where: str = "") -> str:
    customer = meta.customer_id or given
    if not customer:
        raise MalformedSource(
            f"{where}no customer_id (add it to the file, a sidecar {path.name}.meta.json or a manifest.csv row, "
            "or pass --customer)",
            path,
        )
    return customer


def new_item(
    path: Path,
    digest: str,
    kind: InteractionKind,
    meta: SourceMeta,
    found: dict[str, Any],
    utterances: list[Utterance] | None,
    where: str = "",
    **transcript_fields: Any,
) -> IngestItem:
    """An interaction (and its transcript when ``utterances`` is given): ``meta`` over what the file said (``found``)."""
    occurred = (
        meta.occurred_at
        or found.get("occurred_at")
        or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    )
    interaction = validated(
        path,
        lambda: Interaction(
            id=content_id(digest),
            sha256=digest,
            kind=kind,
            occurred_at=occurred,
            customer_id=customer_of(path, meta, found.get("customer_id"), where),
            source=found.get("source") or str(path),
            rep=meta.rep or found.get("rep"),
            title=meta.title or found.get("title"),
            metadata={k: v for k, v in (found.get("metadata") or {}).items() if v is not None},
        ),
        where=where.rstrip(": "),
    )
    transcript = None
    if utterances is not None:
        if not utterances:
            raise MalformedSource(f"{where}no utterances found", path)
        language = meta.language or transcript_fields.pop("language", None) or "en"
        duration = (
            transcript_fields.pop("duration_s", None)
            or max((u.end_s or 0.0 for u in utterances), default=0)
            or None
        )
        transcript = Transcript(
            interaction_id=interaction.id,
            engine="import",
            language=language,
            duration_s=duration,
            utterances=utterances,
        )
    return IngestItem(interaction, transcript, meta.customer_name or found.get("customer_name"))
