"""``callintel queue review|assign|comment|comments``: the queue workflow at the command line, over a small store."""

from __future__ import annotations

import json

import pytest

from ingest import ingest_paths
from models.queue import comments, queue_state
from models.store import Store
from samples import SAMPLES_DIR


@pytest.fixture
def one_call(tmp_path):
    """A store holding one bundled call (not analysed: the workflow needs only the call)."""
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    with Store(url) as store:
        ingest_paths([SAMPLES_DIR / "calls" / "text" / "soylent-2026-10-27-last-chance.txt"], store)
        (call,) = store.list_interactions(kind="call")
    return url, call.id


def test_review_and_undo(cli, one_call):
    url, call = one_call
    done = cli("queue", "review", call, "--by", "dana", "--database-url", url)
    assert done.returncode == 0, done.stderr
    assert f"interaction {call}: reviewed by dana at " in done.stdout
    again = cli("queue", "review", call, "--database-url", url)
    assert again.returncode == 1 and again.stderr.count("\n") == 1
    assert "already reviewed" in again.stderr and "Traceback" not in again.stderr
    undo = cli("queue", "review", call, "--undo", "--database-url", url)
    assert undo.returncode == 0 and "not reviewed (in the queue)" in undo.stdout
    with Store(url) as store:
        assert queue_state(store, call).reviewed_at is None


def test_assign_and_clear(cli, one_call):
    url, call = one_call
    assigned = cli("queue", "assign", call, "sam", "--database-url", url)
    assert assigned.returncode == 0 and "assigned to sam" in assigned.stdout
    with Store(url) as store:
        assert queue_state(store, call).assignee == "sam"
    cleared = cli("queue", "assign", call, "--clear", "--database-url", url)
    assert cleared.returncode == 0 and "unassigned" in cleared.stdout
    with Store(url) as store:
        assert queue_state(store, call).assignee is None
    for args in ((call,), (call, "sam", "--clear")):  # neither, both
        bad = cli("queue", "assign", *args, "--database-url", url)
        assert bad.returncode == 2 and "USER or --clear" in bad.stderr


def test_comments_are_written_and_listed(cli, one_call):
    url, call = one_call
    public = cli(
        "queue", "comment", call, "Call them back Friday", "--by", "dana", "--database-url", url
    )
    private = cli(
        "queue", "comment", call, "Watch the ARR", "--visibility", "managers", "--database-url", url
    )
    assert public.returncode == 0 and "by dana (all)" in public.stdout
    assert private.returncode == 0 and "(managers)" in private.stdout
    listed = cli("queue", "comments", call, "--json", "--database-url", url)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["body"], r["visibility"], r["role"]) for r in rows] == [
        ("Call them back Friday", "all", "admin"),
        ("Watch the ARR", "managers", "admin"),
    ]
    table = cli("queue", "comments", call, "--database-url", url)
    assert table.returncode == 0 and "Watch the ARR" in table.stdout
    with Store(url) as store:  # a rep reading through the API would not see the managers' one
        assert [c.body for c in comments(store, call, managers=False)] == ["Call them back Friday"]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("review", "int_missing"), 1, "no interaction with id 'int_missing'"),
        (("assign", "int_missing", "sam"), 1, "no interaction with id 'int_missing'"),
        (("comment", "int_missing", "hi"), 1, "no interaction with id 'int_missing'"),
        (("comments", "int_missing"), 1, "no interaction with id 'int_missing'"),
        (("comment", "CALL", "   "), 1, "TEXT: the comment is empty"),
        (("comment", "CALL", "hi", "--visibility", "everyone"), 2, "--visibility"),
        (("assign", "CALL", " "), 1, "assignee: must not be empty"),
    ],
)
def test_bad_input_is_one_line(cli, one_call, args, code, says):
    url, call = one_call
    out = cli("queue", *(call if a == "CALL" else a for a in args), "--database-url", url)
    assert out.returncode == code and says in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_the_listing_stays_the_default(cli, one_call):
    url, _ = one_call
    listed = cli("queue", "--limit", "5", "--database-url", url)
    assert listed.returncode == 0 and "Flagged-call queue (0, most severe first)" in listed.stdout
    bad = cli("queue", "--label", "nonsense", "--database-url", url)
    assert bad.returncode == 1 and "--label" in bad.stderr
