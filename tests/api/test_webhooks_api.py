"""Webhook subscriptions and the delivery log over HTTP: admin only, validated, retried on request, removable."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.app import create_app
from models.settings import get_settings
from models.tables import WebhookDeliveryRow
from pipeline.runner import run_jobs
from pipeline.stages import Engines
from pipeline.webhooks import MAX_ATTEMPTS, NO_ANSWER, deliver_due
from tests.pipeline.test_webhook_egress import (
    INTERNAL,
)  # one list of addresses a webhook may not reach


@pytest.fixture
def loopback_allowed(world, monkeypatch):
    """Settings (and an app over the shared store) that let webhooks go to 127.0.0.1, with this test's key."""
    monkeypatch.setenv("CALLINTEL_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    settings = world.settings.model_copy(
        update={"webhook_allow_hosts": "127.0.0.1", "secret_key": get_settings().secret_key}
    )
    with TestClient(create_app(settings, world.store)) as client:
        yield client, settings


def test_subscriptions_and_deliveries_over_http(world, tagger, loopback_allowed):
    (client, settings), store = loopback_allowed, world.store
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
    assert (
        client.get(
            "/api/webhooks", headers={"Authorization": f"Bearer {world.tokens['manager']}"}
        ).status_code
        == 403
    )
    bad_url = client.post(
        "/api/webhooks", json={"url": "ftp://x", "events": ["interaction.analysed"]}, headers=admin
    )
    bad_event = client.post(
        "/api/webhooks", json={"url": "http://127.0.0.1:9/", "events": ["call.made"]}, headers=admin
    )
    assert bad_url.status_code == 422 and bad_url.json()["message"].startswith("body.url")
    assert bad_event.status_code == 422 and bad_event.json()["message"].startswith("body.events.0")
    made = client.post(
        "/api/webhooks",
        json={"url": "http://127.0.0.1:9/hooks", "events": ["interaction.analysed"]},
        headers=admin,
    )
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    sid = made.json()["id"]
    listed = client.get("/api/webhooks", headers=admin).json()
    assert [s["url"] for s in listed if s["id"] == sid] == [
        "http://127.0.0.1:9/hooks"
    ] and "secret" not in listed[0]

    upload = client.post(
        "/api/uploads",
        files={"file": ("hook.txt", b"Rep: Hi.\nCustomer: We will cancel.\n")},
        data={"customer_id": "acme"},
        headers=admin,
    )
    run_jobs(settings.database_url, settings, 1, Engines(settings, tagger_instance=tagger))
    with store.transaction() as session:  # port 9 refuses: make this the last allowed attempt
        session.execute(
            update(WebhookDeliveryRow).values(
                attempts=MAX_ATTEMPTS - 1, next_attempt_at=WebhookDeliveryRow.created_at
            )
        )
    outcome = deliver_due(
        store, get_settings()
    )  # every job the other tests' uploads left queued finished too: one event each
    failed = client.get(
        "/api/webhooks/deliveries",
        params={"status": "failed", "subscription_id": sid},
        headers=admin,
    ).json()
    assert outcome.failed == len(failed) >= 1 and outcome.delivered == 0
    mine = next(
        d for d in failed if d["event_id"] == f"interaction.analysed:{upload.json()['created'][0]}"
    )
    assert mine["attempts"] == MAX_ATTEMPTS and mine["last_error"] == NO_ANSWER
    again = client.post(f"/api/webhooks/deliveries/{mine['id']}/retry", headers=admin)
    assert (
        again.status_code == 200
        and again.json()["status"] == "pending"
        and again.json()["attempts"] == 0
    )
    twice = client.post(f"/api/webhooks/deliveries/{mine['id']}/retry", headers=admin)
    assert twice.status_code == 400 and "only a failed delivery" in twice.json()["message"]

    assert client.delete(f"/api/webhooks/{sid}", headers=admin).status_code == 204
    assert sid not in [s["id"] for s in client.get("/api/webhooks", headers=admin).json()]
    log = client.get(
        "/api/webhooks/deliveries", params={"subscription_id": sid}, headers=admin
    ).json()
    dropped = next(d for d in log if d["id"] == mine["id"])
    assert dropped["status"] == "failed" and dropped["last_error"] == "subscription removed"
    gone = client.delete(f"/api/webhooks/{sid}", headers=admin)
    assert (
        gone.status_code == 404
        and gone.json()["message"] == f"no webhook subscription with id '{sid}'"
    )


def test_ids_beyond_64_bits_are_a_422_not_a_server_error(world):
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
    huge = 2**63
    for method, path in (
        ("DELETE", f"/api/webhooks/{huge}"),
        ("POST", f"/api/webhooks/deliveries/{huge}/retry"),
        ("GET", f"/api/webhooks/deliveries?subscription_id={huge}"),
        ("DELETE", "/api/webhooks/0"),
    ):
        response = world.client.request(method, path, headers=admin)
        assert response.status_code == 422 and "error" in response.json(), (path, response.text)


def test_internal_and_metadata_addresses_are_refused_with_a_422(world):
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
    before = world.client.get("/api/webhooks", headers=admin).json()
    for url in INTERNAL:
        response = world.client.post(
            "/api/webhooks", json={"url": url, "events": ["interaction.analysed"]}, headers=admin
        )
        assert response.status_code == 422, (url, response.text)
        assert (
            response.json()["error"] == "AddressRefused"
            and "CALLINTEL_WEBHOOK_ALLOW_HOSTS" in response.json()["message"]
        )
    assert world.client.get("/api/webhooks", headers=admin).json() == before
