"""`callintel ingest` runs the pipeline; `callintel jobs` and `callintel summary` read and drive it."""

import json

from models.analysis import Summary
from tests.helpers import call_doc, known, one_line_error


def _call(**extra):
    doc = call_doc(**extra)
    doc["utterances"] += [
        {
            "speaker": "rep",
            "start_s": 5.5,
            "end_s": 8.0,
            "text": "I'll send a revised proposal by Friday.",
        },
        {
            "speaker": "customer",
            "start_s": 8.5,
            "end_s": 10.0,
            "text": "Can you include the onboarding costs?",
        },
    ]
    return doc


def test_ingest_analyses_and_the_summary_reads_back(cli, write_json, tmp_path, db_url):
    write_json("in/call.json", _call())
    (tmp_path / "in" / "notes.docx").write_text("?")
    run = cli("ingest", str(tmp_path / "in"), "--database-url", db_url)
    assert run.returncode == 1  # one file could not be read
    assert "notes.docx: unsupported file type .docx (expected one of .csv, .eml," in one_line_error(
        run
    )
    assert "analysed: 1 done, 0 failed, 0 still queued" in run.stdout
    listed = cli("jobs", "list", "--status", "done", "--database-url", db_url)
    interaction_id = next(word for word in listed.stdout.split() if word.startswith("int_"))
    markdown = cli("summary", interaction_id[:8], "--database-url", db_url)
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("# Check-in\n")
    assert (
        "- [ ] I'll send a revised proposal by Friday. (rep, due Fri 2026-09-04)" in markdown.stdout
    )
    assert (
        "**Price objection**, customer" in markdown.stdout
        and "Can you include the onboarding costs?" in markdown.stdout
    )
    as_json = cli("summary", interaction_id, "--json", "--database-url", db_url)
    summary = Summary.model_validate(json.loads(as_json.stdout))
    assert (
        summary.interaction_id == interaction_id
        and known(summary.metrics).talk_time_s["customer"] == 4.0
    )


def test_no_analyse_queues_and_jobs_run_finishes(cli, write_json, db_url):
    path = write_json("call.json", _call())
    assert cli("ingest", "--no-analyse", str(path), "--database-url", db_url).returncode == 0
    queued = cli("jobs", "list", "--database-url", db_url)
    assert "queued" in queued.stdout
    pending = cli("summary", "int_", "--database-url", db_url)
    assert "has no summary yet: its job has not finished" in one_line_error(pending)
    run = cli("jobs", "run", "--database-url", db_url)
    assert run.returncode == 0 and "analysed: 1 done, 0 failed" in run.stdout
    assert (
        cli("jobs", "retry", "--database-url", db_url).stdout.strip()
        == "queued 0 failed jobs again"
    )


def test_summary_of_an_unknown_or_ambiguous_id(cli, write_json, db_url):
    for n in range(2):
        cli(
            "ingest",
            "--no-analyse",
            str(write_json(f"c{n}.json", _call(title=f"Call {n}"))),
            "--database-url",
            db_url,
        )
    assert "no interaction with id 'int_zzz'" in one_line_error(
        cli("summary", "int_zzz", "--database-url", db_url)
    )
    assert "'int_' is ambiguous" in one_line_error(cli("summary", "int_", "--database-url", db_url))


def test_worker_without_a_broker_says_how_to_set_one(cli):
    run = cli("worker")
    assert run.returncode == 2
    assert one_line_error(run) == (
        "callintel: callintel worker needs a broker: set CALLINTEL_BROKER_URL "
        "(e.g. redis://localhost:6379/0)"
    )
