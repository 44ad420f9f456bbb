"""Ingesting files and folders into the store, one transaction per file."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.files import discover
from ingest.readers import IngestDefaults, read_source
from models.errors import CallintelError, InputError
from models.store import Store

__all__ = ["FileOutcome", "IngestReport", "ingest_paths"]

logger = logging.getLogger("callintel.ingest")


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    created: list[str] = field(default_factory=list)
    skipped: int = 0
    usage_events: int = 0
    error: CallintelError | None = None


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.error is not None]

    @property
    def created(self) -> list[str]:
        return [interaction_id for o in self.outcomes for interaction_id in o.created]

    @property
    def skipped(self) -> int:
        return sum(o.skipped for o in self.outcomes)

    @property
    def usage_events(self) -> int:
        return sum(o.usage_events for o in self.outcomes)


def expand(paths: Sequence[str | Path]) -> tuple[list[Path], list[FileOutcome]]:
    """The files under ``paths``, and an outcome for each path that does not exist."""
    files: list[Path] = []
    missing: list[FileOutcome] = []
    for path in paths:
        try:
            files.extend(discover([path]))
        except InputError as exc:
            missing.append(FileOutcome(Path(path), error=exc))
    return files, missing


def ingest_file(path: Path, store: Store, defaults: IngestDefaults) -> FileOutcome:
    """Parse and store one file; an input error is reported, never half-written."""
    try:
        parsed = read_source(path, defaults)
        result = store.save_batch(parsed.items, parsed.usage_events)
    except InputError as exc:
        logger.info("skipped %s: %s", path, exc.message)
        return FileOutcome(path, error=exc)
    return FileOutcome(path, result.created, result.skipped, result.usage_events)


def ingest_paths(
    paths: Iterable[str | Path],
    store: Store,
    defaults: IngestDefaults = IngestDefaults(),
    on_file: Callable[[FileOutcome], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest every file under ``paths``; ``on_total`` hears how many outcomes to expect, ``on_file`` each one."""
    files, missing = expand(list(paths))
    if on_total is not None:
        on_total(len(missing) + len(files))
    report = IngestReport()
    for outcome in itertools.chain(missing, (ingest_file(path, store, defaults) for path in files)):
        report.outcomes.append(outcome)
        if on_file is not None:
            on_file(outcome)
    return report
