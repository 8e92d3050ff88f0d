"""The one SSRF guard on every outbound gateway call (calgate.net.transport)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from calgate.gateway import Provider
from calgate.net.ssrf import RefusedTarget, is_public, valid_subscriber_url
from calgate.net.transport import GuardedTransport, guarded_client
from calgate.store.models import utcnow
from tests.gateway.conftest import Harness
from tests.gateway.fake_provider import CLIENT_ID, CLIENT_SECRET
from tests.support.server import free_port, live_server

PRIVATE = [
    "http://127.0.0.1:{port}/x",
    "http://localhost:{port}/x",
    "http://10.1.2.3/x",
    "http://192.168.0.10/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://0.0.0.0/x",
    # IPv4 inside IPv6: NAT64 (well-known and local-use), 6to4, IPv4-compatible, translated.
    "http://[64:ff9b::a9fe:a9fe]/x",
    "http://[64:ff9b:1::a00:1]/x",
    "http://[2002:a00:1::]/x",
    "http://[::127.0.0.1]/x",
    "http://[::ffff:0:7f00:1]/x",
]


def _get(url: str, *, allow_private: bool) -> httpx2.Response:
    async def go() -> httpx2.Response:
        async with guarded_client(
            timeout=httpx2.Timeout(5.0), max_connections=2, allow_private=allow_private
        ) as client:
            return await client.get(url)

    return asyncio.run(go())


@pytest.mark.pure
@pytest.mark.parametrize("template", PRIVATE)
def test_private_targets_refused_before_connecting(template: str) -> None:
    with pytest.raises(RefusedTarget, match="CALGATE_GATEWAY_ALLOW_PRIVATE"):
        _get(template.format(port=free_port()), allow_private=False)


@pytest.mark.pure
def test_loopback_allowed_with_the_flag() -> None:
    app = Starlette(routes=[Route("/ok", lambda _: PlainTextResponse("ok"))])
    with live_server(app) as url:
        assert _get(f"{url}/ok", allow_private=True).text == "ok"
        with pytest.raises(RefusedTarget):
            _get(f"{url}/ok", allow_private=False)


@pytest.mark.pure
def test_name_is_pinned_to_the_checked_address() -> None:
    """The connection goes to the address that was checked (Host and SNI keep the name), so a
    DNS answer that changes between check and connect can't lead inside the network."""
    seen: list[httpx2.Request] = []
    answers = {"api.example.com": "93.184.216.34", "rebind.example.com": "10.0.0.5"}

    def capture(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(204)

    async def go() -> None:
        loop = asyncio.get_running_loop()

        async def getaddrinfo(host: str, port: int, **_: object) -> list[tuple[object, ...]]:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

        loop.getaddrinfo = getaddrinfo  # type: ignore[method-assign,assignment]
        transport = GuardedTransport(httpx2.MockTransport(capture), allow_private=False)
        async with httpx2.AsyncClient(transport=transport) as client:
            await client.get("https://api.example.com:8443/path?q=1")
            await client.get("https://8.8.8.8/x")
            with pytest.raises(RefusedTarget, match=r"10\.0\.0\.5"):
                await client.get("https://rebind.example.com/x")
            with pytest.raises(RefusedTarget):
                await client.get("ftp://8.8.8.8/x")

    asyncio.run(go())
    assert len(seen) == 2
    assert str(seen[0].url) == "https://93.184.216.34:8443/path?q=1"
    assert seen[0].headers["host"] == "api.example.com:8443"
    assert seen[0].extensions["sni_hostname"] == "api.example.com"
    assert str(seen[1].url) == "https://8.8.8.8/x"


def _guarded_twin(gw: Harness, make_gateway: Callable[..., Harness], **provider: str) -> Harness:
    """A second gateway on the same database, without the private-address allowance."""
    fake = gw.fake
    fields = {
        "base_url": f"{fake.url}/api",
        "authorize_url": f"{fake.url}/oauth/authorize",
        "token_url": f"{fake.url}/oauth/token",
        **provider,
    }
    strict = make_gateway(
        Provider(app="cal-com", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **fields),
        allow_private=False,
    )
    assert strict.gateway_settings.allow_private is False
    return strict


def test_provider_on_loopback_refused_without_flag(make_gateway: Callable[..., Harness]) -> None:
    gw = make_gateway()
    key = gw.make_key()
    gw.connect(key)
    with gw.client(key) as http:
        assert http.get("/cal-com/v2/me").status_code == 200  # allowed: tests set the flag
    strict = _guarded_twin(gw, make_gateway)
    with strict.client(key) as http:
        r = http.get("/cal-com/v2/me")
    assert r.status_code == 502
    error = r.json()["error"]
    assert error["code"] == "BadGatewayException"
    assert "Refused" in error["message"]
    assert "CALGATE_GATEWAY_ALLOW_PRIVATE" in error["message"]
    assert len(gw.fake.requests) == 1  # the refused call never reached the provider


@pytest.mark.parametrize(
    "base", ["http://10.0.0.7/api", "http://169.254.169.254/api", "http://[::1]:9/api"]
)
def test_private_provider_bases_refused(make_gateway: Callable[..., Harness], base: str) -> None:
    gw = make_gateway()
    key = gw.make_key()
    gw.connect(key)
    strict = _guarded_twin(gw, make_gateway, base_url=base)
    with strict.client(key) as http:
        r = http.get("/cal-com/v2/me")
    assert r.status_code == 502
    assert "private, loopback or link-local" in r.json()["error"]["message"]


def test_token_endpoint_refused_with_clear_error(make_gateway: Callable[..., Harness]) -> None:
    gw = make_gateway()
    key = gw.make_key()
    conn = gw.connect(key)
    gw.expire(conn, utcnow() - timedelta(minutes=1))
    strict = _guarded_twin(gw, make_gateway, base_url="https://api.example.invalid")
    calls = gw.fake.refresh_calls
    with strict.client(key) as http:
        r = http.get("/cal-com/v2/me")
    assert r.status_code == 502
    message = r.json()["error"]["message"]
    assert "token endpoint" in message
    assert "refused" in message
    assert gw.fake.refresh_calls == calls


@pytest.mark.pure
def test_from_env_flag() -> None:
    from calgate.config import Settings
    from calgate.gateway import GatewaySettings

    base = Settings(secret_key="s")
    assert GatewaySettings.from_env(base, environ={}).allow_private is False
    on = GatewaySettings.from_env(base, environ={"CALGATE_GATEWAY_ALLOW_PRIVATE": "1"})
    assert on.allow_private is True
    assert replace(on, allow_private=False).allow_private is False


@pytest.mark.pure
def test_public_ipv4_behind_nat64_is_public() -> None:
    assert is_public(ipaddress.ip_address("64:ff9b::808:808"))
    assert is_public(ipaddress.ip_address("8.8.8.8"))


@pytest.mark.pure
def test_unresolvable_name_is_refused_not_raised() -> None:
    """A label over 63 characters passes URL parsing but can never resolve: refused at once
    (a delivery records it) instead of an exception escaping the guard."""
    url = "https://" + "a" * 70 + ".example.com/hook"
    assert not valid_subscriber_url(url)
    with pytest.raises(RefusedTarget, match="invalid host name"):
        _get(url, allow_private=False)
