"""The dependencies every API request solves: only the token's lookup (I/O) goes to the thread pool."""

from __future__ import annotations

import functools
from typing import Any

import anyio.to_thread
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_token
from models.settings import Settings
from models.store import Store


def _names(func: Any) -> str:
    while isinstance(func, functools.partial):
        func = func.func
    return getattr(func, "__qualname__", repr(func))


def test_the_facade_and_the_role_check_cost_no_thread_hop(tmp_path, migrated_copy, monkeypatch):
    url = migrated_copy(f"sqlite:///{tmp_path / 'deps.db'}")
    with Store(url) as store:
        _, secret = create_token(store, "manager", "laptop")
        app = create_app(Settings(database_url=url, upload_dir=tmp_path / "u", rate_limit=0), store)
        with TestClient(app) as client:
            hopped: list[str] = []
            real = anyio.to_thread.run_sync

            async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
                hopped.append(_names(func))
                return await real(func, *args, **kwargs)

            monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
            headers = {"Authorization": f"Bearer {secret}"}
            assert client.get("/api/interactions?limit=1", headers=headers).status_code == 200
            assert "_token" in hopped  # the lookup reads the store: off the event loop
            assert not [name for name in hopped if name.startswith(("_callintel", "allow."))]
            stranger = client.get(
                "/api/interactions?limit=1", headers={"Authorization": "Bearer x"}
            )
            assert stranger.status_code == 401
