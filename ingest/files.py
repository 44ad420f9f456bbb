"""Finding and reading source files, with every failure mapped to one clear error."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from models.errors import MalformedSource, SourceNotFound, UnreadableSource

__all__ = [
    "MANIFEST_NAME", "SIDECAR_SUFFIX", "discover", "is_metadata_file", "parse_json", "parse_jsonl", "read_bytes", "read_text",
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
                if child.is_file() and not any(part.startswith((".", "_")) for part in relative) and not is_metadata_file(child):
                    yield child
        else:
            yield path


def is_metadata_file(path: Path) -> bool:
    """Sidecars and manifests describe other files (ingest.metadata); they are not sources."""
    return path.name == MANIFEST_NAME or path.name.endswith(SIDECAR_SUFFIX)


def read_bytes(path: Path) -> bytes:
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


def parse_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedSource(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", path) from None


def parse_jsonl(path: Path, text: str) -> list[tuple[int, Any]]:
    """(line number, value) for each non-blank line."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise MalformedSource(f"malformed JSON on line {number}: {exc.msg}", path) from None
    return rows
