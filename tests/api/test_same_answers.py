"""The CLI and the HTTP API are adapters over one ``Callintel`` (api/service.py): asked the same question about
the same store, they give the same answer."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import Callintel
from models.settings import Settings
from models.store import Store
from samples import SAMPLES_DIR
from tests.helpers import known

EML = """From: Dana <dana@callintel.example>
To: Sam Lee <sam@globex.com>
Subject: Your renewal
Date: Tue, 03 Nov 2026 16:00:00 +0000
Content-Type: text/plain; charset=utf-8

Hi Sam, your renewal is due next month: shall we talk about the new plan?
"""  # the rep writes first: without the rep email domains the opener would be taken for the customer
DOMAINS = "Callintel.example, other.example"


def _client(url: str, tmp_path: Path, **settings) -> tuple[Callintel, str]:
    """A facade over the store at ``url`` and an admin token's secret."""
    callintel = Callintel(Settings(database_url=url, upload_dir=tmp_path / "uploads", **settings))
    return callintel, callintel.create_token("admin", "admin")[1]


def _roles(url: str) -> list[tuple[str, str]]:
    with Store(url) as store:
        (ticket,) = store.list_interactions(kind="ticket")
        stored = known(store.get_interaction(ticket.id))
    return [(u.speaker.role, u.speaker.label) for u in known(stored.transcript).utterances]


def test_an_eml_gets_the_same_speaker_roles_from_the_cli_and_an_upload(cli, tmp_path):
    """CALLINTEL_REP_EMAIL_DOMAINS applies however the file comes in (the upload used to ignore it)."""
    path = tmp_path / "export.eml"
    path.write_text(EML)
    by_cli, by_api = f"sqlite:///{tmp_path / 'cli.db'}", f"sqlite:///{tmp_path / 'api.db'}"
    run = cli(
        "ingest", str(path), "--customer", "globex", "--no-analyse", "--database-url", by_cli,
        env={"CALLINTEL_REP_EMAIL_DOMAINS": DOMAINS},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    callintel, secret = _client(by_api, tmp_path, rep_email_domains=DOMAINS)
    with callintel, TestClient(create_app(callintel.settings, callintel.store)) as client:
        response = client.post(
            "/api/uploads",
            files={"file": ("export.eml", EML.encode())},
            data={"customer_id": "globex"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 201, response.text
    assert _roles(by_api) == _roles(by_cli) == [("rep", "dana@callintel.example")]


@pytest.fixture
def risk_store(cli, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'risk.db'}"
    tickets = SAMPLES_DIR / "tickets" / "tickets.jsonl"
    run = cli("ingest", str(tickets), "--no-analyse", "--database-url", url)
    assert run.returncode == 0, run.stderr
    return url


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _answers(rows: list[dict]) -> list[tuple]:
    return [(r["customer_id"], _moment(r["as_of"]), r["score"], r["band"]) for r in rows]


@pytest.mark.parametrize(
    "as_of", ["2026-10-31", "2026-10-31T12:00:00", "2026-10-31T12:00:00+02:00"]
)
def test_customers_as_of_is_the_same_moment_in_the_cli_and_the_api(
    cli, risk_store, tmp_path, as_of
):
    """A bare date means the end of that day in both (the API used to judge at midnight)."""
    run = cli("customers", "--as-of", as_of, "--json", "--database-url", risk_store)
    assert run.returncode == 0, run.stderr
    callintel, secret = _client(risk_store, tmp_path)
    with callintel, TestClient(create_app(callintel.settings, callintel.store)) as client:
        response = client.get(
            "/api/customers",
            params={"as_of": as_of},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 200, response.text
    from_cli, from_api = _answers(json.loads(run.stdout)), _answers(response.json())
    assert from_cli and from_api == from_cli
    if as_of == "2026-10-31":
        assert {moment.isoformat() for _, moment, _, _ in from_api} == {"2026-10-31T23:59:59+00:00"}


def test_a_customers_timeline_is_the_same_in_the_cli_and_the_api(cli, risk_store, tmp_path):
    callintel, secret = _client(risk_store, tmp_path)
    (customer, _), *_ = callintel.customers(callintel.as_of("2026-10-31"), recompute=True).items
    run = cli(
        "timeline", customer.customer_id, "--as-of", "2026-10-31", "--days", "30", "--json",
        "--database-url", risk_store,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    with callintel, TestClient(create_app(callintel.settings, callintel.store)) as client:
        response = client.get(
            f"/api/customers/{customer.customer_id}/timeline",
            params={"as_of": "2026-10-31", "days": 30},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 200, response.text
    from_cli, from_api = json.loads(run.stdout), response.json()
    assert _answers([from_api["health"]]) == _answers([from_cli["health"]])
    assert [(_moment(p["as_of"]), p["score"]) for p in from_api["replay"]] == [
        (_moment(p["as_of"]), p["score"]) for p in from_cli["replay"]
    ]
    assert len(from_api["timeline"]) == len(from_cli["timeline"])


@pytest.mark.parametrize(
    ("options", "params"),
    [
        (["--band", "red"], {"band": "red"}),
        (["--owner", "sam"], {"owner": "sam"}),
        (["--band", "green", "--owner", "kim"], {"band": "green", "owner": "kim"}),
    ],
)
def test_the_filtered_at_risk_list_is_the_same_in_the_cli_and_the_api(
    cli, risk_store, tmp_path, options, params
):
    """`customers --band/--owner` and `GET /api/customers?band=&owner=` pick the same customers."""
    accounts = SAMPLES_DIR / "accounts"
    for name in ("accounts.csv", "invoices.csv"):  # owners, ARR; payments move the bands
        done = cli("ingest", str(accounts / name), "--no-analyse", "--database-url", risk_store)
        assert done.returncode == 0, done.stderr
    args = ["customers", "--as-of", "2026-10-31", "--json", "--limit", "1000", *options]
    run = cli(*args, "--database-url", risk_store)
    assert run.returncode == 0, run.stderr
    callintel, secret = _client(risk_store, tmp_path)
    with callintel, TestClient(create_app(callintel.settings, callintel.store)) as client:
        response = client.get(
            "/api/customers",
            params={"as_of": "2026-10-31", **params},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 200, response.text
    from_cli, from_api = json.loads(run.stdout), response.json()
    assert from_cli and [r["customer_id"] for r in from_cli] == [r["customer_id"] for r in from_api]
    assert all(r["band"] == params.get("band", r["band"]) for r in from_cli)
    assert all(r["owner"] == params.get("owner", r["owner"]) for r in from_cli)


def test_an_unknown_band_is_one_line_in_the_cli(cli, risk_store):
    run = cli("customers", "--band", "purple", "--database-url", risk_store)
    assert run.returncode == 2 and "purple" in run.stderr and "Traceback" not in run.stderr
