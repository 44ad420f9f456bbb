"""Reading and validating sources (transcripts, tickets, usage events, account data) into records."""

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
