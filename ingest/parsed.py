"""What reading a source gives: interactions with their transcripts, usage events; and the helpers readers share."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.metadata import SourceMeta
from ingest.validation import validated
from models.accounts import Account, CommercialEvent, Contact, Invoice, SurveyResponse
from models.accounts_repo import AccountBatch
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
    """What a file holds. Account data (ingest/accounts.py) comes with the rows that were skipped (``problems``:
    one line each); a survey comment's ticket is in ``survey_tickets`` (by the survey's dedup key), not ``items``."""

    path: Path
    items: list[IngestItem] = field(default_factory=list)
    usage_events: list[UsageEvent] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    commercial: list[CommercialEvent] = field(default_factory=list)
    surveys: list[SurveyResponse] = field(default_factory=list)
    survey_tickets: dict[str, IngestItem] = field(default_factory=dict)
    problems: list[MalformedSource] = field(default_factory=list)

    def account_batch(self) -> AccountBatch:
        links = {key: item.interaction.id for key, item in self.survey_tickets.items()}
        return AccountBatch(
            self.accounts, self.contacts, self.invoices, self.commercial, self.surveys, links
        )

    def account_rows(self) -> int:
        batch = self.account_batch()
        return sum(
            len(group)
            for group in (
                batch.accounts,
                batch.contacts,
                batch.invoices,
                batch.commercial,
                batch.surveys,
            )
        )

    def interactions(self) -> list[IngestItem]:
        """Every interaction to store: the file's, and its survey comments' tickets."""
        return [*self.items, *self.survey_tickets.values()]

    def merge(self, other: ParsedSource) -> None:
        """Add ``other``'s records (a JSON Lines file is read line by line)."""
        for name in (
            "items",
            "usage_events",
            "accounts",
            "contacts",
            "invoices",
            "commercial",
            "surveys",
        ):
            getattr(self, name).extend(getattr(other, name))
        self.survey_tickets.update(other.survey_tickets)
        self.problems.extend(other.problems)


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
