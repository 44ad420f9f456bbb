from pathlib import Path

import pytest

from ingest import IngestDefaults, read_source
from ingest.files import discover
from models.errors import MalformedSource, SourceNotFound, UnreadableSource, UnsupportedSource
from tests.helpers import call_doc, known


def test_transcript_file_becomes_interaction_and_transcript(write_json):
    path = write_json("call.json", call_doc())
    parsed = read_source(path)
    (item,) = parsed.items
    assert item.interaction.kind == "call" and item.interaction.customer_id == "acme"
    assert item.interaction.id == f"int_{item.interaction.sha256[:16]}"
    transcript = known(item.transcript)
    roles = [u.speaker.role for u in transcript.utterances]
    assert roles == ["rep", "customer"]
    assert transcript.duration_s == 5.0


def test_command_line_defaults_override_the_file(write_json):
    path = write_json("call.json", call_doc())
    (item,) = read_source(path, IngestDefaults(customer_id="globex", rep="sam")).items
    assert (item.interaction.customer_id, item.interaction.rep) == ("globex", "sam")


def test_tickets_and_usage_lines(write_json):
    path = write_json(
        "mixed.jsonl",
        [
            {
                "ticket_id": "T1",
                "customer_id": "acme",
                "created_at": "2026-09-01T00:00:00Z",
                "subject": "Refund",
                "messages": [
                    {"from": "customer", "text": "Refund please"},
                    {"from": "agent", "text": "Done"},
                ],
            },
            {"customer_id": "acme", "kind": "login", "occurred_at": "2026-09-02T08:00:00Z"},
        ],
    )
    parsed = read_source(path)
    (ticket,) = parsed.items
    assert ticket.interaction.kind == "ticket"
    utterances = known(ticket.transcript).utterances
    assert [u.speaker.role for u in utterances] == ["customer", "rep"]
    assert all(u.start_s is None for u in utterances)
    assert parsed.usage_events[0].kind == "login"


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("bad.json", '{"utterances": [', MalformedSource, "malformed JSON at line 1"),
        ("empty.json", "", MalformedSource, "file is empty"),
        ("list.json", "[1, 2]", MalformedSource, "every ticket must be a JSON object"),
        (
            "nouttr.json",
            '{"customer_id": "a"}',
            MalformedSource,
            "expected a transcript (an object with 'utterances')",
        ),
        ("nocust.json", '{"utterances": [{"text": "hi"}]}', MalformedSource, "no customer_id"),
        (
            "times.json",
            '{"customer_id": "a", "utterances": [{"text": "hi", "start_s": 3, "end_s": 1}]}',
            MalformedSource,
            "utterances.0",
        ),
        (
            "blank.json",
            '{"customer_id": "a", "utterances": [{"text": ""}]}',
            MalformedSource,
            "utterances.0.text",
        ),
        (
            "lines.jsonl",
            '{"kind": "login", "occurred_at": "2026-01-01", "customer_id": "a"}\n{oops\n',
            MalformedSource,
            "line 2",
        ),
        ("what.jsonl", '{"hello": 1}\n', MalformedSource, "line 1: neither a ticket"),
        (
            "sender.jsonl",
            '{"customer_id": "a", "created_at": "2026-01-01", "messages": [{"from": "robot", "text": "x"}]}\n',
            MalformedSource,
            "unknown sender",
        ),
        ("notes.txt", "hello", MalformedSource, "line 1: expected 'Speaker: text'"),
        ("notes.docx", "hello", UnsupportedSource, "unsupported file type .docx"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path, name, content, error, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(error) as caught:
        read_source(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_binary_file_is_not_utf8(tmp_path):
    path = tmp_path / "noise.json"
    path.write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(MalformedSource, match="not UTF-8"):
        read_source(path)


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.json"
    path.write_text("{}")

    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(UnreadableSource, match="permission denied"):
        read_source(path)


def test_discover_walks_folders_and_skips_hidden(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.json").write_text("{}")
    (tmp_path / "a" / ".hidden.json").write_text("{}")
    (tmp_path / "a" / "_private.py").write_text("")
    assert [p.name for p in discover([tmp_path / "a"])] == ["x.json"]
    with pytest.raises(SourceNotFound):
        list(discover([tmp_path / "missing"]))
