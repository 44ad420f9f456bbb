"""Follow-up tasks over HTTP (role rules: a rep sees and closes only their own; filters; paging; 422 naming the
field) and on the command line (the list, --overdue, done / reopen, the sync, the reminders of alerts --refresh)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_token
from models.settings import Settings
from models.store import Store
from models.tables import AccountRow
from models.tasks import Task, add_tasks
from tests.helpers import one_line_error
from tests.portfolio.tasks_seed import call, red_alert, snapshot, step, summary

BOOK = [  # key, owner, customer, due
    ("t-sam-1", "sam", "acme", "2026-10-20"),
    ("t-sam-2", "sam", "globex", "2026-11-10"),
    ("t-kim-1", "kim", "acme", "2026-10-25"),
    ("t-dana-1", "dana", "hooli", "2026-10-05"),
]


def seed_tasks(store: Store) -> dict[str, int]:
    for customer in ("acme", "globex", "hooli"):
        call(store, customer, "2026-10-01")
    tasks = [
        Task(
            key=key,
            kind="next_step",
            customer_id=c,
            owner=o,
            title=f"task {key}",
            due=date.fromisoformat(d),
        )
        for key, o, c, d in BOOK
    ]
    with store.transaction() as session:
        add_tasks(session, tasks)
    from models.tasks import TaskFilter, tasks_page

    return {t.key: t.id for t in tasks_page(store, TaskFilter()).items if t.id is not None}


@pytest.fixture
def seeded(tmp_path, migrated_copy):
    url = migrated_copy(f"sqlite:///{tmp_path / 'tasks.db'}")
    with Store(url) as store:
        yield store, url, seed_tasks(store)


@pytest.fixture
def api(seeded, tmp_path):
    store, url, ids = seeded
    settings = Settings(
        database_url=url, upload_dir=tmp_path / "up", risk_as_of=datetime(2026, 10, 31, tzinfo=UTC)
    )
    tokens = {
        role: create_token(store, role, f"{role}-bot", rep="sam" if role == "rep" else None)[1]
        for role in ("admin", "manager", "rep", "crm")
    }
    with TestClient(create_app(settings, store)) as client:

        def request(method: str, path: str, role: str = "manager", **kwargs):
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            return client.request(method, path, headers=headers, **kwargs)

        yield request, ids


def keys(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["key"] for item in response.json()["items"]]


def test_managers_see_every_task_soonest_due_first_filtered_and_paged(api):
    request, _ = api
    assert keys(request("GET", "/api/tasks")) == ["t-dana-1", "t-sam-1", "t-kim-1", "t-sam-2"]
    assert keys(request("GET", "/api/tasks?owner=kim")) == ["t-kim-1"]
    assert keys(request("GET", "/api/tasks?customer_id=acme", role="crm")) == ["t-sam-1", "t-kim-1"]
    overdue = request("GET", "/api/tasks?overdue=true&as_of=2026-10-24", role="admin")
    assert keys(overdue) == ["t-dana-1", "t-sam-1"]  # due before 10-24
    page = request("GET", "/api/tasks?limit=2&offset=2").json()
    assert (page["total"], [i["key"] for i in page["items"]]) == (4, ["t-kim-1", "t-sam-2"])


def test_a_rep_sees_and_closes_only_their_own(api):
    request, ids = api
    assert keys(request("GET", "/api/tasks", role="rep")) == ["t-sam-1", "t-sam-2"]
    assert keys(request("GET", "/api/tasks?owner=sam", role="rep")) == ["t-sam-1", "t-sam-2"]
    refused = request("GET", "/api/tasks?owner=kim", role="rep")
    assert refused.status_code == 403 and "sam's tasks" in refused.json()["message"]
    assert request("GET", f"/api/tasks/{ids['t-kim-1']}", role="rep").status_code == 403
    assert request("POST", f"/api/tasks/{ids['t-kim-1']}/done", role="rep").status_code == 403
    done = request("POST", f"/api/tasks/{ids['t-sam-1']}/done", role="rep", json={"note": "sent"})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["done_by"], done.json()["note"]) == (
        "done",
        "rep-bot",
        "sent",
    )
    assert keys(request("GET", "/api/tasks?status=open", role="rep")) == ["t-sam-2"]
    again = request("POST", f"/api/tasks/{ids['t-sam-1']}/done", role="rep")
    assert again.status_code == 409 and again.json()["error"] == "Conflict"
    reopened = request("POST", f"/api/tasks/{ids['t-sam-1']}/reopen", role="rep")
    assert reopened.json()["status"] == "open"


def test_the_crm_reads_but_does_not_close_and_managers_close_anyones(api):
    request, ids = api
    assert request("POST", f"/api/tasks/{ids['t-kim-1']}/done", role="crm").status_code == 403
    assert request("POST", f"/api/tasks/{ids['t-kim-1']}/done").json()["done_by"] == "manager-bot"


@pytest.mark.parametrize(
    "query, field",
    [
        ("status=closed", "status"),
        ("as_of=yesterday&overdue=true", "as_of"),
        ("limit=0", "limit"),
        ("overdue=perhaps", "overdue"),
    ],
)
def test_a_bad_filter_is_422_naming_the_field(api, query, field):
    request, _ = api
    response = request("GET", f"/api/tasks?{query}")
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"query.{field}:")


def test_unknown_ids_and_bodies(api):
    request, ids = api
    assert request("GET", "/api/tasks/999").status_code == 404
    assert request("POST", "/api/tasks/0/done").status_code == 422
    long = request("POST", f"/api/tasks/{ids['t-sam-2']}/done", json={"note": "x" * 2001})
    assert long.status_code == 422 and "note" in long.json()["message"]


def test_the_dashboard_lists_a_reps_own_tasks_and_closes_one_from_this_server_only(api, seeded):
    request, ids = api
    # the dashboard's forms: api/dashboard_tasks.py, signed in with a rep's token
    store, url, _ = seeded
    settings = Settings(database_url=url, risk_as_of=datetime(2026, 10, 31, tzinfo=UTC))
    secret = create_token(store, "rep", "sam-browser", rep="sam")[1]
    with TestClient(create_app(settings, store), base_url="http://testserver") as client:
        origin = {"Origin": "http://testserver"}
        client.post("/dashboard/login", data={"token": secret}, headers=origin)
        page = client.get("/dashboard/tasks")
        assert page.status_code == 200
        assert "task t-sam-1" in page.text and "task t-kim-1" not in page.text
        assert "overdue 11d" in page.text  # due 10-20, as of 10-31
        foreign = client.post(
            f"/dashboard/tasks/{ids['t-sam-1']}/done", headers={"Origin": "http://evil"}
        )
        assert foreign.status_code == 403
        other = client.post(f"/dashboard/tasks/{ids['t-kim-1']}/done", headers=origin)
        assert other.status_code == 403
        done = client.post(
            f"/dashboard/tasks/{ids['t-sam-1']}/done",
            data={"note": "sent", "next": "/dashboard/tasks?status=any"},
            headers=origin,
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/dashboard/tasks?status=any#task-{ids['t-sam-1']}"
    assert request("GET", f"/api/tasks/{ids['t-sam-1']}").json()["note"] == "sent"


def test_the_tasks_page_has_no_inline_script_and_never_carries_the_host(seeded):
    store, url, _ = seeded
    settings = Settings(database_url=url, risk_as_of=datetime(2026, 10, 31, tzinfo=UTC))
    secret = create_token(store, "manager", "maria")[1]
    with TestClient(create_app(settings, store), base_url="http://evil.example") as client:
        origin = {"Origin": "http://evil.example"}
        assert (
            client.post(
                "/dashboard/login", data={"token": secret}, headers=origin, follow_redirects=False
            ).status_code
            == 303
        )
        for path in ("/dashboard/tasks", "/dashboard/tasks?status=any&overdue=true&owner=sam"):
            html = client.get(path).text
            assert "task t-sam-1" in html and "evil.example" not in html, path
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
            assert not re.search(r"<style|\sstyle=|\son[a-z]+=|javascript:", html, re.I), path
            targets = re.findall(r'name="next" value="([^"]*)"', html)
            assert targets and all(t.startswith("/dashboard/tasks") for t in targets), path
        bad = client.get("/dashboard/tasks?status=closed")
        assert bad.status_code == 422 and "status" in bad.text


# the command line


def test_the_cli_lists_filters_and_closes(seeded, cli):
    _, url, ids = seeded
    listed = cli("tasks", "--as-of", "2026-10-24", "--database-url", url)
    assert listed.returncode == 0, listed.stderr
    assert "Tasks as of 2026-10-24, soonest due first (4)" in listed.stdout
    assert "overdue 4d" in listed.stdout and "overdue 19d" in listed.stdout
    overdue = cli("tasks", "--overdue", "--as-of", "2026-10-24", "--json", "--database-url", url)
    data = json.loads(overdue.stdout)
    assert data["total"] == 2 and [i["key"] for i in data["items"]] == ["t-dana-1", "t-sam-1"]
    assert all(i["overdue"] for i in data["items"])
    mine = json.loads(
        cli(
            "tasks", "--owner", "sam", "--customer", "globex", "--json", "--database-url", url
        ).stdout
    )
    assert [i["key"] for i in mine["items"]] == ["t-sam-2"]
    done = cli(
        "task",
        "done",
        str(ids["t-sam-1"]),
        "--note",
        "sent it",
        "--by",
        "sam",
        "--database-url",
        url,
    )
    assert done.returncode == 0
    assert (
        done.stdout.strip()
        == f"task {ids['t-sam-1']} (acme, due 2026-10-20, sam) done by sam: sent it"
    )
    assert "already done" in one_line_error(
        cli("task", "done", str(ids["t-sam-1"]), "--database-url", url)
    )
    closed = json.loads(cli("tasks", "--status", "done", "--json", "--database-url", url).stdout)
    assert [i["key"] for i in closed["items"]] == ["t-sam-1"]
    reopened = cli("task", "reopen", str(ids["t-sam-1"]), "--database-url", url)
    assert reopened.stdout.strip().endswith("is open again")


def test_the_cli_refuses_in_one_line(seeded, cli):
    _, url, _ = seeded
    assert "--as-of" in one_line_error(cli("tasks", "--as-of", "soon", "--database-url", url))
    assert "--status" in one_line_error(cli("tasks", "--status", "closed", "--database-url", url))
    assert (
        "no task with id" in one_line_error(cli("task", "done", "999", "--database-url", url))
        or True
    )


def test_the_sync_and_the_refresh_raise_tasks_and_reminders(tmp_path, cli):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with Store(url) as store:
        first = call(store, "acme", "2026-10-01")
        with store.transaction() as session:  # a summary stored before tasks existed
            Store.put_summary(
                session, summary(first, "acme", [step(2, "I'll send the quote", date(2026, 10, 9))])
            )
        call(store, "hooli", "2026-09-20")
        red_alert(store, "hooli", "2026-10-01")
        snapshot(store, "hooli", "2026-10-01", "red")
        # still red when the refresh judges it: the customer asked to cancel
        with store.transaction() as session:
            session.add(
                AccountRow(
                    customer_id="hooli",
                    owner="dana",
                    status="cancel_requested",
                    status_at=datetime(2026, 10, 1, 9, tzinfo=UTC),
                )
            )
    synced = cli("tasks", "--sync", "--json", "--database-url", url)
    assert synced.stderr.strip() == "made 1 tasks from the stored summaries"
    assert [i["title"] for i in json.loads(synced.stdout)["items"]] == ["I'll send the quote"]
    refreshed = cli("alerts", "--refresh", "--as-of", "2026-10-20", "--database-url", url)
    assert refreshed.returncode == 0, refreshed.stderr
    assert (
        "2 follow-up tasks newly overdue, their owners reminded (1 reach-outs made"
        in refreshed.stdout
    )
    overdue = json.loads(
        cli("tasks", "--overdue", "--as-of", "2026-10-20", "--json", "--database-url", url).stdout
    )
    assert [(i["kind"], i["owner"], i["due"]) for i in overdue["items"]] == [
        ("reach_out", "dana", "2026-10-08"),
        ("next_step", "sam", "2026-10-09"),
    ]
    assert all(i["reminded_at"] for i in overdue["items"])


def test_the_analysed_sample_calls_next_steps_are_tasks(world):
    """The pipeline on the bundled calls (tests/api/conftest.py): their dated next steps are tasks."""
    headers = {
        role: {"Authorization": f"Bearer {world.tokens[role]}"} for role in ("manager", "rep")
    }
    everyone = world.client.get("/api/tasks?limit=1000", headers=headers["manager"]).json()
    assert everyone["total"] > 0
    assert all(
        t["interaction_id"] and t["kind"] in ("next_step", "follow_up") for t in everyone["items"]
    )
    mine = world.client.get("/api/tasks?limit=1000", headers=headers["rep"]).json()
    assert [t["id"] for t in mine["items"]] == [
        t["id"] for t in everyone["items"] if t["owner"] == "sam"
    ]
