"""``callintel serve``'s web processes: the supervisor's settings (api/serving.py)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import uvicorn.supervisors

from api.serving import HEALTHCHECK_S, serve_processes
from models.settings import Settings


class _Supervisor:
    """Stands in for uvicorn's Multiprocess: keeps the config it was given instead of starting processes."""

    configs: list[uvicorn.Config] = []

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self.configs.append(config)

    def run(self) -> None:
        return None


def test_web_processes_get_time_to_answer_the_health_ping_when_busy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setattr(uvicorn.supervisors, "Multiprocess", _Supervisor)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}")
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        serve_processes(settings, listening, 2, None)
    (config,) = _Supervisor.configs
    assert config.workers == 2
    assert (
        config.timeout_worker_healthcheck == HEALTHCHECK_S >= 30
    )  # uvicorn's default, 5 s, killed busy ones


def test_serve_runs_on_uvloop_and_httptools() -> None:
    """uvicorn's "auto" loop and HTTP protocol pick the C implementations the project pins (pyproject.toml):
    0.1-0.6 ms of a web process's CPU less a request than asyncio's loop and h11 (README, "Serving")."""
    import uvloop
    from uvicorn.loops.auto import auto_loop_factory
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None

    config = uvicorn.Config(
        app, loop="auto", http="auto"
    )  # what serve and serve_processes give uvicorn
    config.load()
    assert config.http_protocol_class is AutoHTTPProtocol
    assert AutoHTTPProtocol.__name__ == "HttpToolsProtocol"
    loop = auto_loop_factory()()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
