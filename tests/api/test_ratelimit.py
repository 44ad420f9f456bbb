"""CALLINTEL_RATE_LIMIT: requests per minute per token, 429 with Retry-After past it; the dashboard too."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_token
from api.ratelimit import RateLimiter
from models.settings import Settings
from models.store import Store

LIMIT = 3


@pytest.fixture
def limited(tmp_path, migrated_copy):
    url = migrated_copy(f"sqlite:///{tmp_path / 'rate.db'}")
    with Store(url) as store:
        secrets = {role: create_token(store, role, role)[1] for role in ("manager", "crm")}
        app = create_app(
            Settings(database_url=url, upload_dir=tmp_path / "uploads", rate_limit=LIMIT), store
        )
        with TestClient(app) as client:
            yield (
                client,
                {role: {"Authorization": f"Bearer {s}"} for role, s in secrets.items()},
                secrets,
            )


def test_the_request_past_the_limit_gets_429_with_retry_after_and_other_tokens_go_on(limited):
    client, headers, _ = limited
    assert [
        client.get("/api/customers", headers=headers["manager"]).status_code for _ in range(LIMIT)
    ] == [200] * LIMIT
    over = client.get("/api/customers", headers=headers["manager"])
    assert over.status_code == 429
    assert (
        over.json()["error"] == "TooManyRequests"
        and "CALLINTEL_RATE_LIMIT" in over.json()["message"]
    )
    assert 1 <= int(over.headers["Retry-After"]) <= 60 // LIMIT
    assert (
        client.get("/api/customers", headers=headers["crm"]).status_code == 200
    )  # another token: its own bucket
    assert client.get("/api/health").status_code == 200  # health checks are not counted


def test_requests_without_a_valid_token_share_their_address_bucket(limited):
    client, headers, _ = limited
    forged = [
        client.get("/api/customers", headers={"Authorization": f"Bearer ci_forged{i}"}).status_code
        for i in range(LIMIT + 1)
    ]
    assert forged == [401] * LIMIT + [429]  # a new invented token each time buys nothing
    assert client.get("/api/customers", headers=headers["manager"]).status_code == 200


def test_the_dashboard_is_limited_by_its_sign_in_token(limited):
    client, headers, secrets = limited
    signed_in = client.post(
        "/dashboard/login",
        data={"token": secrets["manager"], "next": "/dashboard/customers"},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert (
        signed_in.status_code == 303
    )  # the sign-in itself was one request (of the address's bucket)
    statuses = [client.get("/dashboard/customers").status_code for _ in range(LIMIT + 1)]
    assert statuses[-1] == 429 and statuses[:-1] == [200] * LIMIT
    assert (
        client.get("/api/customers", headers=headers["manager"]).status_code == 429
    )  # one token, one bucket


def test_zero_turns_it_off(tmp_path, migrated_copy):
    url = migrated_copy(f"sqlite:///{tmp_path / 'off.db'}")
    with Store(url) as store:
        _, secret = create_token(store, "manager", "m")
        with TestClient(
            create_app(Settings(database_url=url, upload_dir=tmp_path / "u", rate_limit=0), store)
        ) as client:
            assert {
                client.get(
                    "/api/customers", headers={"Authorization": f"Bearer {secret}"}
                ).status_code
                for _ in range(20)
            } == {200}


def test_the_bucket_refills_evenly_and_bursts_up_to_the_limit():
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])  # one a second
    assert [limiter.take("a") for _ in range(60)] == [0.0] * 60
    assert limiter.take("a") == pytest.approx(1.0)
    now[0] += 0.5
    assert limiter.take("a") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("a") == 0.0 and limiter.take("b") == 0.0
    now[0] += 3600
    assert [limiter.take("a") for _ in range(61)][-2:] == [
        0.0,
        pytest.approx(1.0),
    ]  # never more than the burst
