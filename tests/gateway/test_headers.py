"""Proxy header hygiene against a real loopback upstream that shows what it received."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from calgate.gateway import Provider
from tests.gateway.conftest import Harness
from tests.gateway.fake_provider import CLIENT_ID, CLIENT_SECRET
from tests.support.server import live_server

GZIPPED = gzip.compress(json.dumps({"hello": "world" * 50}).encode(), mtime=0)
RATE_HEADERS = {
    "Retry-After": "30",
    "X-RateLimit-Limit": "120",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": "1700000000",
}


async def _echo(request: Request) -> Response:
    return JSONResponse({"headers": [[k.decode(), v.decode()] for k, v in request.headers.raw]})


async def _gzip(_: Request) -> Response:
    return Response(
        GZIPPED, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )


async def _limited(_: Request) -> Response:
    return JSONResponse({"error": "slow down"}, 429, headers=RATE_HEADERS)


async def _hop(_: Request) -> Response:
    response = Response(b"ok")
    response.raw_headers += [
        (b"connection", b"x-hop-resp"),
        (b"x-hop-resp", b"internal"),
        (b"keep-alive", b"timeout=5"),
        (b"x-end-to-end", b"kept"),
    ]
    return response


async def _redirect(_: Request) -> Response:
    return Response(status_code=302, headers={"Location": "http://169.254.169.254/latest/"})


async def _cookie(_: Request) -> Response:
    response = JSONResponse({"ok": True})
    response.set_cookie("upstream", "secret-session")
    return response


UPSTREAM = Starlette(
    routes=[
        Route("/echo", _echo),
        Route("/gzip", _gzip),
        Route("/limited", _limited),
        Route("/hop", _hop),
        Route("/redirect", _redirect),
        Route("/cookie", _cookie),
    ]
)


@pytest.fixture
def upstream() -> Iterator[str]:
    with live_server(UPSTREAM) as url:
        yield url


@pytest.fixture
def hgw(make_gateway: Callable[..., Harness], upstream: str) -> tuple[Harness, str]:
    """A gateway whose cal-com OAuth is the fake provider and whose API is `upstream`."""
    gw = make_gateway()
    fake = gw.fake
    gw.app.state.calgate.gateway.settings.providers["cal-com"] = Provider(
        app="cal-com",
        base_url=upstream,
        authorize_url=f"{fake.url}/oauth/authorize",
        token_url=f"{fake.url}/oauth/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    key = gw.make_key()
    gw.connect(key)
    return gw, key


def _seen(response: httpx2.Response) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in response.json()["headers"]:
        out.setdefault(k, []).append(v)
    return out


def test_request_hop_by_hop_and_secrets_never_forwarded(hgw: tuple[Harness, str]) -> None:
    gw, key = hgw
    with gw.client(key) as http:
        r = http.get(
            "/cal-com/echo",
            headers={
                "Connection": "keep-alive, X-Hop-Req",
                "X-Hop-Req": "dropped",
                "Keep-Alive": "timeout=5",
                "Upgrade": "h2c",
                "Proxy-Authorization": "Basic abc",
                "Cookie": "sid=browser",
                "Maton-Connection": "",
                "X-End-To-End": "kept",
            },
        )
    assert r.status_code == 200, r.text
    seen = _seen(r)
    for gone in (
        "x-hop-req",
        "keep-alive",
        "upgrade",
        "proxy-authorization",
        "cookie",
        "maton-connection",
    ):
        assert gone not in seen, gone
    assert seen["x-end-to-end"] == ["kept"]
    # Exactly one Authorization: the provider token, never the gateway key.
    assert len(seen["authorization"]) == 1
    assert key not in seen["authorization"][0]
    assert seen["authorization"][0] in {f"Bearer {t}" for t in gw.fake.access}


def test_accept_encoding_is_exactly_the_callers(hgw: tuple[Harness, str]) -> None:
    gw, key = hgw
    with gw.client(key) as http:
        bare = http.build_request("GET", "/cal-com/echo")
        del bare.headers["accept-encoding"]
        assert "accept-encoding" not in _seen(http.send(bare))
        chosen = http.get("/cal-com/echo", headers={"Accept-Encoding": "br;q=1, identity"})
        assert _seen(chosen)["accept-encoding"] == ["br;q=1, identity"]


def test_gzip_body_passes_through_raw(hgw: tuple[Harness, str]) -> None:
    gw, key = hgw
    with gw.client(key) as http:
        request = http.build_request("GET", "/cal-com/gzip", headers={"Accept-Encoding": "gzip"})
        response = http.send(request, stream=True)
        try:
            raw = b"".join(response.iter_raw())
        finally:
            response.close()
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert raw == GZIPPED  # byte-identical: not decoded, not re-encoded
    assert response.headers["content-length"] == str(len(GZIPPED))


def test_upstream_429_keeps_rate_limit_headers(hgw: tuple[Harness, str]) -> None:
    gw, key = hgw
    with gw.client(key) as http:
        r = http.get("/cal-com/limited")
    assert r.status_code == 429
    assert r.json() == {"error": "slow down"}
    for name, value in RATE_HEADERS.items():
        assert r.headers[name] == value


def test_response_hop_by_hop_and_connection_listed_dropped(hgw: tuple[Harness, str]) -> None:
    gw, key = hgw
    with gw.client(key) as http:
        r = http.get("/cal-com/hop")
    assert r.status_code == 200
    assert "x-hop-resp" not in r.headers
    assert "keep-alive" not in r.headers
    assert r.headers["x-end-to-end"] == "kept"


def test_redirect_is_passed_back_not_followed(hgw: tuple[Harness, str]) -> None:
    gw, key = hgw
    with gw.client(key) as http:
        r = http.get("/cal-com/redirect")
    assert r.status_code == 302
    assert r.headers["location"] == "http://169.254.169.254/latest/"


def test_set_cookie_reaches_caller_but_is_never_stored(hgw: tuple[Harness, str]) -> None:
    gw, key = hgw
    with gw.client(key) as http:
        first = http.get("/cal-com/cookie")
        assert "upstream=secret-session" in first.headers["set-cookie"]
        http.cookies.clear()
        again = http.get("/cal-com/echo")
    assert "cookie" not in _seen(again)
    assert len(gw.app.state.calgate.gateway.http.cookies.jar) == 0
