"""A real HTTP receiver on loopback that records every webhook request it gets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.server import free_port
from tests.support.waiting import wait_until


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers["x-calgate-event-id"]


# Given the 0-based index of a request, answer (status, headers).
Responder = Callable[[int], tuple[int, dict[str, str]]]


def always(status: int = 200) -> Responder:
    return lambda _: (status, {})


def sequence(*answers: int | tuple[int, dict[str, str]]) -> Responder:
    """Answer with these in turn, then 200 for ever."""

    def respond(i: int) -> tuple[int, dict[str, str]]:
        if i >= len(answers):
            return 200, {}
        answer = answers[i]
        return answer if isinstance(answer, tuple) else (answer, {})

    return respond


@dataclass
class Receiver:
    url: str
    port: int
    responder: Responder = field(default_factory=always)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:

        def arrived() -> list[Received]:
            with self.lock:
                return list(self.requests) if len(self.requests) >= count else []

        try:
            return wait_until(arrived, timeout)
        except AssertionError:
            with self.lock:
                got = len(self.requests)
            raise AssertionError(f"expected {count} webhook requests, got {got}") from None

    def event_ids(self) -> set[str]:
        with self.lock:
            return {r.event_id for r in self.requests}


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:
                # The sender died mid-body (the crash test kills it): no request was made, and
                # a real receiver could not have parsed this one either.
                self.close_connection = True
                return
            if receiver.delay:
                time.sleep(receiver.delay)
            with receiver.lock:
                index = len(receiver.requests)
                receiver.requests.append(
                    Received(
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        time.monotonic(),
                    )
                )
            status, headers = receiver.responder(index)
            payload = b'{"ok":true}'
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def receiver(
    responder: Responder | None = None, *, port: int | None = None, delay: float = 0.0
) -> Iterator[Receiver]:
    port = port or free_port()
    rec = Receiver(f"http://127.0.0.1:{port}/hook", port, responder or always(), delay)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(rec))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
