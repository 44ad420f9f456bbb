from models.store import Store
from pipeline.queue import JobQueue


def test_demo_runs_offline_on_the_bundled_samples(cli, tmp_path):
    keep = tmp_path / "demo.db"
    run = cli("demo", "--keep", str(keep))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "Acme Logistics" in run.stdout
    assert "Loaded 56 interactions and 4906 usage events" in run.stdout
    assert "Flagged-call queue" in run.stdout and "Flagged tickets" in run.stdout
    assert "never sign off" in run.stdout  # the Acme renewal call's price objection, with its evidence
    assert "Post-call summary of the top flagged call" in run.stdout and "Next steps" in run.stdout
    assert "3 recordings (" in run.stdout and "wait for a Whisper model" in run.stdout
    with Store(f"sqlite:///{keep}") as store:
        counts = store.customer_counts()
        assert len(counts) >= 8 and sum(c.calls for c in counts) >= 25 and sum(c.tickets for c in counts) >= 30
        formats = {i.metadata["format"] for i in store.list_interactions()}
        assert formats == {"callintel-json", "webvtt", "srt", "text", "audio", "ticket", "eml"}
        queue = store.flagged_queue(kind="call")
        assert {"price_objection", "competitor_mention"} <= set(queue[0].label_counts) | set(queue[1].label_counts)
        flagged_customers = {row.interaction.customer_id for row in queue}
        assert "acme" in flagged_customers and "stark" not in flagged_customers  # the happy onboarding calls
        jobs = JobQueue(store).counts()
        assert jobs == {"done": 53, "failed": 3}
    # re-running over the kept database duplicates nothing
    again = cli("demo", "--keep", str(keep))
    assert again.returncode == 0 and "Loaded 56 interactions" in again.stdout
    with Store(f"sqlite:///{keep}") as store:
        assert len(store.list_interactions()) == 56
