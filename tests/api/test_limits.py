"""Bodies are refused before they are read: no token, 401; too large by Content-Length or as it streams, 413."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_token
from models.settings import Settings
from models.store import Store

MIB = 1024 * 1024


@pytest.fixture
def small(tmp_path, migrated_copy):
    url = migrated_copy(f"sqlite:///{tmp_path / 'limits.db'}")
    settings = Settings(
        database_url=url, upload_dir=tmp_path / "uploads", max_upload_mb=2, max_text_mb=1
    )
    with Store(url) as store:
        _, secret = create_token(store, "admin", "admin")
        with TestClient(create_app(settings, store)) as client:
            yield client, {"Authorization": f"Bearer {secret}"}


def _post(
    app, path: str, headers: dict[str, str], chunks: int, chunk: int = 64 * 1024
) -> tuple[int, bytes, int]:
    """POST a chunked body (no Content-Length) straight to the ASGI app, where what it reads can be counted:
    (status, response body, bytes of the request body the server took)."""
    import anyio

    read, sent = [0], []

    async def receive() -> dict:
        read[0] += 1
        return {"type": "http.request", "body": b"x" * chunk, "more_body": read[0] < chunks}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "app": app,
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [
            (k.lower().encode(), v.encode())
            for k, v in {
                **headers,
                "Content-Type": "application/json",
                "Transfer-Encoding": "chunked",
            }.items()
        ],
    }
    anyio.run(app, scope, receive, send)
    (status,) = [m["status"] for m in sent if m["type"] == "http.response.start"]
    return (
        status,
        b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"),
        read[0] * chunk,
    )


def test_no_token_is_401_before_any_of_the_body_is_read(small):
    client, _ = small
    status, body, read = _post(client.app, "/api/usage-events", {}, chunks=1000)  # 64 MiB on offer
    assert status == 401 and b"missing API token" in body and read == 0
    status, body, read = _post(
        client.app, "/api/uploads", {"Authorization": "Bearer ci_forged"}, chunks=1000
    )
    assert status == 401 and b"invalid or revoked API token" in body and read == 0


def test_a_declared_length_over_the_limit_is_413_at_once(small):
    client, admin = small
    response = client.post(
        "/api/usage-events",
        content=b"{}",
        headers={**admin, "Content-Length": str(5 * MIB), "Content-Type": "application/json"},
    )
    assert response.status_code == 413 and "larger than 1 MiB" in response.json()["message"]


def test_a_streamed_body_is_cut_off_at_the_limit(small):
    client, admin = small
    status, body, read = _post(
        client.app, "/api/usage-events", admin, chunks=200
    )  # 12.5 MiB on offer
    assert status == 413 and b"larger than 1 MiB" in body
    assert read <= 1 * MIB + 64 * 1024  # read up to the limit, not the 12.5 MiB


def test_text_uploads_get_the_text_limit_and_recordings_the_upload_limit(small):
    client, admin = small
    text = b"Rep: Hello.\n" * (MIB // 12 + 100)  # just over 1 MiB
    response = client.post(
        "/api/uploads",
        files={"file": ("call.txt", text)},
        data={"customer_id": "acme"},
        headers=admin,
    )
    assert response.status_code == 413 and "CALLINTEL_MAX_TEXT_MB" in response.json()["message"]
    big = client.post(
        "/api/uploads", files={"file": ("call.wav", b"\0" * (3 * MIB))}, headers=admin
    )
    assert big.status_code == 413  # over the 2 MiB upload limit, whatever the type
    small_enough = client.post(
        "/api/uploads",
        files={"file": ("call.txt", b"Rep: Hello.\nCustomer: Hi.\n")},
        data={"customer_id": "acme"},
        headers=admin,
    )
    assert small_enough.status_code == 201, small_enough.text


def test_the_dashboard_sign_in_form_is_small(small):
    client, _ = small
    response = client.post(
        "/dashboard/login",
        content=b"token=" + b"x" * (128 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
