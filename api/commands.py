"""What the CLI commands do, kept apart from their argument parsing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api import render
from ingest import FileOutcome, IngestDefaults, IngestReport, ingest_paths
from models.store import Store

if TYPE_CHECKING:
    from transcribe.engine import TranscribeOptions


def ingest_with_progress(paths: list[Path], store: Store, defaults: IngestDefaults) -> IngestReport:
    """Ingest every file under ``paths``, one progress bar on a terminal, one stderr line per bad file."""
    progress = Progress(
        TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=render.stderr, transient=True, disable=not render.stderr.is_terminal,
    )
    task = progress.add_task("ingest", total=None)

    def done(outcome: FileOutcome) -> None:
        if outcome.error is not None:
            render.problem(outcome.error, progress.console)
        progress.advance(task)

    with progress:
        return ingest_paths(paths, store, defaults, on_file=done, on_total=lambda n: progress.update(task, total=n))


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


def run_transcribe(audio: Path, options: TranscribeOptions, output_format: str) -> None:
    from transcribe.audio import audio_duration
    from transcribe.engine import WhisperEngine
    from transcribe.formats import to_srt, to_text, to_vtt

    engine = WhisperEngine(options)
    total = audio_duration(audio)
    progress = Progress(
        TextColumn("transcribing"), BarColumn(), TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
        TimeElapsedColumn(), console=render.stderr, transient=True, disable=not render.stderr.is_terminal,
    )
    with progress:
        task = progress.add_task("transcribe", total=total)
        transcript = engine.transcribe(audio, audio.stem, on_progress=lambda done: progress.update(task, completed=done))
    if output_format == "json":
        print(transcript.model_dump_json(indent=2))
    else:
        render_as = {"text": to_text, "srt": to_srt, "vtt": to_vtt}[output_format]
        sys.stdout.write(render_as(transcript))
