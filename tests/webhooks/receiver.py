"""A webhook receiver on 127.0.0.1 that answers from a script: a status code per request, or "hang" to
answer later than the delivery's timeout. What it received is kept for the test to check."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG = "hang"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    script: list[int | str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    hang_seconds: float = 2.0

    def next_answer(self) -> int | str:
        return self.script.pop(0) if self.script else 200


@contextmanager
def receiver(script: list[int | str] | None = None) -> Iterator[Receiver]:
    state = Receiver(url="", script=list(script or []))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                state.received.append(Received(dict(self.headers.items()), body))
                answer = state.next_answer()
            if answer == HANG:
                time.sleep(state.hang_seconds)
                answer = 200
            self.send_response(int(answer))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
