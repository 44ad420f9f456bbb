"""Reading and validating sources (transcripts, tickets, usage events, account data) into records.

The names below are imported on first use (PEP 562): ``import ingest.formats`` (the
tag command's speaker parsing) does not import the store and SQLAlchemy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.parsed import IngestItem, ParsedSource
    from ingest.readers import IngestDefaults, read_source
    from ingest.runner import FileOutcome, IngestReport, ingest_file, ingest_paths

__all__ = [
    "FileOutcome",
    "IngestDefaults",
    "IngestItem",
    "IngestReport",
    "ParsedSource",
    "ingest_file",
    "ingest_paths",
    "read_source",
]

_HOME_OF = {
    "IngestItem": "parsed",
    "ParsedSource": "parsed",
    "IngestDefaults": "readers",
    "read_source": "readers",
    "FileOutcome": "runner",
    "IngestReport": "runner",
    "ingest_file": "runner",
    "ingest_paths": "runner",
}


def __getattr__(name: str) -> Any:
    home = _HOME_OF.get(name)
    if home is None:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    return getattr(import_module(f"ingest.{home}"), name)
