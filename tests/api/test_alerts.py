"""The alert lifecycle over HTTP (roles, 404, 409, filters, paging, webhook events) and on the command line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.auth import create_token
from models.settings import Settings, get_settings
from models.store import Store
from models.tables import HealthSnapshotRow, WebhookDeliveryRow
from pipeline.webhooks import add_subscription
from tests.api.accounts_seed import seed
from tests.helpers import one_line_error


@pytest.fixture
def seeded(tmp_path, migrated_copy):
    url = migrated_copy(f"sqlite:///{tmp_path / 'alerts.db'}")
    with Store(url) as store:
        yield store, url, seed(store)


@pytest.fixture
def api(seeded, tmp_path, monkeypatch):
    store, url, ids = seeded
    monkeypatch.setenv("CALLINTEL_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    add_subscription(
        store,
        "http://127.0.0.1:9/crm",
        ["alert.acknowledged", "alert.resolved"],
        settings=get_settings(),
    )
    settings = Settings(
        database_url=url, upload_dir=tmp_path / "up", risk_as_of=datetime(2026, 10, 31, tzinfo=UTC)
    )
    tokens = {
        role: create_token(store, role, f"{role}-bot", rep="sam" if role == "rep" else None)[1]
        for role in ("admin", "manager", "rep", "crm")
    }
    with TestClient(create_app(settings, store)) as client:

        def call(method: str, path: str, role: str = "manager", **kwargs):
            secret = tokens.get(role, role)  # a role's token, or the secret given
            headers = {"Authorization": f"Bearer {secret}"}
            return client.request(method, path, headers=headers, **kwargs)

        yield call, store, ids


def test_the_list_filters_by_status_owner_and_customer_and_pages(api):
    call, _, ids = api
    page = call("GET", "/api/alerts", role="crm").json()
    assert page["total"] == 3 and [a["id"] for a in page["items"]] == [
        ids.globex,
        ids.acme_band,
        ids.acme_signal,
    ]
    first = page["items"][1]
    assert first["owner"] == "dana" and first["action"].startswith("Executive visit")
    assert first["status"] == "open"
    dana = call("GET", "/api/alerts", params={"owner": "dana", "limit": 1, "offset": 1}).json()
    assert (dana["total"], [a["id"] for a in dana["items"]]) == (2, [ids.acme_signal])
    assert call("GET", "/api/alerts", params={"customer_id": "globex"}).json()["total"] == 1
    assert call("GET", "/api/alerts", params={"customer": "globex"}).json()["total"] == 1
    assert call("GET", "/api/alerts", params={"status": "resolved"}).json()["total"] == 0
    bad = call("GET", "/api/alerts", params={"status": "closed"})
    assert bad.status_code == 422 and bad.json()["error"] == "ValidationError"


def test_acknowledge_then_resolve_records_who_and_emits_webhooks(api):
    call, store, ids = api
    seen = call("POST", f"/api/alerts/{ids.acme_band}/acknowledge", role="crm")
    assert seen.status_code == 200
    assert seen.json()["status"] == "acknowledged" and seen.json()["acknowledged_by"] == "crm-bot"
    body = {"outcome": "saved", "note": "Renewed after a value review"}
    done = call("POST", f"/api/alerts/{ids.acme_band}/resolve", json=body).json()
    assert (done["status"], done["outcome"], done["resolved_by"]) == (
        "resolved",
        "saved",
        "manager-bot",
    )
    assert done["acknowledged_by"] == "crm-bot" and done["resolution_note"] == body["note"]
    assert call("GET", f"/api/alerts/{ids.acme_band}").json() == done
    with store.transaction() as session:
        rows = list(session.scalars(select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id)))
        events = [(r.event_type, r.payload["data"]) for r in rows]
    assert [kind for kind, _ in events] == ["alert.acknowledged", "alert.resolved"]
    assert all(d["owner"] == "dana" and d["action"].startswith("Executive") for _, d in events)
    assert events[1][1]["outcome"] == "saved"


def test_roles_404_and_409_are_json_errors(api):
    call, _, ids = api
    refused = call("POST", f"/api/alerts/{ids.globex}/acknowledge", role="rep")
    assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"
    assert "a rep token cannot act on alerts" in refused.json()["message"]
    assert call("GET", "/api/alerts", role="rep").status_code == 403
    admin = call(
        "POST", f"/api/alerts/{ids.globex}/resolve", role="admin", json={"outcome": "churned"}
    )
    assert admin.status_code == 200 and admin.json()["resolution_note"] is None
    again = call("POST", f"/api/alerts/{ids.globex}/resolve", json={"outcome": "saved"})
    assert again.status_code == 409 and again.json()["error"] == "Conflict"
    assert "already resolved (churned, by admin-bot" in again.json()["message"]
    ack = call("POST", f"/api/alerts/{ids.globex}/acknowledge")
    assert ack.status_code == 409
    missing = call("POST", "/api/alerts/4242/acknowledge")
    assert missing.status_code == 404 and missing.json()["message"] == "no alert with id '4242'"
    assert call("GET", "/api/alerts/4242").status_code == 404
    assert call("POST", "/api/alerts/99999999999/acknowledge").status_code == 422
    wrong = call("POST", f"/api/alerts/{ids.acme_band}/resolve", json={"outcome": "won"})
    assert wrong.status_code == 422 and wrong.json()["message"].startswith("body.outcome")
    long = call(
        "POST",
        f"/api/alerts/{ids.acme_band}/resolve",
        json={"outcome": "saved", "note": "x" * 2001},
    )
    assert long.status_code == 422
    assert call("POST", f"/api/alerts/{ids.acme_band}/acknowledge", role="ci_x").status_code == 401


def test_the_cli_lists_acknowledges_and_resolves(seeded, cli):
    _, url, ids = seeded
    listed = cli("alerts", "--owner", "dana", "--database-url", url)
    assert listed.returncode == 0, listed.stderr
    assert "Alerts, newest first (2)" in listed.stdout and "globex" not in listed.stdout
    assert "Executive visit to diagnose what changed" in listed.stdout
    assert f"│ {ids.acme_band} │" in listed.stdout.replace("  ", " ")
    ack = cli("alert", "ack", str(ids.acme_band), "--by", "maria", "--database-url", url)
    assert ack.returncode == 0 and ack.stdout.startswith(
        f"alert {ids.acme_band} (acme, band_changed) acknowledged by maria at "
    )
    done = cli(
        "alert",
        "resolve",
        str(ids.acme_band),
        "--outcome",
        "false_alarm",
        "--note",
        "Seasonal dip",
        "--by",
        "dana",
        "--database-url",
        url,
    )
    assert done.stdout.strip() == (
        f"alert {ids.acme_band} (acme, band_changed) resolved as false_alarm by dana: Seasonal dip"
    )
    resolved = cli("alerts", "--status", "resolved", "--database-url", url)
    assert "resolved: false_alarm" in resolved.stdout and "(1)" in resolved.stdout
    assert "open" in cli("alerts", "--status", "open", "--database-url", url).stdout


def test_the_cli_refuses_in_one_line(seeded, cli):
    _, url, ids = seeded
    assert (
        cli(
            "alert", "resolve", str(ids.globex), "--outcome", "churned", "--database-url", url
        ).returncode
        == 0
    )
    again = cli("alert", "resolve", str(ids.globex), "--outcome", "saved", "--database-url", url)
    assert "is already resolved (churned, by " in one_line_error(again) and again.returncode == 1
    assert one_line_error(cli("alert", "ack", "999", "--database-url", url)) == (
        "callintel: no alert with id '999'"
    )
    bad = cli("alert", "resolve", "1", "--outcome", "won", "--database-url", url)
    assert bad.returncode == 2 and "won" in bad.stderr and "Traceback" not in bad.stderr
    assert cli("alerts", "--status", "closed", "--database-url", url).returncode == 2


def test_the_backfill_refuses_bad_input_in_one_line_and_stores_nothing(seeded, cli):
    store, url, _ = seeded
    count = select(func.count()).select_from(HealthSnapshotRow)
    with store.transaction() as session:
        before = session.scalar(count)
    bad_date = cli("alert", "backfill", "--as-of", "not-a-date", "--database-url", url)
    assert "'not-a-date' is not an ISO date" in one_line_error(bad_date)
    for weeks in ("0", "521", "many"):
        refused = cli("alert", "backfill", "--weeks", weeks, "--database-url", url)
        assert "--weeks" in one_line_error(refused) and refused.returncode == 2
    with store.transaction() as session:
        assert session.scalar(count) == before
