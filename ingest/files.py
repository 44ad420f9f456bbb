"""Finding and reading source files, with every failure mapped to one clear error."""

from __future__ import annotations

import json
import math
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from models.errors import MalformedSource, SourceNotFound, UnreadableSource

__all__ = [
    "MANIFEST_NAME",
    "SIDECAR_SUFFIX",
    "check_regular",
    "discover",
    "is_metadata_file",
    "iter_jsonl",
    "parse_json",
    "parse_jsonl",
    "parse_jsonl_lines",
    "read_bytes",
    "read_text",
]

MAX_BYTES = 2 * 1024**3
MANIFEST_NAME = "manifest.csv"
SIDECAR_SUFFIX = ".meta.json"


def discover(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Each named file, and every non-hidden file under each named folder, in sorted order."""
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SourceNotFound(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if _is_source(child) and not any(part.startswith((".", "_")) for part in relative):
                    yield child
        else:
            yield path


def _is_source(path: Path) -> bool:
    """A file to read; pipes, sockets and devices too, so that they are reported (never opened)."""
    return path.exists() and not path.is_dir() and not is_metadata_file(path)


def check_regular(path: Path) -> None:
    """Refuse anything but a regular file before opening it: reading a named pipe would wait for a writer forever."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SourceNotFound(path) from None
    except OSError as exc:
        raise UnreadableSource(f"cannot read: {exc.strerror or exc}", path) from None
    if stat.S_ISDIR(mode):
        raise UnreadableSource("is a directory, not a file", path)
    if not stat.S_ISREG(mode):
        raise UnreadableSource(
            "not a regular file (a named pipe, socket or device); refusing to read it", path
        )


def is_metadata_file(path: Path) -> bool:
    """Sidecars and manifests describe other files (ingest.metadata); they are not sources."""
    return path.name == MANIFEST_NAME or path.name.endswith(SIDECAR_SUFFIX)


def read_bytes(path: Path) -> bytes:
    check_regular(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UnreadableSource(f"file is larger than {MAX_BYTES // 1024**3} GiB", path)
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceNotFound(path) from None
    except IsADirectoryError:
        raise UnreadableSource("is a directory, not a file", path) from None
    except PermissionError:
        raise UnreadableSource("permission denied", path) from None
    except OSError as exc:
        raise UnreadableSource(f"cannot read: {exc.strerror or exc}", path) from None


def read_text(path: Path, data: bytes | None = None) -> str:
    data = read_bytes(path) if data is None else data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedSource(f"not UTF-8 text (bad byte at offset {exc.start})", path) from None


MAX_JSON_DEPTH = 64  # objects and lists nested deeper are refused (our formats need 5)


def _loads(path: Path, line: str, where: str) -> Any:
    """json.loads with every failure on hostile input (bad syntax, nesting past the recursion limit, a number
    too long to convert) as MalformedSource; then the nesting and NUL checks."""
    try:
        value = json.loads(line, parse_float=_finite, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise MalformedSource(
            f"malformed JSON {where or f'at line {exc.lineno} column {exc.colno}'}: {exc.msg}", path
        ) from None
    except RecursionError:
        raise MalformedSource(
            f"JSON {where + ' ' if where else ''}nested too deeply (at most {MAX_JSON_DEPTH} "
            "levels)",
            path,
        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise MalformedSource(
            f"malformed JSON {where + ': ' if where else ''}{exc}", path
        ) from None
    _check_json(path, value, where)
    return value


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:20]}{'...' if len(text) > 20 else ''} is out of range")
    return value


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not a number JSON allows")


def _check_string(path: Path, text: str, prefix: str) -> None:
    if "\x00" in text:
        raise MalformedSource(f"{prefix}a JSON string contains a NUL character", path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedSource(
            f"{prefix}a JSON string contains a lone surrogate (\\ud800-\\udfff)", path
        ) from None


def _check_json(path: Path, value: Any, where: str) -> None:
    """No nesting deeper than MAX_JSON_DEPTH and no NUL character in a string (the store cannot keep one)."""
    prefix = f"{where}: " if where else ""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_string(path, item, prefix)
        if isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise MalformedSource(
                    f"{prefix}JSON nested too deeply (at most {MAX_JSON_DEPTH} levels)", path
                )
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def parse_json(path: Path, text: str) -> Any:
    return _loads(path, text, "")


def parse_jsonl_lines(path: Path, text: str) -> list[tuple[int, Any | MalformedSource]]:
    """(line number, value) for each non-blank line; a line that is not JSON gets its error as the value."""
    found: list[tuple[int, Any | MalformedSource]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                found.append((number, _loads(path, line, f"on line {number}")))
            except MalformedSource as exc:
                found.append((number, exc))
    return found


def parse_jsonl(path: Path, text: str) -> list[tuple[int, Any]]:
    """(line number, value) for each non-blank line."""
    return [
        (number, _loads(path, line, f"on line {number}"))
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each non-blank line, read one line at a time (never the whole file), the lines
    numbered as ``parse_jsonl`` numbers them (str.splitlines of the whole text); raises MalformedSource at the
    first line that is not JSON, and UnicodeDecodeError at a byte that is not UTF-8."""
    number = 0
    with path.open("rb") as handle:
        for position, raw in enumerate(handle):
            for line in raw.decode("utf-8-sig" if position == 0 else "utf-8").splitlines():
                number += 1
                if line.strip():
                    yield number, _loads(path, line, f"on line {number}")
