"""The managers' queue over HTTP: severity ranking, reviewed calls hidden, review/assign/comment and their roles."""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import asdict, replace

import pytest
from pydantic import TypeAdapter

from api.queries import public_interaction
from api.schemas import FlaggedItem, Page, SeverityOut
from models.errors import Conflict
from models.keyset import QueuePlace
from models.pages import FlagFilter
from models.queue import assign, review


def call(world, method, path, role="manager", json=None, **params):
    headers = {"Authorization": f"Bearer {world.tokens[role]}"}
    return world.client.request(method, path, params=params, json=json, headers=headers)


@pytest.fixture
def other_call(world):
    """A call that is not the rep token's (sam's), left unreviewed and unassigned afterwards."""
    queue = call(world, "GET", "/api/queue", limit=500).json()["items"]
    found = next(f["interaction"]["id"] for f in queue if f["interaction"]["rep"] != "sam")
    yield found
    with suppress(Conflict):  # already undone by the test
        review(world.store, found, "t", False)
    with suppress(Conflict):
        assign(world.store, found, None)


def test_the_queue_ranks_by_severity_and_shows_its_parts(world):
    items = call(world, "GET", "/api/queue", limit=500).json()["items"]
    totals = [f["severity"]["total"] for f in items]
    assert items and totals == sorted(totals, reverse=True)
    for f in items:
        s = f["severity"]
        assert s["weight"] * s["score"] * s["recency"] * s["value"] == pytest.approx(s["total"])
        assert 0 < s["recency"] <= 1 and s["value"] >= 1 and f["top"]["speaker_role"] != "rep"
        assert s["score"] == f["top"]["score"]


def test_a_reviewed_call_leaves_the_queue_until_asked_for(world, other_call):
    before = call(world, "GET", "/api/queue", limit=500).json()
    done = call(world, "POST", f"/api/interactions/{other_call}/review", json={"reviewed": True})
    assert done.status_code == 200 and done.json()["reviewed_by"] == "manager"
    again = call(world, "POST", f"/api/interactions/{other_call}/review", json={})
    assert again.status_code == 409 and again.json()["error"] == "Conflict"
    after = call(world, "GET", "/api/queue", limit=500).json()
    assert after["total"] == before["total"] - 1
    assert other_call not in [f["interaction"]["id"] for f in after["items"]]
    everything = call(world, "GET", "/api/queue", limit=500, reviewed="true").json()
    assert everything["total"] == before["total"]
    shown = next(f for f in everything["items"] if f["interaction"]["id"] == other_call)
    assert shown["reviewed_at"] and shown["reviewed_by"] == "manager"
    undo = call(world, "POST", f"/api/interactions/{other_call}/review", json={"reviewed": False})
    assert undo.status_code == 200 and undo.json()["reviewed_at"] is None


def test_only_managers_review_and_assign(world, other_call):
    for path, body in (("review", {}), ("assign", {"assignee": "sam"})):
        refused = call(world, "POST", f"/api/interactions/{other_call}/{path}", "rep", body)
        assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
    missing = call(world, "POST", "/api/interactions/int_missing/review", json={})
    assert missing.status_code == 404 and missing.json()["error"] == "NotFound"


def test_comments_are_scoped_by_role_and_assignment(world, other_call):
    path = f"/api/interactions/{other_call}/comments"
    assert call(world, "GET", path, "rep").status_code == 404  # not sam's and not assigned to sam
    assert call(world, "GET", f"/api/interactions/{other_call}", "rep").status_code == 404
    assert call(world, "POST", path, "rep", {"body": "hi"}).status_code == 404
    private = call(world, "POST", path, "manager", {"body": "watch ARR", "visibility": "managers"})
    public = call(world, "POST", path, "admin", {"body": "Sam, call them back"})
    assert private.status_code == 201 and public.status_code == 201
    assigned = call(
        world, "POST", f"/api/interactions/{other_call}/assign", json={"assignee": "sam"}
    )
    assert assigned.status_code == 200 and assigned.json()["assignee"] == "sam"
    twice = call(world, "POST", f"/api/interactions/{other_call}/assign", json={"assignee": "sam"})
    assert twice.status_code == 409
    mine = call(world, "GET", "/api/queue", "rep", limit=500).json()["items"]
    assert other_call in [
        f["interaction"]["id"] for f in mine
    ]  # assigned to sam: now in sam's queue
    assert {f["interaction"]["rep"] for f in mine if f["assignee"] != "sam"} <= {"sam"}
    assert call(world, "GET", f"/api/interactions/{other_call}", "rep").status_code == 200
    reply = call(world, "POST", path, "rep", {"body": "Calling Monday"})
    assert reply.status_code == 201 and reply.json()["author"] == "sam"
    assert (
        call(world, "POST", path, "rep", {"body": "x", "visibility": "managers"}).status_code == 403
    )
    ours = {
        "watch ARR",
        "Sam, call them back",
        "Calling Monday",
    }  # the shared store may hold others
    seen_by_rep = [c["body"] for c in call(world, "GET", path, "rep").json() if c["body"] in ours]
    seen_by_manager = [
        c["body"] for c in call(world, "GET", path, "manager").json() if c["body"] in ours
    ]
    assert seen_by_rep == ["Sam, call them back", "Calling Monday"]
    assert seen_by_manager == ["watch ARR", "Sam, call them back", "Calling Monday"]
    empty = call(world, "POST", path, "manager", {"body": ""})
    assert empty.status_code == 422


def test_the_queue_command_ranks_like_the_api(world, cli):
    url = world.settings.database_url
    env = {"CALLINTEL_RISK_AS_OF": "2026-10-31T00:00:00Z"}
    out = cli("queue", "--json", "--limit", "500", "--database-url", url, env=env)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    api = call(world, "GET", "/api/queue", limit=500).json()["items"]
    assert [r["interaction"]["id"] for r in rows] == [f["interaction"]["id"] for f in api]
    table = cli("queue", "--limit", "3", "--database-url", url, env=env)
    assert table.returncode == 0 and "most severe first" in table.stdout and "×" in table.stdout
    bad = cli("queue", "--label", "nonsense", "--database-url", url)
    assert bad.returncode != 0 and "--label" in bad.stderr and "Traceback" not in bad.stderr


def _as_models(world, role: str, **params) -> bytes:
    """The queue page as the response models wrote it before (``Page`` of ``FlaggedItem``s)."""
    callintel = world.client.app.state.callintel
    rep = "sam" if role == "rep" else None
    wanted = FlagFilter(
        params.get("label"), kind=params.get("kind", "call"), include_reviewed="reviewed" in params
    )
    wanted = replace(wanted, mine=rep)
    cursor = QueuePlace.decode(params["cursor"]) if "cursor" in params else None
    page = callintel.flagged(wanted, params["limit"], params.get("offset", 0), cursor)
    items = [
        FlaggedItem(
            interaction=public_interaction(f.interaction),
            label_counts=f.label_counts,
            top=f.top,
            severity=SeverityOut(**asdict(f.severity)) if f.severity else None,
            assignee=f.assignee,
            reviewed_at=f.reviewed_at,
            reviewed_by=f.reviewed_by,
        )
        for f in page.items
    ]
    body = Page(
        total=page.total, limit=params["limit"], offset=params.get("offset", 0), items=items
    )
    return TypeAdapter(Page).dump_json(body)


@pytest.mark.parametrize(
    "role, params",
    [
        ("manager", {"limit": 2}),
        ("manager", {"limit": 500, "reviewed": "true"}),
        ("manager", {"limit": 3, "offset": 1, "kind": "ticket"}),
        ("manager", {"limit": 500, "label": "price_objection"}),
        ("rep", {"limit": 500}),
    ],
    ids=["page", "reviewed", "tickets", "label", "rep"],
)
def test_the_queue_answers_the_bytes_its_response_models_wrote(world, other_call, role, params):
    review(world.store, other_call, "mia")
    assign(world.store, other_call, "sam")
    answer = call(world, "GET", "/api/queue", role, **params)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.content == _as_models(world, role, **params)
    assert answer.json()["items"], "a view with rows"
    if answer.headers.get("X-Next-Cursor"):
        cursor = answer.headers["X-Next-Cursor"]
        after = call(world, "GET", "/api/queue", role, **params, cursor=cursor)
        assert after.content == _as_models(world, role, **params, cursor=cursor)
