"""`callintel tag` on bad input: each case gives a clear per-line error or is handled, never a traceback."""

from __future__ import annotations

import io
import json

import pytest

from api.tag_stream import run_tag
from models.errors import MalformedSource
from tests.helpers import one_line_error


def test_empty_and_blank_lines_are_answered_in_place(cli):
    run = cli("tag", input="\n   \nWe need to cancel.\n\n")
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["text"] for o in out] == ["", "   ", "We need to cancel.", ""]
    assert out[0]["tags"] == [] and out[1]["tags"] == [] and out[3]["tags"] == []


def test_a_line_of_100_kb_is_tagged(cli):
    sentence = "the recorder crashed again and " * 32 + "we lost the call. "  # 1,010 characters
    line = (sentence * 100)[:100_000]
    run = cli("tag", input="ok\n" + line + "\n")
    assert run.returncode == 0, run.stderr
    first, second = (json.loads(o) for o in run.stdout.splitlines())
    assert len(second["text"]) == 100_000
    assert all(second["text"][t["start"] : t["end"]] == t["evidence"] for t in second["tags"])


def test_unknown_speakers_are_tagged_as_unknown(cli):
    lines = [
        {"text": "We want to cancel.", "speaker": "bob"},
        {"text": "We want to cancel.", "speaker": "SPEAKER_7"},
    ]
    run = cli("tag", input="".join(json.dumps(x) + "\n" for x in lines))
    assert run.returncode == 0, run.stderr
    assert [json.loads(o)["speaker"] for o in run.stdout.splitlines()] == ["unknown", "unknown"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"text": "hi", "speaker": 5}', "line 2: 'speaker' must be a string"),
        ('{"text": "hi", "speaker": {"role": "boss"}}', "line 2: bad speaker"),
        ('{"speaker": "customer"}', "line 2: a JSON line needs a string 'text' field"),
    ],
)
def test_a_bad_speaker_or_text_names_the_line(cli, line: str, message: str):
    run = cli("tag", input="first line\n" + line + "\n")
    assert message in one_line_error(run)
    assert [json.loads(o)["text"] for o in run.stdout.splitlines()] == ["first line"]


def test_binary_lines_are_tagged_or_named(tagger):
    out = io.StringIO()
    control = b"ok \x00\x07 bytes"  # valid UTF-8, control characters: tagged
    with pytest.raises(MalformedSource, match=r"line 3: not UTF-8 \(bad byte at offset 0\)"):
        run_tag(tagger, io.BytesIO(b"fine\n" + control + b"\n\x89PNG\r\n\x1a\n\x00\n"), out, 16)
    assert [json.loads(o)["text"] for o in out.getvalue().splitlines()] == [
        "fine",
        "ok \x00\x07 bytes",
    ]
