"""A real uvicorn server on loopback, in a background thread, for tests that need real HTTP;
and waiting for a server started as a child process."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import uvicorn

from tests.support.waiting import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(app: Any, *, port: int | None = None) -> Iterator[str]:
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started or not thread.is_alive(), 15, 0.01, "the test server")
    if not server.started:
        raise RuntimeError("test server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    # A server that will not stop is a shutdown bug (its lifespan would run on beside the next
    # test's): say so rather than leave it running.
    if thread.is_alive():
        raise AssertionError(f"the test server on port {port} did not stop within 30 s")


def responds(url: str, status: int = 200, timeout: float = 1.0) -> bool:
    """Whether a GET of ``url`` answers ``status`` now (False while nothing listens)."""
    try:
        return httpx2.get(url, timeout=timeout).status_code == status
    except httpx2.HTTPError:
        return False


def wait_for_process(
    process: subprocess.Popen[Any],
    ready: Callable[[], bool],
    *,
    timeout: float,
    log: Callable[[], str],
    what: str = "server",
) -> None:
    """Wait until the child ``process`` is ``ready()``; fail with its ``log()`` if it exits
    first or isn't ready within ``timeout`` seconds."""
    try:
        wait_until(lambda: process.poll() is not None or ready(), timeout, 0.05, what)
    except AssertionError:
        raise AssertionError(f"{what} did not start in {timeout}s:\n{log()}") from None
    if process.poll() is not None:
        raise AssertionError(f"{what} exited with {process.returncode}:\n{log()}")
