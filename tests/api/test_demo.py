from samples import SAMPLES_DIR


def test_demo_runs_offline_on_the_bundled_samples(cli, tmp_path):
    keep = tmp_path / "demo.db"
    run = cli("demo", "--keep", str(keep))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "Acme Logistics" in run.stdout
    calls = len(list((SAMPLES_DIR / "calls").glob("*.json")))
    assert f"Loaded {calls + 12} interactions" in run.stdout
    assert keep.exists()
    assert "Flagged-call queue" in run.stdout and "Flagged tickets" in run.stdout
    assert "never sign off" in run.stdout  # the Acme renewal call's price objection, with its evidence
    from models.store import Store

    with Store(f"sqlite:///{keep}") as store:
        queue = store.flagged_queue(kind="call")
        assert {"price_objection", "competitor_mention"} <= set(queue[0].label_counts) | set(queue[1].label_counts)
        flagged_customers = {row.interaction.customer_id for row in queue}
        assert "acme" in flagged_customers and "stark" not in flagged_customers  # the happy onboarding call
    # re-running over the kept database duplicates nothing
    again = cli("demo", "--keep", str(keep))
    assert again.returncode == 0 and f"Loaded {calls + 12} interactions" in again.stdout
