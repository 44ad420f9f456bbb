"""A real kill: SIGKILL the whole `callintel ingest` process group mid-run, re-run, compare with an unbroken run."""

import os
import shutil
import signal
import subprocess
import time

from models.store import Store
from pipeline.queue import JobQueue
from samples import SAMPLES_DIR
from tests.conftest import CALLINTEL
from tests.helpers import known


def _analysis(url: str) -> dict:
    with Store(url) as store:
        return {
            i.id: (
                sorted((t.utterance_index, t.label, t.start, t.end) for t in stored.tags),
                [s.label if s else None for s in stored.sentiments],
                store.get_summary(i.id),
                store.get_metrics(i.id),
            )
            for i in store.list_interactions()
            for stored in [known(store.get_interaction(i.id))]
        }


def _done(url: str) -> tuple[int, int]:
    with Store(url) as store:
        counts = JobQueue(store).counts()
    return counts["done"], sum(counts.values())


def test_killing_the_pipeline_midway_loses_and_duplicates_nothing(tmp_path, cli):
    calls = tmp_path / "calls"
    shutil.copytree(
        SAMPLES_DIR / "calls", calls, ignore=shutil.ignore_patterns("audio")
    )  # no Whisper model here
    killed_url, reference_url = (
        f"sqlite:///{tmp_path / 'killed.db'}",
        f"sqlite:///{tmp_path / 'reference.db'}",
    )
    process = subprocess.Popen(
        [str(CALLINTEL), "ingest", str(calls), "--workers", "2", "--database-url", killed_url],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if (tmp_path / "killed.db").exists() and _done(killed_url)[0] >= 1:
            break
        time.sleep(0.05)
    os.killpg(
        process.pid, signal.SIGKILL
    )  # the parent and both worker processes, no chance to clean up
    process.wait()
    done, total = _done(killed_url)
    assert 1 <= done < total, "the kill must land mid-run"

    rerun = cli("jobs", "run", "--database-url", killed_url)
    assert rerun.returncode == 0, rerun.stderr
    assert cli("ingest", str(calls), "--database-url", killed_url).stdout.startswith(
        "ingested 0 new interactions"
    )
    reference = cli("ingest", str(calls), "--database-url", reference_url)
    assert reference.returncode == 0, reference.stderr
    assert _done(killed_url) == _done(reference_url) == (total, total)
    assert _analysis(killed_url) == _analysis(reference_url)
