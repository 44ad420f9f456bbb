"""`GET /api/contacts`, `/api/reps`, `/api/reps/{rep}`, the Contacts dashboard pages and `callintel contacts`, over
the constructed book of tests/portfolio/contacts_seed.py: the CLI and the API give the same answer."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Callintel
from models.settings import Settings
from tests.helpers import operations
from tests.portfolio.contacts_seed import seed_contacts

AS_OF = "2026-10-31T00:00:00Z"


@pytest.fixture
def site(tmp_path: Path, migrated_copy):
    url = migrated_copy(f"sqlite:///{tmp_path / 'contacts.db'}")
    settings = Settings(
        database_url=url,
        upload_dir=tmp_path / "uploads",
        risk_as_of=datetime.fromisoformat(AS_OF),
    )
    callintel = Callintel(settings)
    seed_contacts(callintel.store)
    secret = callintel.create_token("manager", "manager")[1]
    rep_secret = callintel.create_token("rep", "alice", rep="alice")[1]
    with callintel, TestClient(create_app(callintel.settings, callintel.store)) as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client, url, rep_secret


def test_the_report_the_reps_and_a_rep(site):
    client, _, _ = site
    report = client.get("/api/contacts", params={"as_of": AS_OF}).json()
    assert [c["customer_id"] for c in report["customers"]] == [
        "cyan",
        "echo",
        "acme",
        "beta",
        "delta",
    ]
    assert report["channels"]["email"]["email_reply_rate"] == 0.5
    reps = client.get("/api/reps", params={"as_of": AS_OF}).json()
    assert [(r["rep"], r["stats"]["contacts"]) for r in reps] == [("alice", 6), ("bob", 2)]
    assert reps == report["reps"]
    alice = client.get("/api/reps/alice", params={"as_of": AS_OF}).json()
    assert [i["interaction_id"] for i in alice["interactions"]][:2] == ["a-chat", "a-call3"]
    page = client.get("/api/contacts", params={"as_of": AS_OF, "limit": 2, "offset": 2}).json()
    assert page["total"] == 5 and [c["customer_id"] for c in page["customers"]] == ["acme", "beta"]
    weekly = client.get("/api/contacts", params={"as_of": AS_OF, "period": "week"}).json()
    assert weekly["period"] == "week" and weekly["reps"][0]["stats"]["per_period"] == round(
        6 / (90 / 7), 4
    )


def test_an_unknown_rep_is_empty_and_bad_filters_are_422_naming_the_field(site):
    client, _, rep_secret = site
    nobody = client.get("/api/reps/nobody", params={"as_of": AS_OF}).json()
    assert nobody["rep"]["stats"]["contacts"] == 0 and nobody["customers"] == []
    assert client.get("/api/contacts", params={"rep": "nobody"}).json()["customers"] == []
    for params, field in [
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"period": "year"}, "period"),
        ({"customer": "nobody"}, "customer"),
        ({"limit": 0}, "limit"),
    ]:
        response = client.get("/api/contacts", params=params)
        assert response.status_code == 422, params
        assert response.json()["message"].startswith(f"query.{field}:"), response.json()
    rep = client.get("/api/contacts", headers={"Authorization": f"Bearer {rep_secret}"})
    assert rep.status_code == 403


def test_the_cli_and_the_api_agree(site, cli):
    client, url, _ = site
    for args, route, params in [
        ((), "/api/contacts", {}),
        (("--customer", "acme"), "/api/contacts", {"customer": "acme"}),
        (("--rep", "alice"), "/api/reps/alice", {}),
        (("--period", "week"), "/api/contacts", {"period": "week"}),
        (("--segment-by", "value"), "/api/contacts", {"segment_by": "value"}),
    ]:
        run = cli("contacts", "--as-of", AS_OF, "--json", "--database-url", url, *args)
        assert run.returncode == 0, run.stderr
        expected = client.get(route, params={"as_of": AS_OF, **params}).json()
        assert json.loads(run.stdout) == expected, args


def test_customers_can_be_judged_against_their_rfm_value_segment(site):
    client, _, _ = site
    by_value = client.get("/api/contacts", params={"as_of": AS_OF, "segment_by": "value"}).json()
    by_account = client.get("/api/contacts", params={"as_of": AS_OF}).json()
    rfm = client.get("/api/segments", params={"as_of": AS_OF, "limit": 100}).json()["items"]
    value_of = {row["customer_id"]: row["segment"] for row in rfm}
    assert value_of, "the constructed book has active customers with RFM segments"
    judged = {c["customer_id"]: c["segment"] for c in by_value["customers"]}
    assert judged == {c: value_of.get(c) for c in judged}
    assert judged != {c["customer_id"]: c["segment"] for c in by_account["customers"]}
    bad = client.get("/api/contacts", params={"segment_by": "size"})
    assert bad.status_code == 422 and bad.json()["message"].startswith("query.segment_by:")


def test_the_cli_tables_and_its_one_line_errors(site, cli):
    _, url, _ = site
    run = cli("contacts", "--as-of", AS_OF, "--database-url", url)
    assert run.returncode == 0, run.stderr
    assert re.search(r"│ acme +│ smb +│ red +│ over +│", run.stdout)
    assert re.search(r"│ alice +│ +3 │ +1 │ +1 │ +6 │ +2\.00 │ +16\.8 │", run.stdout)
    run = cli("contacts", "--rep", "alice", "--as-of", AS_OF, "--database-url", url)
    assert "a-call1" in run.stdout and "cyan" in run.stdout
    for args, message in [
        (("--as-of", "2026-13-01"), "--as-of '2026-13-01' is not an ISO date"),
        (("--customer", "nobody"), "--customer: no customer 'nobody'"),
        (("--period", "year"), "Invalid value for '--period'"),
    ]:
        run = cli("contacts", "--database-url", url, *args)
        assert run.returncode != 0 and message in run.stderr
        assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr


def test_the_dashboard_pages_link_the_charts_to_their_rows(site):
    client, _, _ = site
    secret = client.headers.pop("Authorization").removeprefix("Bearer ")
    signed = client.post(
        "/dashboard/login",
        data={"token": secret, "next": "/dashboard/contacts"},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    html = client.get("/dashboard/contacts").text
    assert 'id="segment-chart"' in html and 'id="rep-chart"' in html
    assert (
        'href="/dashboard/contacts?segment=smb#customers"' in html
    )  # a segment's bar: its customers
    assert 'href="/dashboard/contacts/reps/alice"' in html  # a rep's bar and row: the drill-down
    neglected = client.get("/dashboard/contacts", params={"status": "neglected"}).text
    assert re.findall(r'id="c-(\w+)"', neglected) == ["cyan", "echo"]
    alice = client.get("/dashboard/contacts/reps/alice").text
    assert re.findall(r'id="c-(\w+)"', alice) == ["cyan", "acme", "beta"]
    assert alice.count('class="contact-row"') == 6 and 'href="/dashboard/calls/a-call1"' in alice
    assert client.get("/dashboard/contacts", params={"period": "year"}).status_code == 422


@pytest.mark.slow  # slow: generates hundreds of requests (about 11 s); `make test` runs it
def test_no_generated_request_to_the_contact_routes_gets_a_server_error(site):
    """schemathesis on these three operations, as tests/api/test_openapi_fuzz.py does on all of them."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    client, _, _ = site
    app = client.app
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    secret = client.headers["Authorization"]
    wanted = [op for op in operations(schema) if op.path.startswith(("/api/contacts", "/api/reps"))]
    assert len(wanted) == 3
    for operation in wanted:

        @given(operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def run(case):
            case.call_and_validate(headers={"Authorization": secret}, checks=[not_a_server_error])

        run()
    for day in ("0001-01-01", "9999-12-31", "9999-12-31T23:59:59%2B14:00", "1969-12-31"):
        assert client.get(f"/api/contacts?as_of={day}").status_code == 422
        assert client.get(f"/api/reps/alice?as_of={day}").status_code == 422


def test_bad_contact_rules_are_one_line_naming_the_file_and_field(site, cli, tmp_path):
    _, url, _ = site
    rules = tmp_path / "contacts.yaml"
    rules.write_text("over_factor: 0.5\n")
    run = cli("contacts", "--database-url", url, env={"CALLINTEL_CONTACTS_CONFIG": str(rules)})
    assert run.returncode == 2
    assert run.stderr == f"callintel: {rules}: over_factor: Input should be greater than 1\n"
