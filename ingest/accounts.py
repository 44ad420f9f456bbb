"""Account data files: accounts, contacts, invoices, commercial events and survey responses (CSV or JSON Lines).

Columns (CSV) and keys (JSONL) are the field names of the records in models/accounts.py. The type of a row is
told by its fields (``record_type``); the files' names do not matter. A bad row (a date that is not one, an
unknown contact role, an NPS of 11) is one problem naming the file, the row and the field; it is skipped and
the rest of the file is stored. A survey response with a comment also becomes a ticket interaction (one
customer utterance: the comment), so that the pipeline tags it like a ticket.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from ingest.metadata import SourceMeta
from ingest.parsed import IngestItem, ParsedSource, customer_of
from ingest.validation import LABEL_LIMIT, check_text
from models.accounts import (
    COMMERCIAL_KINDS,
    Account,
    CommercialEvent,
    Contact,
    Invoice,
    SurveyResponse,
)
from models.errors import MalformedSource
from models.records import Interaction, Record, Speaker, Transcript, Utterance, content_id

__all__ = [
    "ACCOUNT_TYPES",
    "AccountType",
    "add_record",
    "describe_row",
    "parse_record",
    "record_type",
    "survey_ticket",
]

AccountType = Literal["account", "contact", "invoice", "commercial", "survey"]
ACCOUNT_TYPES: dict[AccountType, type[Record]] = {
    "account": Account,
    "contact": Contact,
    "invoice": Invoice,
    "commercial": CommercialEvent,
    "survey": SurveyResponse,
}
FIELD_NAMES = {model: frozenset(model.model_fields) for model in ACCOUNT_TYPES.values()}
ALIASES = {"email": "user", "status_date": "status_at", "customer_name": "name"}
ACCOUNT_FIELDS = frozenset(
    {"owner", "plan", "arr", "renewal_date", "start_date", "segment", "status"}
)
SEAT_FIELDS = frozenset({"amount", "seats_before", "seats_after"})
WORDS = frozenset({"role", "status", "kind"})  # "Decision maker" is decision_maker
DATE_ERRORS = ("date", "datetime", "time")


def record_type(fields: Collection[str], kinds: Iterable[Any] = ()) -> AccountType | None:
    """The account-data type of a row with these fields (a CSV's columns) and ``kind`` values, else None."""
    names = {ALIASES.get(f, f) for f in fields}
    if "occurred_at" in names:
        commercial = "kind" in names and names & SEAT_FIELDS
        return (
            "commercial"
            if commercial and any(_word(k) in COMMERCIAL_KINDS for k in kinds)
            else None
        )
    if "invoice_id" in names:
        return "invoice"
    if {"score", "responded_at"} <= names:
        return "survey"
    if {"user", "role"} <= names:
        return "contact"
    if "customer_id" in names and names & ACCOUNT_FIELDS:
        return "account"
    return None


def _word(value: Any) -> Any:
    return re.sub(r"[\s-]+", "_", value.strip().lower()) if isinstance(value, str) else value


def _fields(
    path: Path, model: type[Record], row: dict[str, Any], where: str, max_chars: int
) -> dict[str, Any]:
    """The row's non-empty values under the record's field names (aliases mapped), texts checked."""
    fields: dict[str, Any] = {}
    names = FIELD_NAMES[model]
    for key, value in row.items():
        name = key if key in names else ALIASES.get(key, key)
        if name not in names or value is None or value == "" or name in fields:
            continue
        if isinstance(value, str) and not (
            len(value) <= max_chars and value.isascii() and "\x00" not in value
        ):  # the full check, for what the quick one cannot pass
            check_text(path, value, f"{where}{name}", max_chars)
        fields[name] = _word(value) if name in WORDS else value
    return fields


def parse_record(
    path: Path,
    kind: AccountType,
    row: dict[str, Any],
    meta: SourceMeta,
    where: str,
    max_chars: int,
) -> Record:
    """One row as its record; MalformedSource naming the row and the field if it is not one."""
    model = ACCOUNT_TYPES[kind]
    fields = _fields(path, model, row, where, max_chars)
    if meta.customer_id or not fields.get("customer_id"):
        fields["customer_id"] = customer_of(path, meta, None, where)
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise MalformedSource(f"{where}{describe_row(exc, model)}", path) from None


def describe_row(exc: ValidationError, model: type[Record]) -> str:
    """``field: problem`` for the first problem of a row: ``due_at: invalid date "2026-13-01"``."""
    error = exc.errors()[0]
    message = error["msg"].removeprefix("Value error, ")
    name = ".".join(str(part) for part in error["loc"]) or next(
        (f for f in model.model_fields if re.search(rf"\b{f}\b", message)), "row"
    )
    value, kind = error.get("input"), error["type"]
    if kind == "missing":
        problem = "is missing"
    elif kind.startswith(DATE_ERRORS) and isinstance(value, str | int | float):
        problem = f'invalid date "{value}"'
    elif kind == "literal_error":
        problem = f'unknown value "{value}" (expected {error.get("ctx", {}).get("expected")})'
    elif error["loc"] and isinstance(value, str | int | float):
        problem = f'{message[:1].lower()}{message[1:]} (got "{value}")'
    else:
        problem = message
    more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
    return f"{name}: {problem}{more}"


def survey_ticket(response: SurveyResponse, source: str) -> IngestItem | None:
    """A survey comment as a ticket from the respondent (None without a comment): the same response is the
    same interaction, whichever file or request it came from."""
    comment = (response.comment or "").strip()
    if not comment:
        return None
    digest = hashlib.sha256(f"survey:{response.dedup_key()}".encode()).hexdigest()
    interaction = Interaction(
        id=content_id(digest),
        sha256=digest,
        kind="ticket",
        occurred_at=response.responded_at,
        customer_id=response.customer_id,
        source=source,
        title=f"{response.kind.upper()} {response.score} survey response",
        metadata={"format": "survey", "survey": response.kind, "score": response.score},
    )
    speaker = Speaker(role="customer", label=(response.respondent or "customer")[:LABEL_LIMIT])
    utterance = Utterance(index=0, speaker=speaker, text=comment)
    transcript = Transcript(interaction_id=interaction.id, engine="import", utterances=[utterance])
    return IngestItem(interaction, transcript)


def add_record(parsed: ParsedSource, record: Record, source: str) -> None:
    """Put a parsed record on its list (a survey's comment also on the tickets)."""
    if isinstance(record, Account):
        parsed.accounts.append(record)
    elif isinstance(record, Contact):
        parsed.contacts.append(record)
    elif isinstance(record, Invoice):
        parsed.invoices.append(record)
    elif isinstance(record, CommercialEvent):
        parsed.commercial.append(record)
    elif isinstance(record, SurveyResponse):
        parsed.surveys.append(record)
        ticket = survey_ticket(record, source)
        if ticket is not None:
            parsed.survey_tickets[record.dedup_key()] = ticket


def read_rows(
    path: Path,
    kind: AccountType,
    rows: Iterable[tuple[int, dict[str, Any]]],
    meta: SourceMeta,
    max_chars: int,
    label: str = "row",
    ragged: Collection[int] = (),
) -> ParsedSource:
    """A file of one account-data type: its good rows as records, each bad one (or ``ragged``: with more fields
    than the header) a problem."""
    parsed = ParsedSource(path)
    for number, row in rows:
        where = f"{label} {number}: "
        try:
            if number in ragged:
                raise MalformedSource(f"{where}more fields than the header has", path)
            record = parse_record(path, kind, row, meta, where, max_chars)
            add_record(parsed, record, f"{path}#{label}-{number}")
        except MalformedSource as exc:
            parsed.problems.append(exc)
    return parsed
