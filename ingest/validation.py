"""Turning pydantic validation failures into one readable line naming the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError

from models.errors import MalformedSource
from models.interactions_repo import TEXT_LIMITS

if TYPE_CHECKING:
    from ingest.parsed import ParsedSource

T = TypeVar("T")


def describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
    return f"{where + ': ' if where else ''}{message}{more}"


def validated(path: Path, build: Callable[[], T], where: str = "") -> T:
    """Run ``build`` and report a validation failure as MalformedSource on ``path``."""
    try:
        return build()
    except ValidationError as exc:
        prefix = f"{where}: " if where else ""
        raise MalformedSource(f"{prefix}{describe(exc)}", path) from None


def check_text(path: Path, text: str, where: str, limit: int) -> None:
    """Refuse a text (an utterance, a ticket message, a field) over ``limit`` characters (the caller's
    Settings.max_line_chars, CALLINTEL_MAX_LINE_CHARS) or with a NUL."""
    if len(text) > limit:
        raise MalformedSource(
            f"{where}: {len(text)} characters long (at most {limit}: CALLINTEL_MAX_LINE_CHARS)",
            path,
        )
    if "\x00" in text:
        raise MalformedSource(f"{where}: contains a NUL character", path)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedSource(f"{where}: contains a lone surrogate (not text)", path) from None


INTERACTION_LIMITS = {field: TEXT_LIMITS[field] for field in ("rep", "title", "kind")}
LABEL_LIMIT = TEXT_LIMITS["speaker_label"]
NAME_LIMIT = TEXT_LIMITS["customer_name"]
LANGUAGE_LIMIT = TEXT_LIMITS["language"]


def _check_field(
    path: Path, value: str | None, where: str, max_chars: int, limit: int | None = None
) -> None:
    if value is None:
        return
    check_text(path, value, where, max_chars)
    if limit is not None and len(value) > limit:
        raise MalformedSource(f"{where}: {len(value)} characters long (at most {limit})", path)


def check_parsed(path: Path, parsed: ParsedSource, max_chars: int) -> None:
    """What every reader's output must be before it is stored (the store's column sizes, no NUL, texts of at most
    ``max_chars`` characters)."""
    for number, item in enumerate(parsed.items):
        where = (
            f"{item.interaction.kind} {number}" if len(parsed.items) > 1 else item.interaction.kind
        )
        for field, limit in INTERACTION_LIMITS.items():
            _check_field(
                path, getattr(item.interaction, field), f"{where}: {field}", max_chars, limit
            )
        _check_field(path, item.interaction.customer_id, f"{where}: customer_id", max_chars)
        _check_field(path, item.interaction.source, f"{where}: source", max_chars)
        _check_field(path, item.customer_name, f"{where}: customer_name", max_chars, NAME_LIMIT)
        if item.transcript is not None:
            _check_field(
                path, item.transcript.language, f"{where}: language", max_chars, LANGUAGE_LIMIT
            )
        for utterance in item.transcript.utterances if item.transcript else ():
            _check_field(path, utterance.text, f"{where}: utterance {utterance.index}", max_chars)
            _check_field(
                path,
                utterance.speaker.label,
                f"{where}: utterance {utterance.index} speaker",
                max_chars,
                LABEL_LIMIT,
            )
    for number, event in enumerate(parsed.usage_events):
        _check_field(path, event.customer_id, f"usage event {number}: customer_id", max_chars)
        _check_field(path, event.kind, f"usage event {number}: kind", max_chars)
