"""The queue workflow in the dashboard: severity shown, reviewed calls hidden behind a toggle, the call page's
review, assign and comment forms (same-origin only), comments scoped by role."""

from __future__ import annotations

from contextlib import suppress

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from models.errors import Conflict
from models.queue import assign, review
from tests.api.test_dashboard import SAME_ORIGIN, call_ids, sign_in


@pytest.fixture
def browser(world):
    with TestClient(create_app(world.settings, world.store)) as client:
        yield client


@pytest.fixture
def target(world):
    """A call that is not sam's, put back unreviewed and unassigned afterwards."""
    api = world.client.get(
        "/api/queue",
        params={"limit": 500},
        headers={"Authorization": f"Bearer {world.tokens['manager']}"},
    ).json()
    found = next(f["interaction"]["id"] for f in api["items"] if f["interaction"]["rep"] != "sam")
    yield found
    with suppress(Conflict):
        review(world.store, found, "t", False)
    with suppress(Conflict):
        assign(world.store, found, None)


def test_reviewing_on_the_call_page_hides_the_call_from_the_queue(browser, world, target):
    sign_in(browser, world.tokens["manager"])
    queue = browser.get("/dashboard/").text
    assert target in call_ids(queue) and "Severity" in queue and "include reviewed" in queue
    page = browser.get(f"/dashboard/calls/{target}").text
    assert f'action="/dashboard/calls/{target}/review"' in page and "Not reviewed" in page
    forged = browser.post(
        f"/dashboard/calls/{target}/review", headers={"Origin": "http://evil.example"}
    )
    assert forged.status_code == 403
    done = browser.post(
        f"/dashboard/calls/{target}/review", headers=SAME_ORIGIN, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"/dashboard/calls/{target}"
    )
    assert "Reviewed by manager" in browser.get(f"/dashboard/calls/{target}").text
    assert target not in call_ids(browser.get("/dashboard/").text)
    assert target in call_ids(browser.get("/dashboard/", params={"reviewed": "true"}).text)


def test_managers_only_comments_stay_hidden_from_the_assigned_rep(browser, world, target):
    sign_in(browser, world.tokens["manager"])
    for data in (
        {"body": "Check their ARR", "visibility": "managers"},
        {"body": "Sam, please call back"},
    ):
        made = browser.post(f"/dashboard/calls/{target}/comments", data=data, headers=SAME_ORIGIN, follow_redirects=False)  # fmt: skip
        assert made.status_code == 303
    assigned = browser.post(f"/dashboard/calls/{target}/assign", data={"assignee": "sam"}, headers=SAME_ORIGIN, follow_redirects=False)  # fmt: skip
    assert assigned.status_code == 303
    manager_view = browser.get(f"/dashboard/calls/{target}").text
    assert "Check their ARR" in manager_view and "assigned to <strong>sam</strong>" in manager_view
    with TestClient(create_app(world.settings, world.store)) as rep:
        sign_in(rep, world.tokens["rep"])
        refused = rep.post(f"/dashboard/calls/{target}/review", headers=SAME_ORIGIN, follow_redirects=False)  # fmt: skip
        assert refused.status_code == 403
        said = rep.post(f"/dashboard/calls/{target}/comments", data={"body": "On it"}, headers=SAME_ORIGIN, follow_redirects=False)  # fmt: skip
        assert said.status_code == 303
    comments = world.client.get(
        f"/api/interactions/{target}/comments",
        headers={"Authorization": f"Bearer {world.tokens['rep']}"},
    ).json()
    ours = {"Check their ARR", "Sam, please call back", "On it"}  # the shared store may hold others
    assert [c["body"] for c in comments if c["body"] in ours] == ["Sam, please call back", "On it"]
    assert all(c["visibility"] == "all" for c in comments)
