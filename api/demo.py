"""``callintel demo``: the bundled samples analysed end to end into a throwaway database."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from rich.markdown import Markdown

from api import render
from api.commands import ingest_with_progress, process_with_progress
from api.service import Callintel
from models.pages import FlagFilter
from models.settings import Settings
from nlp.summary_markdown import to_markdown
from samples import SAMPLES_DIR


def run_demo(settings: Settings, keep: Path | None = None, workers: int | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="callintel-demo-") as tmp:
        db_path = keep if keep is not None else Path(tmp) / "demo.db"
        with Callintel.open(f"sqlite:///{db_path}", settings) as callintel:
            report = ingest_with_progress(callintel, [SAMPLES_DIR], callintel.ingest_defaults())
            as_of = settings.risk_as_of or callintel.store.latest_event_time()
            # the samples end in the past: score as of then
            callintel.settings = callintel.settings.model_copy(update={"risk_as_of": as_of})
            jobs = process_with_progress(callintel, workers)
            store = callintel.store
            out = render.stdout
            out.rule("callintel demo")
            counts = report.accounts
            out.print(
                f"Loaded {len(report.created) + report.skipped} interactions and {report.usage_events} usage events "
                f"({counts.accounts} accounts, {counts.contacts} contacts, {counts.invoices} invoices, "
                f"{counts.commercial} commercial events, {counts.surveys} survey responses) "
                f"from {SAMPLES_DIR} into {db_path if keep else 'a throwaway database'}; analysed {jobs.done} "
                f"({jobs.failed} failed) in {jobs.seconds:.1f} s.",
                markup=False,
            )
            out.print(render.customers_table(store.customer_counts()))
            # most severe first (models/pages.py): risk weight x score x recency x account value
            calls = callintel.flagged(FlagFilter(kind="call"), 50).items
            tickets = callintel.flagged(FlagFilter(kind="ticket"), 50).items
            out.print(render.flagged_table(calls))
            out.print(render.flagged_table(tickets, title="Flagged tickets", noun="ticket"))
            summary = store.get_summary(calls[0].interaction.id) if calls else None
            if summary is not None:
                out.rule(f"Post-call summary of the top flagged call ({summary.interaction_id})")
                out.print(Markdown(to_markdown(summary)))
            _riskiest(callintel, as_of)
            _portfolio(callintel, as_of)
    return 1 if jobs.failed else 0


def _riskiest(callintel: Callintel, as_of: datetime | None, timelines: int = 2) -> None:
    """The customers at risk, and the timelines of the riskiest, as of the end of the samples."""
    from api.risk_commands import run_customers, run_timeline

    if as_of is None:
        return
    render.stdout.rule(f"Customer risk as of {as_of:%Y-%m-%d}")
    run_customers(callintel, as_of, limit=10, as_json=False)
    alerts = callintel.alerts(limit=5)
    render.stdout.print(render.alerts_table(alerts, title="Latest alerts"))
    for history, _ in callintel.customers(as_of, limit=timelines, recompute=True).items:
        run_timeline(callintel, history.customer_id, as_of, days=60, as_json=False)


# -- C: the demo ends with the book at a glance (api/portfolio_commands.py) --


def _portfolio(callintel: Callintel, as_of: datetime | None) -> None:
    """The portfolio view as of the end of the samples: churn trend, segments by band, top churn reasons."""
    from api.portfolio_commands import print_portfolio

    if as_of is None:
        return
    render.stdout.rule(f"Portfolio as of {as_of:%Y-%m-%d}")
    print_portfolio(callintel.portfolio(as_of))
