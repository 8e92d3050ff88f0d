"""Many writers at once against a live server: each in its own thread, released together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2


def in_parallel(
    base_url: str,
    writers: int,
    request: Callable[[httpx2.Client, int], httpx2.Response],
) -> list[httpx2.Response]:
    """Run ``request(client, i)`` for i in range(writers), all released at the same moment."""
    start = threading.Barrier(writers)

    def one(i: int) -> httpx2.Response:
        with httpx2.Client(base_url=base_url, timeout=60) as client:
            start.wait()
            return request(client, i)

    with ThreadPoolExecutor(max_workers=writers) as pool:
        return list(pool.map(one, range(writers)))


def assert_no_server_error(responses: list[httpx2.Response], *allowed: int) -> None:
    """Every answer is one of ``allowed``; a 5xx (``database is locked``) fails the test."""
    unexpected: list[Any] = [
        (r.status_code, r.text[:200]) for r in responses if r.status_code not in allowed
    ]
    assert not unexpected, unexpected
