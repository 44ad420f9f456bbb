"""`callintel tag` as a user runs it: in process, and the real console script over a pipe."""

from __future__ import annotations

import json
import os
import selectors
import subprocess

import pytest

from tests.conftest import CALLINTEL
from tests.helpers import one_line_error

LINES = [
    "Gong is cheaper, this is too expensive.",
    json.dumps(
        {"text": "Our export feature lets you download transcripts as CSV.", "speaker": "rep"}
    ),
    json.dumps(
        {"text": "How do I get all our call notes out into a spreadsheet?", "speaker": "customer"}
    ),
    "We are not cancelling, we are expanding.",
]


def test_tag_contract(cli):
    run = cli("tag", input="\n".join(LINES) + "\n")
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(out) == len(LINES)
    first = out[0]
    assert list(first) == ["text", "sentiment", "tags"]
    assert first["text"] == LINES[0] and first["sentiment"]["label"] == "negative"
    assert first["tags"][0] == {
        "label": "competitor_mention",
        "entity": "Gong",
        "score": 0.99,
        "start": 0,
        "end": 4,
        "evidence": "Gong",
    }
    assert (
        first["tags"][1]["label"] == "price_objection"
        and first["tags"][1]["evidence"] == "too expensive"
    )
    assert out[1]["speaker"] == "rep" and out[1]["tags"] == []
    assert [t["label"] for t in out[2]["tags"]] == ["export_data_intent"]
    assert out[3]["tags"] == []


def test_bad_json_line_names_the_line_and_keeps_what_came_before(cli):
    run = cli("tag", input='We need to cancel.\n{"text": oops}\nnever reached\n')
    assert (
        one_line_error(run)
        == "callintel: <stdin>: line 2: malformed JSON: Expecting value (column 10)"
    )
    assert run.returncode == 1
    assert [json.loads(line)["text"] for line in run.stdout.splitlines()] == ["We need to cancel."]


def test_json_line_without_text(cli):
    run = cli("tag", input='{"speaker": "customer"}\n')
    assert "line 1: a JSON line needs a string 'text' field" in one_line_error(run)


def test_missing_catalogue_is_one_line(cli, tmp_path):
    missing = tmp_path / "nope.yaml"
    run = cli("tag", "--competitors", str(missing), input="hello\n")
    assert one_line_error(run) == f"callintel: {missing}: no such file or directory"


@pytest.mark.slow  # the console script in a subprocess
def test_streams_on_an_open_pipe(tmp_path):
    """One line in, one JSON line out, while stdin stays open (an endless producer)."""
    proc = subprocess.Popen(
        [str(CALLINTEL), "tag"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
        cwd=tmp_path,
    )
    assert proc.stdin is not None and proc.stdout is not None  # both are pipes
    try:
        proc.stdin.write(b"Please cancel our subscription.\n")
        proc.stdin.flush()
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        assert selector.select(timeout=240), "no output while the pipe is still open"
        line = json.loads(proc.stdout.readline())
        assert line["text"] == "Please cancel our subscription."
        assert "cancellation_intent" in {t["label"] for t in line["tags"]}
        assert proc.poll() is None  # still waiting for more input
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0


def test_a_catalogue_that_is_a_folder_says_so(cli, tmp_path):
    run = cli("tag", "--competitors", str(tmp_path), input="hello\n")
    assert one_line_error(run) == f"callintel: {tmp_path}: is a directory, not a YAML catalogue"
    assert run.returncode == 1


def test_a_line_over_the_limit_stops_the_run_naming_it(cli_process):
    """Through a real pipe: the lines before the one over the limit are out before the error."""
    huge = "price " * 200_000  # 1.2 million characters, over the default CALLINTEL_MAX_LINE_CHARS
    run = cli_process("tag", input=f"We need to cancel.\n{huge}\nnever reached\n")
    line = one_line_error(run)
    assert run.returncode == 1
    assert (
        line
        == "callintel: <stdin>: line 2: longer than 100000 characters (CALLINTEL_MAX_LINE_CHARS)"
    )
    assert [json.loads(out)["text"] for out in run.stdout.splitlines()] == ["We need to cancel."]


def test_the_line_limit_is_a_setting(cli):
    run = cli(
        "tag", input="a" * 1000 + "\n" + "b" * 1001 + "\n", env={"CALLINTEL_MAX_LINE_CHARS": "1000"}
    )
    assert "line 2: longer than 1000 characters" in one_line_error(run)
    assert len(run.stdout.splitlines()) == 1
