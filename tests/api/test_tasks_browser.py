"""The dashboard's Tasks page in a real headless Chromium against a real `callintel serve`: a rep sees only their
own tasks, closes one with a note (the form posts from this server's page), and reopens it; a manager sees all."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from api.auth import create_token
from models.store import Store
from tests.api.test_dashboard_browser import chromium, page, shot, sign_in  # noqa: F401
from tests.api.test_tasks import seed_tasks
from tests.helpers import serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tasks_site(tmp_path_factory) -> Iterator[tuple[str, dict[str, str], dict[str, int]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('tasks') / 'tasks.db'}"
    with Store(url) as store:
        ids = seed_tasks(store)
        secrets = {
            role: create_token(store, role, f"{role}-bot", rep="sam" if role == "rep" else None)[1]
            for role in ("manager", "rep")
        }
    with serving(
        "--database-url",
        url,
        "--workers",
        "0",
        env={"CALLINTEL_RISK_AS_OF": "2026-10-31T00:00:00Z"},
    ) as base:
        yield base, secrets, ids


def test_a_rep_closes_their_own_task_and_a_manager_sees_everyones(page, tasks_site):  # noqa: F811
    base, secrets, ids = tasks_site
    sign_in(page, base, secrets["rep"], "/dashboard/tasks")
    assert page.url == f"{base}/dashboard/tasks"
    rows = page.locator("tr.task-row")
    assert rows.count() == 2  # sam's two: t-sam-1 (overdue), t-sam-2
    row = page.locator(f"#task-{ids['t-sam-1']}")
    assert "overdue 11d" in row.inner_text() and "task-overdue" in row.get_attribute("class")
    shot(page, "tasks-rep")
    row.locator("input[name=note]").fill("Sent the quote")
    row.locator("form.done button").click()
    page.wait_for_url(re.compile(rf".*/dashboard/tasks#task-{ids['t-sam-1']}$"))
    assert page.locator("tr.task-row").count() == 1  # open tasks only, by default
    page.select_option("select[name=status]", "done")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*status=done.*"))
    row = page.locator(f"#task-{ids['t-sam-1']}")
    assert "done by rep-bot" in row.inner_text() and "Sent the quote" in row.inner_text()
    row.locator("form.reopen button").click()
    page.wait_for_url(re.compile(rf".*status=done.*#task-{ids['t-sam-1']}$"))
    assert page.locator("tr.task-row").count() == 0
    page.click("form.who button[type=submit]")  # sign out
    page.wait_for_url(re.compile(r".*/dashboard/login.*"))
    sign_in(page, base, secrets["manager"], "/dashboard/tasks?overdue=true")
    assert page.locator("tr.task-row").count() == 3  # dana's, sam's and kim's overdue as of 10-31
    page.select_option("select[name=owner]", "kim")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r".*owner=kim.*"))
    assert page.locator("tr.task-row").count() == 1
    shot(page, "tasks")
