"""schemathesis against the OpenAPI document: generated requests (valid and not) never get a 500."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from api.app import create_app
from api.auth import create_token
from ingest import ingest_paths
from models.settings import Settings
from models.store import Store
from samples import SAMPLES_DIR


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory):
    """The app on a store holding the bundled tickets and usage events (no models needed), and an admin token."""
    tmp = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{tmp / 'fuzz.db'}"
    store = Store(url)
    ingest_paths([SAMPLES_DIR / "tickets" / "tickets.jsonl", SAMPLES_DIR / "calls" / "srt"], store)
    _, secret = create_token(store, "admin", "fuzz")
    # a key of its own: this module's fixture is made before the per-test settings (no key file in the data dir)
    app = create_app(Settings(database_url=url, upload_dir=tmp / "uploads", max_upload_mb=1,
                              secret_key="fuzz-only-key-" + "f" * 32), store)
    yield app, secret
    store.close()


def test_no_generated_request_gets_a_server_error(fuzz_target):
    """Every operation, 25 generated cases each (schemathesis strategies driven by hypothesis directly: its pytest
    plugin does not load under pytest 9)."""
    app, secret = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers={"Authorization": f"Bearer {secret}"})
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
        def run(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=[not_a_server_error])

        run()
