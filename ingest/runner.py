"""Ingesting files and folders into the store, one transaction per file."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.files import discover
from ingest.parsed import ParsedSource
from ingest.readers import IngestDefaults, read_source
from ingest.usage_stream import store_usage_file
from models.accounts_repo import AccountCounts
from models.database import rejected_row
from models.errors import (
    CallintelError,
    InputError,
    MalformedSource,
    StoreError,
    UnexpectedFileError,
    UnreadableSource,
)
from models.store import Store

__all__ = ["FileOutcome", "IngestReport", "ingest_file", "ingest_paths"]

logger = logging.getLogger("callintel.ingest")
Check = Callable[[ParsedSource], None]


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    created: list[str] = field(default_factory=list)
    skipped: int = 0
    usage_events: int = 0
    error: CallintelError | None = None
    accounts: AccountCounts = AccountCounts()
    problems: list[MalformedSource] = field(
        default_factory=list
    )  # rows skipped; the rest was stored
    account_rows: int = 0  # rows of account data read (stored, or already stored)


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

    @property
    def accounts(self) -> AccountCounts:
        return sum((o.accounts for o in self.outcomes), AccountCounts())

    @property
    def problems(self) -> list[MalformedSource]:
        return [problem for o in self.outcomes for problem in o.problems]


def expand(paths: Sequence[str | Path]) -> tuple[list[Path], list[FileOutcome]]:
    """The files under ``paths``, and an outcome for each path that does not exist."""
    files: list[Path] = []
    missing: list[FileOutcome] = []
    for path in paths:
        try:
            files.extend(discover([path]))
        except InputError as exc:
            missing.append(FileOutcome(Path(path), error=exc))
        except OSError as exc:  # a folder that cannot be listed
            missing.append(
                FileOutcome(
                    Path(path), error=UnreadableSource(f"cannot list: {exc.strerror or exc}", path)
                )
            )
    return files, missing


def database_unusable(exc: StoreError) -> bool:
    """True unless the database refused this file's data only (a constraint, a value it cannot hold)."""
    return not rejected_row(exc)


def ingest_file(
    path: Path, store: Store, defaults: IngestDefaults, check: Check | None = None
) -> FileOutcome:
    """Parse, ``check`` and store one file in one transaction; any failure is this file's outcome, never half-written.
    Bad rows of account data are the outcome's ``problems``: they are skipped, the file's other rows stored.

    Only a StoreError that leaves the database unusable (it cannot be reached or written) is raised: no later file
    could be stored either.
    """
    try:
        streamed = store_usage_file(path, store, defaults, check)
        if (
            streamed is not None
        ):  # a usage export, streamed in bounded chunks (ingest/usage_stream.py)
            return FileOutcome(path, usage_events=streamed)
        parsed = read_source(path, defaults)
        if check is not None:
            check(parsed)
        result = store.save_batch(
            parsed.interactions(), parsed.usage_events, parsed.account_batch()
        )
    except StoreError as exc:
        if database_unusable(exc):
            raise
        return _failed(path, exc)
    except CallintelError as exc:
        return _failed(path, exc)
    except (
        Exception
    ) as exc:  # a bug or a library's limit (e.g. RecursionError): this file fails, the rest go on
        logger.debug("unexpected error ingesting %s", path, exc_info=True)
        error = UnexpectedFileError(
            f"could not be read: unexpected {type(exc).__name__}; the file was skipped", path
        )
        return FileOutcome(path, error=error)
    return FileOutcome(
        path,
        result.created,
        result.skipped,
        result.usage_events,
        accounts=result.accounts,
        problems=parsed.problems,
        account_rows=parsed.account_rows(),
    )


def _failed(path: Path, exc: CallintelError) -> FileOutcome:
    logger.info("skipped %s: %s", path, exc.message)
    return FileOutcome(path, error=exc)


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
