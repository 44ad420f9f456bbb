"""What a user tells us about a file besides its content: a sidecar, a manifest, the command line.

- sidecar: ``call.wav.meta.json`` (or ``call.meta.json``) next to the file, one JSON object;
- manifest: ``manifest.csv`` in the file's folder, a header row with ``file`` and any of the fields below;
- command line: ``--customer`` and ``--rep``.

The command line wins over the sidecar, the sidecar over the manifest, and all of them over what the file
itself says. Fields: customer_id, customer_name, rep, occurred_at, title, language, rep_channel (stereo
recordings: left or right), rep_speaker (the speaker label or name that is the rep).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.files import MANIFEST_NAME, SIDECAR_SUFFIX, is_metadata_file, parse_json, read_text
from ingest.validation import validated
from models.errors import MalformedSource

__all__ = ["MANIFEST_NAME", "SIDECAR_SUFFIX", "SourceMeta", "is_metadata_file", "resolve_meta"]


class SourceMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(None, min_length=1, max_length=128)
    customer_name: str | None = None
    rep: str | None = None
    occurred_at: datetime | None = None
    title: str | None = None
    language: str | None = None
    rep_channel: Literal["left", "right"] | None = None
    rep_speaker: str | None = None

    def over(self, base: SourceMeta) -> SourceMeta:
        """These values where set, ``base``'s elsewhere."""
        return base.model_copy(update=self.model_dump(exclude_none=True))


def _sidecar(path: Path) -> SourceMeta | None:
    for candidate in (
        path.with_name(path.name + SIDECAR_SUFFIX),
        path.with_name(path.stem + SIDECAR_SUFFIX),
    ):
        if candidate.is_file():
            value = parse_json(candidate, read_text(candidate))
            if not isinstance(value, dict):
                raise MalformedSource("a sidecar must be a JSON object", candidate)
            return validated(candidate, partial(SourceMeta.model_validate, value))
    return None


def _manifest(path: Path) -> SourceMeta | None:
    manifest = path.parent / MANIFEST_NAME
    if not manifest.is_file():
        return None
    rows = csv.DictReader(io.StringIO(read_text(manifest)))
    if not rows.fieldnames or "file" not in rows.fieldnames:
        raise MalformedSource("a manifest needs a header row with a 'file' column", manifest)
    for number, row in enumerate(rows, start=2):
        if (row.get("file") or "").strip() == path.name:
            values = {
                k: v.strip()
                for k, v in row.items()
                if k != "file" and k is not None and v and v.strip()
            }
            return validated(
                manifest, partial(SourceMeta.model_validate, values), where=f"line {number}"
            )
    return None


def resolve_meta(path: Path, given: SourceMeta) -> SourceMeta:
    """The metadata for ``path``: ``given`` (the command line) over its sidecar over its manifest row."""
    merged = _manifest(path) or SourceMeta()
    sidecar = _sidecar(path)
    if sidecar is not None:
        merged = sidecar.over(merged)
    return given.over(merged)
