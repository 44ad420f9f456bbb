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
    # re-running over the kept database duplicates nothing
    again = cli("demo", "--keep", str(keep))
    assert again.returncode == 0 and f"Loaded {calls + 12} interactions" in again.stdout
