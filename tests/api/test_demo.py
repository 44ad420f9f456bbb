from collections import Counter

from sqlalchemy import func, select

from models.store import Store
from models.tables import UsageEventRow
from pipeline.queue import JobQueue
from samples._write_accounts import ACCOUNTS, SURVEYS
from tests.helpers import known, one_line_error

CALLS_AND_TICKETS = 70  # 31 calls, 39 tickets
USAGE_EVENTS = 6407  # samples/usage/usage.jsonl
CHURNED = {cid for cid, account in ACCOUNTS.items() if account[7] == "churned"}
COMMENTS = sum(
    1 for survey in SURVEYS if survey[5]
)  # each becomes a ticket once account files are read


def _counts(store: Store) -> tuple[int, Counter]:
    """Survey-comment tickets, and the stored usage events by kind."""
    surveys = sum(i.metadata.get("format") == "survey" for i in store.list_interactions())
    with store.transaction() as session:
        kinds = Counter(
            dict(
                session.execute(
                    select(UsageEventRow.kind, func.count()).group_by(UsageEventRow.kind)
                ).all()
            )
        )
    return surveys, kinds


def test_demo_runs_offline_on_the_bundled_samples(cli, tmp_path):
    keep = tmp_path / "demo.db"
    run = cli("demo", "--keep", str(keep))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "Acme Logistics" in run.stdout and "Vandelay Industries" in run.stdout
    with Store(f"sqlite:///{keep}") as store:
        surveys, kinds = _counts(store)
    assert surveys == COMMENTS  # each survey comment became a ticket
    interactions = CALLS_AND_TICKETS + surveys
    assert kinds["login"] + kinds["feature_used"] + kinds["page_visit"] == USAGE_EVENTS
    assert (
        f"Loaded {interactions} interactions and {sum(kinds.values())} usage events (13 accounts, "
        in " ".join(run.stdout.split())
    )
    assert "Flagged-call queue" in run.stdout and "Flagged tickets" in run.stdout
    assert (
        "never sign off" in run.stdout
    )  # the Acme renewal call's price objection, with its evidence
    assert "Post-call summary of the top flagged call" in run.stdout and "Next steps" in run.stdout
    assert (
        f"analysed {interactions} (0 failed)" in run.stdout
        and "wait for a Whisper model" not in run.stdout
    )
    with Store(f"sqlite:///{keep}") as store:
        counts = store.customer_counts()
        assert (
            len(counts) == 13
            and sum(c.calls for c in counts) == 31
            and sum(c.tickets for c in counts) == 39 + surveys
        )
        formats = {i.metadata["format"] for i in store.list_interactions()}
        assert formats - {"survey"} == {
            "callintel-json",
            "webvtt",
            "srt",
            "text",
            "audio",
            "ticket",
            "eml",
        }
        queue = store.flagged_queue(kind="call")
        renewal = next(
            row for row in queue if row.interaction.title == "Renewal check-in"
        )  # acme, price + Gong
        assert {"price_objection", "competitor_mention"} <= set(renewal.label_counts)
        flagged_customers = {row.interaction.customer_id for row in queue}
        assert (
            "acme" in flagged_customers and "stark" not in flagged_customers
        )  # the happy onboarding calls
        jobs = JobQueue(store).counts()
        assert jobs == {"done": interactions}
        # the three recordings are transcribed by the bundled Whisper, one side per channel
        recordings = [
            known(store.get_interaction(i.id))
            for i in store.list_interactions(kind="call")
            if i.metadata["format"] == "audio"
        ]
        assert len(recordings) == 3 and all(
            known(r.transcript).model == "tiny.en" for r in recordings
        )
        assert all(
            {u.speaker.role for u in known(r.transcript).utterances} == {"rep", "customer"}
            for r in recordings
        )
        hooli = next(r for r in recordings if r.interaction.customer_id == "hooli")
        said = " ".join(
            u.text for u in known(hooli.transcript).utterances if u.speaker.role == "customer"
        ).lower()
        assert "cancel" in said and "export" in said
    assert "Customer risk as of 2026-10-30" in run.stdout and "Latest alerts" in run.stdout
    assert (
        "Timeline, last 60 days" in run.stdout
        and "Health over the last 60 days (weekly)" in run.stdout
    )
    # C: it ends with the portfolio view, the samples' three churned customers behind its reasons
    assert "Portfolio as of 2026-10-30" in run.stdout
    assert "Top churn reasons (3 customers lost" in run.stdout
    _risk_commands_read_the_kept_database(cli, f"sqlite:///{keep}")
    # re-running over the kept database duplicates nothing
    again = cli("demo", "--keep", str(keep))
    assert again.returncode == 0 and f"Loaded {interactions} interactions" in again.stdout
    with Store(f"sqlite:///{keep}") as store:
        assert len(store.list_interactions()) == interactions


def _risk_commands_read_the_kept_database(cli, url):
    import json

    ranked = json.loads(
        cli("customers", "--as-of", "2026-10-30", "--json", "--database-url", url).stdout
    )
    active = set(ACCOUNTS) - CHURNED
    assert active <= {row["customer_id"] for row in ranked} <= set(ACCOUNTS)
    red = {row["customer_id"] for row in ranked if row["band"] == "red"}
    assert {
        "acme",
        "soylent",
        "hooli",
        "oscorp",
    } <= red  # the ones leaving (acme and oscorp asked to)
    assert {row["customer_id"] for row in ranked[-2:]} <= {
        "globex",
        "stark",
        "initech",
        "umbrella",
        "cyberdyne",
    }
    worst = ranked[0]
    assert worst["band"] == "red" and worst["signals"][0]["explanation"]
    table = cli("customers", "--as-of", "2026-10-30", "--database-url", url)
    assert "Customers at risk as of 2026-10-30 (riskiest first)" in table.stdout
    timeline = cli(
        "timeline", "acme", "--as-of", "2026-10-30", "--days", "30", "--json", "--database-url", url
    )
    data = json.loads(timeline.stdout)
    kinds = {entry["kind"] for entry in data["timeline"]}
    assert kinds == {
        "call",
        "ticket",
        "usage",
        "signal",
        "payment",
        "survey",
    }  # acme's account data too
    times = [entry["at"] for entry in data["timeline"]]
    assert times == sorted(times) and data["replay"][-1]["score"] == data["health"]["score"]
    alerts = cli("alerts", "--refresh", "--as-of", "2026-10-30T23:00:00", "--database-url", url)
    assert (
        alerts.returncode == 0
        and "evaluated 13 customers as of 2026-10-30 23:00 UTC: " in alerts.stdout
    )
    assert "band_changed" in alerts.stdout
    assert "no customer 'nobody'" in one_line_error(
        cli("timeline", "nobody", "--database-url", url)
    )
    assert "--as-of 'soon' is not an ISO date" in one_line_error(
        cli("customers", "--as-of", "soon", "--database-url", url)
    )
