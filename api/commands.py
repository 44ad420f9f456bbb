"""What the CLI commands do, kept apart from their argument parsing."""

from __future__ import annotations

from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api import render
from ingest import IngestDefaults, ingest_file
from ingest.runner import IngestReport, expand
from models.store import Store


def ingest_with_progress(paths: list[Path], store: Store, defaults: IngestDefaults) -> IngestReport:
    """Ingest every file under ``paths``, one progress bar on a terminal, one stderr line per bad file."""
    files, missing = expand(paths)
    report = IngestReport(outcomes=list(missing))
    for outcome in missing:
        render.problem(str(outcome.error))
    progress = Progress(
        TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=render.stderr, transient=True, disable=not render.stderr.is_terminal,
    )
    with progress:
        task = progress.add_task("ingest", total=len(files))
        for path in files:
            outcome = ingest_file(path, store, defaults)
            report.outcomes.append(outcome)
            if outcome.error is not None:
                progress.console.print(f"callintel: {outcome.error}", markup=False, highlight=False, soft_wrap=True)
            progress.advance(task)
    return report


def run_ingest(paths: list[Path], customer: str | None, rep: str | None, database_url: str) -> int:
    with Store(database_url) as store:
        report = ingest_with_progress(paths, store, IngestDefaults(customer_id=customer, rep=rep))
    files = len(report.outcomes)
    render.stdout.print(
        f"ingested {len(report.created)} new interactions ({report.skipped} already stored) and "
        f"{report.usage_events} new usage events from {files - len(report.failed)} of {files} files",
        markup=False,
    )
    return 1 if report.failed else 0
