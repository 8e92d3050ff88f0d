"""Retry rules, against a scripted server on loopback (respx can't intercept httpx2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from calgate.client import (
    Client,
    ClientConfig,
    RateLimited,
    RetryPolicy,
    ServerError,
    TransportError,
)
from tests.support.server import free_port, live_server

pytestmark = pytest.mark.pure  # no database

FAST = RetryPolicy(retries=3, budget=5.0, backoff=0.01)
ME = {"status": "success", "data": {"id": 7, "email": "me@example.com"}}


@dataclass
class Script:
    """Answers to give in order; the last one repeats."""

    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)

    async def handle(self, request: Request) -> JSONResponse:
        self.seen.append(f"{request.method} {request.headers.get('cal-api-version', '-')}")
        status, headers = self.answers[min(len(self.seen), len(self.answers)) - 1]
        if status == 200:
            return JSONResponse(ME)
        body = {"status": "error", "error": {"code": "X", "message": f"status {status}"}}
        return JSONResponse(body, status, headers=headers)


@pytest.fixture
def scripted() -> Iterator[tuple[str, Script]]:
    script = Script()
    app = Starlette(routes=[Route("/v2/{path:path}", script.handle, methods=["GET", "POST"])])
    with live_server(app) as url:
        yield url, script


def client(url: str, policy: RetryPolicy = FAST) -> Client:
    return Client(config=ClientConfig(base_url=url, api_key="cal_x"), retry=policy)


def test_429_is_retried_after_retry_after(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    script.answers = [(429, {"Retry-After": "0"}), (429, {"Retry-After": "0"}), (200, {})]
    with client(url) as c:
        assert c.me.get().id == 7
    assert len(script.seen) == 3


def test_429_gives_up_when_the_wait_exceeds_the_budget(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    script.answers = [(429, {"Retry-After": "120"})]
    with client(url) as c, pytest.raises(RateLimited) as limited:
        c.me.get()
    assert limited.value.retry_after == 120
    assert len(script.seen) == 1


def test_5xx_retried_for_reads_only(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    script.answers = [(503, {}), (200, {})]
    with client(url) as c:
        assert c.me.get().id == 7
        assert len(script.seen) == 2
        script.seen.clear()
        script.answers = [(502, {})]
        with pytest.raises(ServerError):
            c.bookings.cancel("abc")
        assert script.seen == ["POST 2024-08-13"]  # not repeated: it may have taken effect


def test_retries_are_bounded(scripted: tuple[str, Script]) -> None:
    url, script = scripted
    script.answers = [(500, {})]
    with client(url) as c, pytest.raises(ServerError):
        c.me.get()
    assert len(script.seen) == 1 + FAST.retries


def test_network_failure_is_a_transport_error() -> None:
    with client(f"http://127.0.0.1:{free_port()}") as c, pytest.raises(TransportError):
        c.me.get()
