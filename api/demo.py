"""``callintel demo``: the bundled samples analysed end to end into a throwaway database."""

from __future__ import annotations

import tempfile
from pathlib import Path

from api import render
from api.commands import ingest_with_progress
from ingest import IngestDefaults
from models.settings import get_settings
from models.store import Store
from nlp.tagger import Tagger
from pipeline.analyse import analyse_interactions
from samples import SAMPLES_DIR


def run_demo(keep: Path | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="callintel-demo-") as tmp:
        db_path = keep if keep is not None else Path(tmp) / "demo.db"
        with Store(f"sqlite:///{db_path}") as store:
            report = ingest_with_progress([SAMPLES_DIR], store, IngestDefaults())
            interactions = store.list_interactions()
            analysed = analyse_interactions(store, Tagger.from_settings(get_settings()), [i.id for i in interactions])
            out = render.stdout
            out.rule("callintel demo")
            out.print(
                f"Loaded {len(report.created) + report.skipped} interactions and {report.usage_events} usage events "
                f"from {SAMPLES_DIR} into {db_path if keep else 'a throwaway database'}; tagged {analysed} of them.",
                markup=False,
            )
            out.print(render.customers_table(store.customer_counts()))
            out.print(render.flagged_table(store.flagged_queue(kind="call")))
            out.print(render.flagged_table(store.flagged_queue(kind="ticket"), title="Flagged tickets", noun="ticket"))
