"""``callintel demo``: the bundled samples analysed end to end into a throwaway database."""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.markdown import Markdown

from api import render
from api.commands import ingest_with_progress, process_with_progress
from ingest import IngestDefaults
from models.settings import get_settings
from models.store import Store
from nlp.summary_markdown import to_markdown
from pipeline.queue import JobQueue
from samples import SAMPLES_DIR


def run_demo(keep: Path | None = None, workers: int | None = None) -> int:
    settings = get_settings()
    waiting: list[str] = []
    with tempfile.TemporaryDirectory(prefix="callintel-demo-") as tmp:
        db_path = keep if keep is not None else Path(tmp) / "demo.db"
        url = f"sqlite:///{db_path}"
        with Store(url) as store:
            report = ingest_with_progress([SAMPLES_DIR], store, IngestDefaults())
        jobs = process_with_progress(url, settings, workers or settings.workers)
        with Store(url) as store:
            out = render.stdout
            out.rule("callintel demo")
            out.print(
                f"Loaded {len(report.created) + report.skipped} interactions and {report.usage_events} usage events "
                f"from {SAMPLES_DIR} into {db_path if keep else 'a throwaway database'}; analysed {jobs.done} "
                f"({jobs.failed} failed) in {jobs.seconds:.1f} s.",
                markup=False,
            )
            out.print(render.customers_table(store.customer_counts()))
            calls = store.flagged_queue(kind="call")
            out.print(render.flagged_table(calls))
            out.print(render.flagged_table(store.flagged_queue(kind="ticket"), title="Flagged tickets", noun="ticket"))
            summary = store.get_summary(calls[0].interaction.id) if calls else None
            if summary is not None:
                out.rule(f"Post-call summary of the top flagged call ({summary.interaction_id})")
                out.print(Markdown(to_markdown(summary)))
            waiting = _recordings_without_model(store) if not settings.whisper_model else []
            if waiting:
                out.print(f"{len(waiting)} recordings ({', '.join(waiting)}) wait for a Whisper model: set "
                          "CALLINTEL_WHISPER_MODEL to a CTranslate2 directory (e.g. faster-whisper's small.en) and run "
                          "the demo again to transcribe them too.", markup=False)
    return 1 if jobs.failed > len(waiting) else 0


def _recordings_without_model(store: Store) -> list[str]:
    """Recordings whose jobs failed because no Whisper model is configured (the demo is offline; none is bundled)."""
    failed = {job.interaction_id for job in JobQueue(store).jobs("failed")}
    return [Path(i.source).name for i in store.list_interactions(kind="call")
            if i.id in failed and i.metadata.get("format") == "audio"]
