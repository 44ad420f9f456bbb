"""``callintel demo``: the bundled samples analysed end to end into a throwaway database."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from rich.markdown import Markdown

from api import render
from api.commands import ingest_with_progress, process_with_progress
from ingest import IngestDefaults
from models.settings import Settings, get_settings
from models.store import Store
from nlp.summary_markdown import to_markdown
from risk.config import load_config
from risk.health import health
from risk.history import load_histories
from samples import SAMPLES_DIR


def run_demo(keep: Path | None = None, workers: int | None = None) -> int:
    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="callintel-demo-") as tmp:
        db_path = keep if keep is not None else Path(tmp) / "demo.db"
        url = f"sqlite:///{db_path}"
        with Store(url) as store:
            report = ingest_with_progress([SAMPLES_DIR], store, IngestDefaults())
            as_of = settings.risk_as_of or store.latest_event_time()
        settings = settings.model_copy(
            update={"risk_as_of": as_of}
        )  # the samples end in the past: score as of then
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
            out.print(
                render.flagged_table(
                    store.flagged_queue(kind="ticket"), title="Flagged tickets", noun="ticket"
                )
            )
            summary = store.get_summary(calls[0].interaction.id) if calls else None
            if summary is not None:
                out.rule(f"Post-call summary of the top flagged call ({summary.interaction_id})")
                out.print(Markdown(to_markdown(summary)))
            _riskiest(store, settings, as_of)
    return 1 if jobs.failed else 0


def _riskiest(store: Store, settings: Settings, as_of: datetime | None, timelines: int = 2) -> None:
    """The customers at risk, and the timelines of the riskiest, as of the end of the samples."""
    from api.risk_commands import run_customers, run_timeline
    from risk.engine import list_alerts

    if as_of is None:
        return
    render.stdout.rule(f"Customer risk as of {as_of:%Y-%m-%d}")
    run_customers(store, settings, as_of, limit=10, as_json=False)
    alerts = list_alerts(store, limit=5)
    render.stdout.print(render.alerts_table(alerts, title="Latest alerts"))
    config = load_config(settings.risk_config)
    ranked = sorted((health(h, as_of, config).score, h.customer_id) for h in load_histories(store))
    for _, customer_id in ranked[:timelines]:
        run_timeline(store, settings, customer_id, as_of, days=60, as_json=False)
