"""The dependencies every API request solves: the token and its role in one async dependency, whose lookup hops
to the thread pool on neither backend (one indexed read); the facade costs no hop either; nor does a read route on
SQLite (api/deps.py ``sqlite_inline``)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter

from api.app import create_app
from api.auth import create_token, revoke_token
from api.deps import json_answer
from models.settings import Settings
from models.store import Store

# what a read route sends to the pool on PostgreSQL (sqlite_inline): the route, its answer's bytes built there too
ROUTE = ["list_interactions"]


def _names(func: Any) -> str:
    while isinstance(func, functools.partial):
        func = func.func
    return getattr(func, "__qualname__", repr(func))


def _count_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, each hop to the thread pool, as the name of the callable that hops."""
    hopped: list[str] = []
    real = anyio.to_thread.run_sync

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        hopped.append(_names(func))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return hopped


@contextmanager
def _manager_client(url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app on ``url`` (rate limit off) in a TestClient, and a manager token's headers."""
    with Store(url) as store:
        _, secret = create_token(store, "manager", "laptop")
        app = create_app(Settings(database_url=url, upload_dir=tmp_path / "u", rate_limit=0), store)
        with TestClient(app) as client:
            yield client, {"Authorization": f"Bearer {secret}"}


@pytest.mark.both_backends
def test_only_the_route_hops_to_the_thread_pool_on_postgresql(
    backend, db_url, tmp_path, migrated_copy, monkeypatch
):
    with _manager_client(migrated_copy(db_url), tmp_path) as (client, headers):
        client.get("/api/interactions?limit=1", headers=headers)  # records the last use (a hop)
        hopped = _count_hops(monkeypatch)
        assert client.get("/api/interactions?limit=1", headers=headers).status_code == 200
        route = ROUTE if backend == "postgresql" else []
        assert hopped == route  # no hop for the token; on SQLite none for the route either
        hopped.clear()
        stranger = client.get("/api/interactions?limit=1", headers={"Authorization": "Bearer ci_x"})
        assert stranger.status_code == 401 and hopped == []


@pytest.mark.both_backends
def test_a_token_revoked_through_another_store_is_refused_on_the_next_request(
    db_url, tmp_path, migrated_copy
):
    """Nothing about a token is kept between requests: revoked elsewhere (another process's ``callintel token
    revoke``: here another engine, other connections) it is a 401 at once, wherever the check runs."""
    url = migrated_copy(db_url)
    with Store(url) as store, Store(url, migrate=False) as elsewhere:
        token, secret = create_token(store, "manager", "laptop")
        app = create_app(Settings(database_url=url, upload_dir=tmp_path / "u", rate_limit=0), store)
        with TestClient(app) as client:
            headers = {"Authorization": f"Bearer {secret}"}
            assert client.get("/api/interactions?limit=1", headers=headers).status_code == 200
            assert revoke_token(elsewhere, token.id)
            refused = client.get("/api/interactions?limit=1", headers=headers)
            assert refused.status_code == 401
            assert refused.json()["message"] == "invalid or revoked API token"
            assert client.get("/openapi.json", headers=headers).status_code == 401


def test_the_role_is_checked_in_the_same_dependency_as_the_token(tmp_path, migrated_copy):
    url = migrated_copy(f"sqlite:///{tmp_path / 'roles.db'}")
    with Store(url) as store:
        _, crm = create_token(store, "crm", "the CRM")
        app = create_app(Settings(database_url=url, upload_dir=tmp_path / "u", rate_limit=0), store)
        with TestClient(app) as client:
            wrong_scheme = client.get(
                "/api/interactions", headers={"Authorization": f"Basic {crm}"}
            )
            assert wrong_scheme.status_code == 401
            assert "Authorization: Bearer" in wrong_scheme.json()["message"]
            forbidden = client.get("/api/interactions", headers={"Authorization": f"Bearer {crm}"})
            assert forbidden.status_code == 403 and forbidden.json() == {
                "error": "Forbidden",
                "message": "a crm token cannot do this (allowed: admin, manager, rep)",
                "path": None,
            }
            security = client.get("/openapi.json", headers={"Authorization": f"Bearer {crm}"})
            assert security.json()["components"]["securitySchemes"] == {
                "HTTPBearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from `callintel token create`.",
                }
            }


def test_a_recomputing_read_still_hops_on_sqlite(tmp_path, migrated_copy, monkeypatch):
    """``sqlite_inline``'s ``hop``: a read of the stored health runs on the event loop, its recomputation (as_of,
    recompute: a long request) in the thread pool, as a sync route did."""
    url = migrated_copy(f"sqlite:///{tmp_path / 'hops.db'}")
    with _manager_client(url, tmp_path) as (client, headers):
        client.get("/api/customers", headers=headers)  # records the last use (a hop)
        hopped = _count_hops(monkeypatch)
        for path, expected in [
            ("/api/customers", []),
            ("/api/customers?recompute=true", ["customers"]),
            ("/api/customers?as_of=2026-01-01T00:00:00Z", ["customers"]),
            ("/api/customers/nobody/timeline?recompute=true", ["customer_timeline"]),
            ("/api/alerts", []),
        ]:
            hopped.clear()
            assert client.get(path, headers=headers).status_code in (200, 404)
            assert hopped == expected, path


class _Point(BaseModel):
    name: str
    score: float
    at: datetime
    extra: dict[str, Any]


def test_json_answer_writes_the_bytes_of_the_response_model():
    """``json_answer``: the status, headers and bytes FastAPI answers for the model returned (small and large
    floats, unicode, times), with a page's X-Next-Cursor."""
    app = FastAPI()
    points = [
        _Point(
            name="Zoë ✓", score=1.2e-05, at=datetime(2026, 1, 2, 3, 4, 5, 6, UTC), extra={"x": 1e16}
        ),
        _Point(name='a "b"', score=0.1, at=datetime(2026, 1, 2, tzinfo=UTC), extra={}),
    ]

    @app.get("/model", response_model=list[_Point])
    def model(response: Response) -> list[_Point]:
        response.headers["X-Next-Cursor"] = "abc"
        return points

    @app.get("/answer", response_model=list[_Point])
    def answer() -> Response:
        return json_answer(TypeAdapter(list[_Point]), points, "abc")

    with TestClient(app) as client:
        expected, got = client.get("/model"), client.get("/answer")
    assert got.status_code == expected.status_code == 200
    assert got.headers.raw == expected.headers.raw
    assert got.content == expected.content
