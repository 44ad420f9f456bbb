"""Support tickets: JSON Lines / JSON (one object per ticket), CSV (one row per message), and .eml emails.

A ticket is an interaction of kind ``ticket`` whose transcript is its thread, one utterance per message, oldest
first. An email's quoted history ("On Mon, 3 Nov 2026, Sam <sam@acme.io> wrote:" with ``>`` lines, or Outlook's
"-----Original Message-----" / "From: ... Sent: ..." blocks) is split into those earlier messages. Who is who in
an email: the sender of the oldest message opened the ticket and is the customer; another sender is the rep
(support), and so is any sender whose address is at one of CALLINTEL_REP_EMAIL_DOMAINS.
"""

from __future__ import annotations

import email
import hashlib
import json
import re
from email import policy
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingest.formats import ROLE_ALIASES, TicketIn
from ingest.metadata import SourceMeta
from ingest.parsed import IngestItem, new_item
from ingest.validation import LABEL_LIMIT, check_text, describe, validated
from models.errors import MalformedSource
from models.records import Role, Speaker, Utterance

__all__ = ["TICKET_TEXT_COLUMNS", "read_eml", "ticket_from_value", "tickets_from_csv"]

TICKET_TEXT_COLUMNS = ("body", "text", "message")
ATTRIBUTION = re.compile(r"^On .{4,200}?wrote:\s*$")
OUTLOOK_SEPARATOR = re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE)
HEADER_LINE = re.compile(r"^(From|Sent|Date|To|Cc|Subject):\s*(.*)$", re.IGNORECASE)
MAX_SENDER_CHARS = 998
MAX_HEADER_CHARS = 8192
READ_HEADERS = ("from", "subject", "date")
SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv)\s*:\s*)+", re.IGNORECASE)


def ticket_from_value(
    path: Path, value: dict[str, Any], meta: SourceMeta, max_chars: int, where: str = ""
) -> IngestItem:
    parsed = validated(path, lambda: TicketIn.model_validate(value), where=where.rstrip(": "))
    try:
        thread = parsed.thread()
    except ValidationError as exc:
        raise MalformedSource(f"{where}body: {describe(exc)}", path) from None
    except ValueError as exc:
        raise MalformedSource(f"{where}{exc}", path) from None
    for number, message in enumerate(thread):
        check_text(path, message.text, f"{where}messages.{number}", max_chars)
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()
    digest = hashlib.sha256(canonical).hexdigest()
    utterances = [
        Utterance(
            index=i,
            speaker=Speaker(role=ROLE_ALIASES[m.sender.strip().lower()], label=m.sender),
            text=m.text.strip(),
        )
        for i, m in enumerate(thread)
    ]
    found = {
        "customer_id": parsed.customer_id,
        "customer_name": parsed.customer_name,
        "occurred_at": parsed.created_at,
        "rep": parsed.rep,
        "title": parsed.subject,
        "source": f"{path}#{parsed.id or digest[:8]}",
        "metadata": {"format": "ticket", "ticket_id": parsed.id},
    }
    return new_item(path, digest, "ticket", meta, found, utterances, where)


def tickets_from_csv(
    path: Path, rows: list[tuple[int, dict[str, str]]], meta: SourceMeta, max_chars: int
) -> list[IngestItem]:
    """One row per message; rows sharing a ticket_id are one thread, in file order."""
    grouped: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, row in rows:
        text = next((row[c] for c in TICKET_TEXT_COLUMNS if row.get(c)), None)
        key = row.get("ticket_id") or row.get("id") or f"row-{number}"
        if text is None:
            raise MalformedSource(
                f"line {number}: no message text (columns {', '.join(TICKET_TEXT_COLUMNS)})", path
            )
        if key not in grouped:
            fields: dict[str, str | None] = {
                k: v
                for k, v in row.items()
                if k in ("customer_id", "customer_name", "subject", "rep") and v
            }
            fields["occurred_at"] = (
                row.get("created_at") or row.get("occurred_at") or row.get("date")
            )
            grouped[key] = (number, {"ticket_id": key, **fields, "messages": []})
        grouped[key][1]["messages"].append(
            {"from": row.get("from") or row.get("sender") or "customer", "text": text}
        )
    return [
        ticket_from_value(path, value, meta, max_chars, f"line {number}: ")
        for number, value in grouped.values()
    ]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("br", "p", "div", "blockquote", "li"):
            self.parts.append("\n")


def _body(message: email.message.EmailMessage, path: Path) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise MalformedSource("the email has no text body", path)
    content = part.get_content()
    if part.get_content_subtype() == "html":
        parser = _Text()
        parser.feed(content)
        content = "".join(parser.parts)
    return content


def _sender(text: str) -> str:
    """The address in an attribution or From: line, else the name. Only the first MAX_SENDER_CHARS are read
    (RFC 5322's line limit): the address parser and the search are not linear, and a hostile email can send
    a From: line of any length."""
    text = text[:MAX_SENDER_CHARS]
    addresses = [addr or name for name, addr in getaddresses([text]) if addr or name]
    found = re.search(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", text)
    return (found.group(0) if found else addresses[0] if addresses else text).strip().lower()


def split_thread(body: str, newest_sender: str) -> list[tuple[str, str]]:
    """(sender, text) of each message in an email body, newest first."""
    messages: list[tuple[str, list[str]]] = [(newest_sender, [])]
    in_header = False
    for raw in body.splitlines():
        line = re.sub(r"^(\s*>)+\s?", "", raw).rstrip()
        if ATTRIBUTION.match(line):
            who = line.removeprefix("On ").rsplit(" wrote:", 1)[0]
            messages.append((_sender(who.split(",")[-1] if "@" not in who else who), []))
        elif OUTLOOK_SEPARATOR.match(line):
            messages.append(("", []))
            in_header = True
        elif in_header and (header := HEADER_LINE.match(line)):
            if header.group(1).lower() == "from":
                messages[-1] = (_sender(header.group(2)), messages[-1][1])
        elif in_header and not line:
            in_header = False
        else:
            in_header = False
            messages[-1][1].append(line)
    out = []
    for sender, lines in messages:
        text = "\n".join(lines).split("\n-- \n")[0]  # drop a signature block
        text = " ".join(text.split())
        if text:
            out.append((sender or "unknown", text))
    return out


def read_eml(
    path: Path, data: bytes, meta: SourceMeta, rep_domains: tuple[str, ...] = ()
) -> IngestItem:
    """An email ticket; what the email library fails on (MIME parts nested past the recursion limit, an unknown
    charset) is a MalformedSource like any other bad email."""
    try:
        return _read_eml(path, data, meta, rep_domains)
    except RecursionError:
        raise MalformedSource("the email's parts are nested too deeply", path) from None
    except (LookupError, UnicodeError) as exc:
        raise MalformedSource(f"cannot decode the email: {exc}", path) from None


def _read_eml(
    path: Path, data: bytes, meta: SourceMeta, rep_domains: tuple[str, ...]
) -> IngestItem:
    message = email.message_from_bytes(data, policy=policy.default)
    for (
        name,
        raw,
    ) in message.raw_items():  # before the header parser, which is not linear, reads them
        if name.lower() in READ_HEADERS and len(raw) > MAX_HEADER_CHARS:
            raise MalformedSource(
                f"the {name} header is {len(raw)} characters long (at most {MAX_HEADER_CHARS})",
                path,
            )
    if not message.get("From") and not message.get("Subject"):
        raise MalformedSource("not an email: no From or Subject header", path)
    try:
        sent = parsedate_to_datetime(message["Date"]) if message.get("Date") else None
    except (TypeError, ValueError):
        raise MalformedSource(f"unreadable Date header {message['Date']!r}", path) from None
    thread = list(reversed(split_thread(_body(message, path), _sender(message.get("From", "")))))
    if not thread:
        raise MalformedSource("the email has no text", path)
    opener = thread[0][0]

    def role(sender: str) -> Role:
        if any(sender.endswith("@" + d) or sender.endswith("." + d) for d in rep_domains):
            return "rep"
        return "customer" if sender == opener else "rep"

    utterances = [
        Utterance(
            index=i, speaker=Speaker(role=role(s), label=s[:LABEL_LIMIT]), text=t
        )  # the column's size
        for i, (s, t) in enumerate(thread)
    ]
    domain = opener.rsplit("@", 1)[1] if "@" in opener and role(opener) == "customer" else None
    found = {
        "customer_id": domain,
        "occurred_at": sent,
        "title": SUBJECT_PREFIX.sub("", message.get("Subject", "")) or None,
        "metadata": {"format": "eml", "message_id": message.get("Message-ID")},
    }
    return new_item(path, hashlib.sha256(data).hexdigest(), "ticket", meta, found, utterances)
