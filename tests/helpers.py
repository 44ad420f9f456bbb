"""Helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


def call_doc(customer: str = "acme", **extra) -> dict:
    doc = {
        "customer_id": customer,
        "occurred_at": "2026-09-01T10:00:00Z",
        "rep": "dana",
        "title": "Check-in",
        "utterances": [
            {"speaker": "rep", "start_s": 0.0, "end_s": 2.0, "text": "Hi, thanks for joining."},
            {"speaker": "customer", "start_s": 2.5, "end_s": 5.0, "text": "This is too expensive for us."},
        ],
    }
    doc.update(extra)
    return doc


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def one_line_error(run: Run) -> str:
    """The stderr of a failed run: exactly one line, no traceback."""
    assert run.returncode != 0, run
    lines = run.stderr.strip().splitlines()
    assert "Traceback" not in run.stderr
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("callintel: ")
    return lines[0]


class Receiver:
    """A loopback HTTP server that answers with the next status in ``statuses`` and records every request."""

    def __init__(self, statuses):
        self.statuses, self.requests = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`callintel serve ARGS` on a free loopback port, up and answering; yields its base URL, stops it after."""
    from tests.conftest import CALLINTEL

    port = free_port()
    process = subprocess.Popen([str(CALLINTEL), "serve", "--port", str(port), *args], env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, process.stderr.read() if process.poll() is not None else "no answer"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(60)
