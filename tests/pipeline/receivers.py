"""Webhook receivers that misbehave, on real loopback sockets: one that holds its answer, one that trickles it
a byte at a time, one that answers with a huge body. Each records what it saw; ``close`` ends it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def wait_until(condition: Callable[[], bool], timeout: float = 60.0, every: float = 0.05) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


class _Receiver:
    def __init__(self) -> None:
        self.arrived, self.release, self.stopped = (
            threading.Event(),
            threading.Event(),
            threading.Event(),
        )
        self.requests, self.answered, self.sent, self.finished = 0, 0, 0, threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests += 1
                receiver.arrived.set()
                try:
                    receiver.answer(self)
                except OSError:  # the client hung up on us
                    pass
                finally:
                    receiver.finished.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.release.set()
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()


class Holding(_Receiver):
    """Answers 200 only once ``release`` is set (at most a minute later)."""

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        self.release.wait(60)
        handler.send_response(200)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        self.answered += 1


class Trickling(_Receiver):
    """Sends its status line one byte every ``every`` seconds: each read is quick, the whole answer is not."""

    def __init__(self, every: float = 0.2) -> None:
        self.every = every
        super().__init__()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 40 + b"\r\nContent-Length: 0\r\n\r\n":
            if self.stopped.wait(self.every):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            self.sent += 1
        self.answered += 1


class Flooding(_Receiver):
    """Answers 200 with a body of ``size`` bytes, written as fast as the client takes it."""

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(self.size))
        handler.end_headers()
        chunk = b"x" * 65536
        while self.sent < self.size and not self.stopped.is_set():
            handler.wfile.write(chunk)
            self.sent += len(chunk)
        self.answered += 1
