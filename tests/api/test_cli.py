"""The command line as a user runs it: outputs, exit codes, one-line errors (in process; the real
console script for the exit status of a usage error, a store error and --help)."""

from __future__ import annotations

from models.store import Store
from tests.helpers import call_doc, one_line_error


def test_ingest_then_reingest_is_a_no_op(cli, write_json, db_url):
    path = write_json("calls/a.json", call_doc())
    write_json(
        "calls/t.jsonl",
        [
            {
                "ticket_id": "T1",
                "customer_id": "acme",
                "created_at": "2026-09-01T00:00:00Z",
                "body": "Invoice is wrong",
            },
            {"customer_id": "acme", "kind": "login", "occurred_at": "2026-09-02T08:00:00Z"},
        ],
    )
    first = cli("ingest", "--no-analyse", str(path.parent), "--database-url", db_url)
    assert first.returncode == 0, first.stderr
    assert (
        "ingested 2 new interactions (0 already stored) and 1 new usage events from 2 of 2 files"
        in first.stdout
    )
    again = cli("ingest", "--no-analyse", str(path.parent), "--database-url", db_url)
    assert again.returncode == 0
    assert "ingested 0 new interactions (2 already stored) and 0 new usage events" in again.stdout
    with Store(db_url) as store:
        assert len(store.list_interactions()) == 2


def test_database_url_comes_from_the_environment(cli, write_json, db_url):
    path = write_json("a.json", call_doc())
    run = cli(
        "ingest",
        "--no-analyse",
        str(path),
        "--customer",
        "globex",
        "--rep",
        "sam",
        env={"CALLINTEL_DATABASE_URL": db_url},
    )
    assert run.returncode == 0, run.stderr
    with Store(db_url) as store:
        (only,) = store.list_interactions()
        assert (only.customer_id, only.rep) == ("globex", "sam")


def test_missing_file(cli, tmp_path):
    line = one_line_error(cli("ingest", "--no-analyse", str(tmp_path / "nope.json")))
    assert line == f"callintel: {tmp_path / 'nope.json'}: no such file or directory"


def test_malformed_json_is_reported_and_the_good_files_still_land(
    cli, write_json, tmp_path, db_url
):
    write_json("in/good.json", call_doc())
    bad = tmp_path / "in" / "bad.json"
    bad.write_text('{"customer_id": "acme", "utterances": [}')
    run = cli("ingest", "--no-analyse", str(tmp_path / "in"), "--database-url", db_url)
    line = one_line_error(run)
    assert line.startswith(f"callintel: {bad}: malformed JSON at line 1 column")
    assert "from 1 of 2 files" in run.stdout
    with Store(db_url) as store:
        assert len(store.list_interactions()) == 1


def test_unreadable_file(cli, tmp_path):
    binary = tmp_path / "audio.json"
    binary.write_bytes(bytes(range(256)))
    assert "not UTF-8" in one_line_error(cli("ingest", "--no-analyse", str(binary)))


def test_invalid_file_writes_nothing(cli, write_json, db_url):
    doc = call_doc()
    doc["utterances"].append({"speaker": "customer", "start_s": 9, "end_s": 1, "text": "backwards"})
    path = write_json("half.json", doc)
    assert "utterances.2" in one_line_error(
        cli("ingest", "--no-analyse", str(path), "--database-url", db_url)
    )
    with Store(db_url) as store:
        assert store.list_interactions() == [] and store.customer_counts() == []


def test_unknown_option(cli_process):
    run = cli_process("ingest", "--no-analyse", "--frobnicate", "x")
    line = one_line_error(run)
    assert line == "callintel: No such option: --frobnicate (see 'callintel ingest --help')"
    assert run.returncode == 2


def test_unknown_command(cli):
    assert "No such command 'frobnicate'" in one_line_error(cli("frobnicate"))


def test_bad_setting_is_one_line(cli, write_json):
    path = write_json("a.json", call_doc())
    run = cli("ingest", "--no-analyse", str(path), env={"CALLINTEL_TAG_BATCH_SIZE": "many"})
    assert "CALLINTEL_TAG_BATCH_SIZE" in one_line_error(run)
    assert run.returncode == 2


def test_bad_database_url_is_one_line(cli_process, write_json):
    path = write_json("a.json", call_doc())
    run = cli_process(
        "ingest", "--no-analyse", str(path), "--database-url", "postgresql+nosuchdriver://x/y"
    )
    assert "cannot use database URL" in one_line_error(run)
    assert run.returncode == 4


def test_config_lists_every_setting(cli):
    run = cli("config")
    assert run.returncode == 0
    for name in ("CALLINTEL_DATABASE_URL", "CALLINTEL_COMPETITORS_FILE", "CALLINTEL_WHISPER_MODEL"):
        assert name in run.stdout


def test_help_lists_the_commands(cli_process):
    run = cli_process("--help")
    assert run.returncode == 0
    for command in ("demo", "ingest", "config"):
        assert command in run.stdout


def test_a_file_that_breaks_the_reader_is_reported_and_the_next_one_lands(
    cli, write_json, tmp_path, db_url
):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    ok = write_json("ok.json", call_doc())
    run = cli("ingest", "--no-analyse", str(deep), str(ok), "--database-url", db_url)
    line = one_line_error(run)
    assert line.startswith(f"callintel: {deep}: ") and run.returncode == 1
    assert (
        "ingested 1 new interactions (0 already stored) and 0 new usage events from 1 of 2 files"
        in run.stdout
    )
    with Store(db_url) as store:
        assert [i.customer_id for i in store.list_interactions()] == ["acme"]
