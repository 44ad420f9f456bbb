"""The HTTP API through FastAPI's TestClient on a real SQLite store, analysed by the real pipeline (``world``)."""

from __future__ import annotations

from api.auth import create_token, revoke_token


def get(world, path, role="manager", **params):
    client, tokens = world.client, world.tokens
    return client.get(
        path, params=params, headers={"Authorization": f"Bearer {tokens[role]}"} if role else {}
    )


def test_no_token_is_401_and_a_wrong_one_too(world):
    client, store = world.client, world.store
    missing = client.get("/api/interactions")
    assert missing.status_code == 401 and missing.json()["error"] == "Unauthorized"
    assert "Authorization: Bearer" in missing.json()["message"]
    wrong = client.get("/api/interactions", headers={"Authorization": "Bearer ci_nope"})
    assert wrong.status_code == 401 and wrong.json()["message"] == "invalid or revoked API token"
    token, secret = create_token(store, "manager", "short-lived")
    assert (
        client.get("/api/queue", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    revoke_token(store, token.id)
    assert (
        client.get("/api/queue", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_roles_are_enforced_with_403(world):
    assert get(world, "/api/interactions", role="crm").status_code == 403
    assert get(world, "/api/customers", role="rep").status_code == 403
    forbidden = world.client.post(
        "/api/usage-events",
        json={
            "events": [{"customer_id": "a", "kind": "login", "occurred_at": "2026-10-01T00:00:00Z"}]
        },
        headers={"Authorization": f"Bearer {world.tokens['manager']}"},
    )
    assert forbidden.status_code == 403 and forbidden.json() == {
        "error": "Forbidden",
        "message": "a manager token cannot write usage events (allowed: admin, crm)",
        "path": None,
    }


def test_a_rep_sees_only_their_own_calls(world):
    mine = get(world, "/api/interactions", role="rep", kind="call").json()
    assert mine["total"] > 0 and {i["rep"] for i in mine["items"]} == {"sam"}
    everyone = get(world, "/api/interactions", kind="call").json()
    assert everyone["total"] > mine["total"]
    other = next(i for i in everyone["items"] if i["rep"] != "sam")
    hidden = get(world, f"/api/interactions/{other['id']}", role="rep")  # as if it did not exist
    assert hidden.status_code == 404 and hidden.json() == {
        "error": "NotFound",
        "message": f"no interaction with id {other['id']!r}",
        "path": None,
    }
    assert get(world, "/api/queue", role="rep", rep="dana").status_code == 403
    assert {
        f["interaction"]["rep"] for f in get(world, "/api/queue", role="rep").json()["items"]
    } <= {"sam"}
    hits = get(world, "/api/search", role="rep", q="price").json()
    reps = {
        get(world, f"/api/interactions/{h['interaction_id']}").json()["interaction"]["rep"]
        for h in hits
    }
    assert reps <= {"sam"}


def test_an_interaction_comes_with_transcript_tags_metrics_and_summary(world):
    queue = get(world, "/api/queue", label="cancellation_intent").json()
    assert queue["total"] >= 1 and all(
        "cancellation_intent" in f["label_counts"] for f in queue["items"]
    )
    detail = get(world, f"/api/interactions/{queue['items'][0]['interaction']['id']}").json()
    assert (
        detail["transcript"]["utterances"] and detail["tags"] and detail["summary"]["key_moments"]
    )
    assert detail["metrics"]["talk_ratio"] and len(detail["sentiments"]) == len(
        detail["transcript"]["utterances"]
    )
    assert get(world, "/api/interactions/int_missing").json() == {
        "error": "NotFound",
        "message": "no interaction with id 'int_missing'",
        "path": None,
    }


def test_queue_filters_and_pagination(world):
    full = get(world, "/api/queue", limit=500).json()
    page = get(world, "/api/queue", limit=2, offset=1).json()
    assert page["total"] == full["total"] and page["items"] == full["items"][1:3]
    acme = get(world, "/api/queue", customer="acme").json()["items"]
    assert acme and {f["interaction"]["customer_id"] for f in acme} == {"acme"}
    late = get(world, "/api/queue", since="2026-10-15T00:00:00").json()["items"]
    assert late and all(f["interaction"]["occurred_at"] >= "2026-10-15" for f in late)
    bad = get(world, "/api/queue", label="nonsense")
    assert (
        bad.status_code == 422
        and bad.json()["error"] == "ValidationError"
        and bad.json()["message"].startswith("query.label")
    )


def test_customers_riskiest_first_and_a_timeline(world):
    rows = get(world, "/api/customers", role="crm").json()
    assert [r["score"] for r in rows] == sorted(r["score"] for r in rows)
    assert rows[0]["band"] != "green" and rows[0]["signals"][0]["explanation"]
    timeline = get(world, "/api/customers/acme/timeline", role="crm", days=60).json()
    assert (
        timeline["health"]["customer_id"] == "acme" and timeline["replay"] and timeline["timeline"]
    )
    missing = get(world, "/api/customers/nobody/timeline", role="crm")
    assert missing.status_code == 404 and missing.json() == {
        "error": "NotFound",
        "message": "no customer with id 'nobody'",
        "path": None,
    }


def test_uploads_are_checked_stored_and_deduplicated(world):
    client, tokens = world.client, world.tokens
    headers = {"Authorization": f"Bearer {tokens['manager']}"}
    vtt = b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Sam>We will cancel at renewal.\n"
    first = client.post(
        "/api/uploads",
        files={"file": ("new-call.vtt", vtt)},
        data={"customer_id": "acme"},
        headers=headers,
    )
    assert first.status_code == 201 and len(first.json()["created"]) == 1
    again = client.post(
        "/api/uploads",
        files={"file": ("copy.vtt", vtt)},
        data={"customer_id": "acme"},
        headers=headers,
    )
    assert again.status_code == 200 and again.json()["already_stored"] == 1
    wrong = client.post("/api/uploads", files={"file": ("notes.docx", b"x")}, headers=headers)
    assert wrong.status_code == 415 and wrong.json()["path"] == "notes.docx"
    broken = client.post(
        "/api/uploads",
        files={"file": ("bad.vtt", b"not captions")},
        data={"customer_id": "acme"},
        headers=headers,
    )
    assert (
        broken.status_code == 422
        and broken.json()["path"] == "bad.vtt"
        and "not a valid VTT file" in broken.json()["message"]
    )
    huge = client.post(
        "/api/uploads", files={"file": ("big.json", b"x" * (1024 * 1024 + 1))}, headers=headers
    )
    assert huge.status_code == 413 and "larger than 1 MiB" in huge.json()["message"]


def test_usage_events_in_batches(world):
    client, tokens = world.client, world.tokens
    headers = {"Authorization": f"Bearer {tokens['crm']}"}
    batch = {
        "events": [
            {"customer_id": "acme", "kind": "login", "occurred_at": f"2026-11-0{d}T09:00:00Z"}
            for d in (1, 2)
        ]
    }
    assert client.post("/api/usage-events", json=batch, headers=headers).json() == {
        "received": 2,
        "stored": 2,
        "duplicates": 0,
    }
    assert client.post("/api/usage-events", json=batch, headers=headers).json()["duplicates"] == 2
    bad = client.post("/api/usage-events", json={"events": [{"kind": "login"}]}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"] == "ValidationError"


def test_unknown_routes_and_the_openapi_document(world):
    client = world.client
    assert client.get("/api/nowhere").json() == {
        "error": "HTTPError",
        "message": "Not Found",
        "path": None,
    }
    paths = client.get(
        "/openapi.json", headers={"Authorization": f"Bearer {world.tokens['rep']}"}
    ).json()["paths"]
    assert {
        "/api/interactions",
        "/api/queue",
        "/api/customers",
        "/api/uploads",
        "/api/usage-events",
        "/api/search",
    } <= set(paths)
    assert client.get("/api/health").json() == {"status": "ok"}


def test_the_api_shows_file_names_never_server_paths(world):
    everything = get(world, "/api/interactions", role="admin", limit=500).json()["items"]
    everything += [
        f["interaction"]
        for f in get(world, "/api/queue", role="admin", limit=500, kind="ticket").json()["items"]
    ]
    assert everything and all(
        "/" not in i["source"] and "\\" not in i["source"] for i in everything
    )
    recording = get(world, f"/api/interactions/{world.recording_id}").json()["interaction"]
    assert (
        recording["source"] == recording["metadata"]["audio_path"] == "hooli-2026-10-28-renewal.wav"
    )
    assert str(world.settings.upload_dir.parent) not in get(world, "/api/queue", limit=500).text
