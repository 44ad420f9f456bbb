"""What the CLI commands do, kept apart from their argument parsing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api import render
from models.errors import InputError

if TYPE_CHECKING:  # the CLI imports this module to register commands: nothing heavy at import time
    from api.service import Callintel
    from ingest import FileOutcome, IngestDefaults, IngestReport
    from pipeline.runner import PoolReport
    from pipeline.stages import Engines
    from transcribe.engine import TranscribeOptions

DATABASE_HELP = "Store URL (default: CALLINTEL_DATABASE_URL)."  # every command's --database-url


@contextmanager
def open_callintel(database_url: str | None = None) -> Iterator[Callintel]:
    """``Callintel.open`` for a command: the facade (the store, SQLAlchemy, the risk engine) is imported only
    when a command that uses it runs, not when the CLI starts."""
    from api.service import Callintel

    with Callintel.open(database_url) as callintel:
        yield callintel


def ingest_with_progress(
    callintel: Callintel, paths: list[Path], defaults: IngestDefaults
) -> IngestReport:
    """Ingest every file under ``paths``, one progress bar on a terminal, one stderr line per bad file."""
    progress = Progress(
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=render.stderr,
        transient=True,
        disable=not render.stderr.is_terminal,
    )
    task = progress.add_task("ingest", total=None)

    def done(outcome: FileOutcome) -> None:
        if outcome.error is not None:
            render.problem(outcome.error, progress.console)
        for problem in outcome.problems:  # a skipped row of account data
            render.problem(problem, progress.console)
        progress.advance(task)

    with progress:
        return callintel.ingest(
            paths, defaults, on_file=done, on_total=lambda n: progress.update(task, total=n)
        )


def process_with_progress(
    callintel: Callintel, workers: int | None = None, engines: Engines | None = None
) -> PoolReport:
    """Run the pending pipeline jobs (default workers: CALLINTEL_WORKERS) with a progress bar on a terminal."""
    progress = Progress(
        TextColumn("analysing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=render.stderr,
        transient=True,
        disable=not render.stderr.is_terminal,
    )
    task = progress.add_task("analyse", total=None)
    with progress:
        return callintel.analyse(
            workers,
            engines,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )


def report_jobs(report: PoolReport) -> int:
    """One line on the pipeline's outcome; failed jobs are named on stderr. Returns the exit status."""
    line = f"analysed: {report.done} done, {report.failed} failed, {report.queued} still queued ({report.seconds:.1f} s)"
    render.stdout.print(line, markup=False)
    if report.failed:
        render.problem(f"{report.failed} jobs failed; see 'callintel jobs list --status failed'")
    return 1 if report.failed else 0


def run_ingest(
    callintel: Callintel,
    paths: list[Path],
    defaults: IngestDefaults,
    workers: int | None,
    analyse: bool,
) -> int:
    report = ingest_with_progress(callintel, paths, defaults)
    render.stdout.print(ingest_line(report), markup=False)
    status = 1 if report.failed or report.problems else 0
    if analyse:
        status = max(status, report_jobs(process_with_progress(callintel, workers)))
    return status


def ingest_line(report: IngestReport) -> str:
    """What an ingest stored; account data is named when there was some (a count: new or changed rows)."""
    files = len(report.outcomes)
    done = f"from {files - len(report.failed)} of {files} files"
    stored = f"ingested {len(report.created)} new interactions ({report.skipped} already stored)"
    counts = report.accounts
    if not any(o.account_rows or o.problems for o in report.outcomes):
        return f"{stored} and {report.usage_events} new usage events {done}"
    account = (
        f"{counts.accounts} accounts, {counts.contacts} contacts, {counts.invoices} invoices, "
        f"{counts.commercial} commercial events and {counts.surveys} survey responses new or changed"
    )
    skipped = f" ({len(report.problems)} bad rows skipped)" if report.problems else ""
    return f"{stored}, {report.usage_events} new usage events, {account}{skipped} {done}"


def run_summary(callintel: Callintel, given: str, output_format: str) -> None:
    from nlp.summary_markdown import to_markdown

    interaction_id = callintel.resolve_interaction(given)
    summary = callintel.store.get_summary(interaction_id)
    if summary is None:
        raise InputError(
            f"{interaction_id} has no summary yet: its job has not finished (see 'callintel jobs list')"
        )
    sys.stdout.write(
        summary.model_dump_json(indent=2) + "\n"
        if output_format == "json"
        else to_markdown(summary)
    )


def run_transcribe(audio: Path, options: TranscribeOptions, output_format: str) -> None:
    from transcribe.audio import audio_duration
    from transcribe.engine import WhisperEngine
    from transcribe.formats import to_srt, to_text, to_vtt

    engine = WhisperEngine(options)
    total = audio_duration(audio)
    progress = Progress(
        TextColumn("transcribing"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
        TimeElapsedColumn(),
        console=render.stderr,
        transient=True,
        disable=not render.stderr.is_terminal,
    )
    with progress:
        task = progress.add_task("transcribe", total=total)
        transcript = engine.transcribe(
            audio, audio.stem, on_progress=lambda done: progress.update(task, completed=done)
        )
    if output_format == "json":
        print(transcript.model_dump_json(indent=2))
    else:
        render_as = {"text": to_text, "srt": to_srt, "vtt": to_vtt}[output_format]
        sys.stdout.write(render_as(transcript))
