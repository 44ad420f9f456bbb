"""Extreme but valid-looking inputs: dates at datetime's limits, deeply nested JSON. Each a 4xx or one CLI line."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_token
from api.limits import JsonDepth
from ingest import ingest_paths
from models.settings import Settings
from models.store import Store
from samples import SAMPLES_DIR
from tests.helpers import one_line_error

EXTREMES = [
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00+01:00",
    "1969-12-31",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("extremes")
    url = f"sqlite:///{tmp / 'extremes.db'}"
    with Store(url) as store:
        ingest_paths([SAMPLES_DIR / "tickets" / "tickets.jsonl"], store)
        _, secret = create_token(store, "admin", "admin")
        with TestClient(
            create_app(Settings(database_url=url, upload_dir=tmp / "uploads"), store)
        ) as client:
            yield client, {"Authorization": f"Bearer {secret}"}, secret


@pytest.mark.parametrize("when", EXTREMES)
@pytest.mark.parametrize(
    "query",
    [
        "/api/customers?as_of=",
        "/api/customers/acme/timeline?as_of=",
        "/api/queue?kind=ticket&since=",
        "/api/queue?kind=ticket&until=",
    ],
)
def test_dates_out_of_range_are_422_naming_the_range(served, query, when):
    client, admin, _ = served
    response = client.get(query + when.replace("+", "%2B"), headers=admin)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (
        body["error"] == "ValidationError"
        and "between 1970-01-01 and 2999-12-31" in body["message"]
    )


@pytest.mark.parametrize(
    "query",
    [
        "/api/customers?as_of=1970-01-01",
        "/api/customers/acme/timeline?as_of=2999-12-31",
        "/api/queue?kind=ticket&since=1970-01-01&until=2999-12-31",
    ],
)
def test_dates_at_the_ends_of_the_range_work(served, query):
    client, admin, _ = served
    assert client.get(query, headers=admin).status_code == 200


@pytest.mark.parametrize(
    "query", ["until=9999-12-31", "since=0001-01-01", "kind=ticket&until=9999-12-31"]
)
def test_the_dashboard_queue_refuses_dates_out_of_range(served, query):
    client, _, secret = served
    client.post(
        "/dashboard/login",
        data={"token": secret, "next": "/dashboard/"},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    page = client.get(f"/dashboard/?{query}")
    assert page.status_code == 422 and "between 1970-01-01 and 2999-12-31" in page.text
    assert client.get("/dashboard/?until=2999-12-31&since=1970-01-01").status_code == 200


@pytest.mark.parametrize("query", ["/api/interactions?offset=", "/api/queue?offset="])
def test_an_offset_past_the_largest_page_is_422_not_an_overflow(served, query):
    client, admin, _ = served
    assert client.get(query + str(2**63), headers=admin).status_code == 422
    assert client.get(query + "1000000000", headers=admin).json()["items"] == []


def test_a_dashboard_page_past_the_last_possible_is_422(served):
    client, _, secret = served
    client.post(
        "/dashboard/login",
        data={"token": secret, "next": "/dashboard/"},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert client.get(f"/dashboard/?page={2**63}").status_code == 422
    assert client.get("/dashboard/?page=40000000").status_code == 200


def _nested(depth: int) -> str:
    properties = "{}"
    for _ in range(depth):
        properties = '{"a":' + properties + "}"
    return json.dumps(
        {
            "events": [
                {
                    "customer_id": "acme",
                    "kind": "login",
                    "occurred_at": "2026-01-01T00:00:00Z",
                    "properties": "PLACEHOLDER",
                }
            ]
        }
    ).replace('"PLACEHOLDER"', properties)


@pytest.mark.parametrize(
    "body", [_nested(800), _nested(5000), "[" * 100_000 + "]" * 100_000, '{"events":' + "[" * 3000]
)
def test_deeply_nested_json_is_400_not_a_server_error(served, body):
    client, admin, _ = served
    response = client.post(
        "/api/usage-events", content=body, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert "nests deeper than 64 levels" in response.json()["message"]


def test_json_nested_within_the_limit_is_taken(served):
    client, admin, _ = served
    response = client.post(
        "/api/usage-events",
        content=_nested(50),
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


def test_depth_skips_brackets_in_strings_and_escapes_across_chunks():
    depth = JsonDepth(limit=2)
    text = b'{"a": "[[[[{{{{ \\" [[[[ \\\\", "b": [1, "]]]]"]}'
    assert all(depth.feed(text[i : i + 3]) for i in range(0, len(text), 3)) and depth.depth == 0
    assert not JsonDepth(limit=2).feed(b'{"a": [[1]]}')


@pytest.mark.parametrize("command", ["customers", "alerts", "timeline acme"])
@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59+00:00"])
def test_cli_as_of_out_of_range_is_one_line_exit_1(cli, command, when):
    run = cli(*command.split(), "--as-of", when)
    line = one_line_error(run)
    assert run.returncode == 1 and "--as-of" in line and "between 1970-01-01 and 2999-12-31" in line


UNREACHABLE = "postgresql+psycopg://callintel:s3cret-pw@127.0.0.1:1/callintel"


@pytest.mark.parametrize("rate_limit", [0, 100])
def test_a_store_that_cannot_be_reached_is_503_without_the_database_url(tmp_path, rate_limit):
    store = Store(UNREACHABLE, migrate=False)
    settings = Settings(database_url=UNREACHABLE, upload_dir=tmp_path / "u", rate_limit=rate_limit)
    with TestClient(create_app(settings, store)) as client:
        bearer = {"Authorization": "Bearer ci_" + "x" * 43}
        answers = [
            client.get("/api/health"),
            client.get("/api/customers", headers=bearer),
            client.post("/api/usage-events", json={"events": []}, headers=bearer),
        ]
    for response in answers:
        assert response.status_code == 503, response.text
        assert response.json() == {
            "error": "StoreError",
            "path": None,
            "message": "the database is unavailable; the server's log says why",
        }
        assert "s3cret" not in response.text and "127.0.0.1" not in response.text


def test_the_cli_names_the_unreachable_database_without_its_password(cli):
    line = one_line_error(cli("customers", "--database-url", UNREACHABLE))
    assert "127.0.0.1" in line and "s3cret" not in line


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31"])
def test_a_risk_as_of_setting_out_of_range_is_one_line_exit_2(cli, when):
    run = cli("customers", env={"CALLINTEL_RISK_AS_OF": when})
    line = one_line_error(run)
    assert (
        run.returncode == 2
        and "invalid setting CALLINTEL_RISK_AS_OF" in line
        and "between 1970-01-01" in line
    )


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_usage_events_out_of_range_are_422(served, when):
    client, admin, _ = served
    response = client.post(
        "/api/usage-events",
        headers=admin,
        json={"events": [{"customer_id": "acme", "kind": "login", "occurred_at": when}]},
    )
    assert (
        response.status_code == 422
        and "between 1970-01-01 and 2999-12-31" in response.json()["message"]
    )
