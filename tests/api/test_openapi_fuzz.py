"""schemathesis against the OpenAPI document: generated requests (valid and not) never get a 500; nor do the
extremes a probe found (dates at datetime's limits, ids past 2^63, deep JSON, malformed webhook URLs)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error

from api.app import create_app
from api.auth import create_token
from ingest import ingest_paths
from models.settings import Settings
from models.store import Store
from samples import SAMPLES_DIR
from tests.helpers import operations


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory):
    """The app on a store holding the bundled tickets and usage events (no models needed), and an admin token."""
    tmp = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'fuzz.db'}"
    store = Store(url)
    ingest_paths([SAMPLES_DIR / "tickets" / "tickets.jsonl", SAMPLES_DIR / "calls" / "srt"], store)
    _, secret = create_token(store, "admin", "fuzz")
    # a key of its own: this module's fixture is made before the per-test settings (no key file in the data dir)
    app = create_app(
        Settings(
            database_url=url,
            upload_dir=tmp / "uploads",
            max_upload_mb=1,
            rate_limit=0,
            secret_key=SecretStr("fuzz-only-key-" + "f" * 32),
        ),
        store,
    )
    yield app, secret
    store.close()


@pytest.mark.slow  # slow: generates hundreds of requests (about 20 s); `make test` runs it
def test_no_generated_request_gets_a_server_error(fuzz_target):
    """Every operation, 25 generated cases each (schemathesis strategies driven by hypothesis directly: its pytest
    plugin does not load under pytest 9)."""
    app, secret = fuzz_target
    schema = schemathesis.openapi.from_dict(
        app.openapi()
    )  # in-process: whether /openapi.json needs a token or not
    schema.app = app
    found = operations(schema)
    assert len(found) >= 10
    for operation in found:

        @given(operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def run(case):
            case.call_and_validate(
                headers={"Authorization": f"Bearer {secret}"}, checks=[not_a_server_error]
            )

        run()


HUGE = str(2**64)
DATES = [
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59%2B14:00",
    "0001-01-01T00:00:00-12:00",
    "1969-12-31",
]
DEEP = (
    '{"events":[{"customer_id":"acme","kind":"login","occurred_at":"2026-01-01T00:00:00Z","properties":'
    + '{"a":' * 900
    + "{}"
    + "}" * 900
    + "}]}"
)
EXTREMES = [
    *[("GET", f"/api/customers?as_of={d}", None) for d in DATES],
    *[("GET", f"/api/customers/acme/timeline?as_of={d}", None) for d in DATES],
    *[("GET", f"/api/queue?kind=ticket&since={d}&until={d}", None) for d in DATES],
    ("GET", f"/api/interactions/{HUGE}", None),
    ("GET", f"/api/customers/{HUGE}/timeline", None),
    ("DELETE", f"/api/webhooks/{HUGE}", None),
    ("POST", f"/api/webhooks/deliveries/{HUGE}/retry", None),
    ("GET", f"/api/webhooks/deliveries?subscription_id={HUGE}", None),
    ("GET", f"/api/alerts?limit={HUGE}", None),
    ("GET", f"/api/interactions?offset={HUGE}", None),
    ("GET", f"/api/queue?offset=-{HUGE}", None),
    ("POST", "/api/usage-events", DEEP),
    ("POST", "/api/usage-events", "[" * 200_000),
    ("POST", "/api/webhooks", '{"url":"http://x/","events":' + "[" * 5000 + "]" * 5000 + "}"),
    *[
        ("POST", "/api/webhooks", json.dumps({"url": url, "events": ["interaction.analysed"]}))
        for url in (
            "http://[::1/",
            "http://0xA9FEA9FE/",
            "http://[::1]:99999/",
            "http://%zz/",
            "https://a..b/",
        )
    ],
]


@pytest.mark.parametrize(
    ("method", "path", "body"), EXTREMES, ids=[f"{m} {p[:60]}" for m, p, _ in EXTREMES]
)
def test_no_extreme_request_gets_a_server_error(fuzz_target, method, path, body):
    app, secret = fuzz_target
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.request(method, path, content=body, headers=headers)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert {"error", "message"} <= set(response.json())
