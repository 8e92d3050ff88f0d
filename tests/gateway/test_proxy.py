"""The /cal-com/... data plane: selection, header hygiene, streaming, upstream failures."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx2

from calgate.gateway import Provider
from calgate.gateway.config import RateLimit
from tests.gateway.conftest import Harness
from tests.gateway.fake_provider import CLIENT_ID, CLIENT_SECRET, pattern_bytes
from tests.support.server import free_port


def test_default_is_oldest_active_and_header_selects(gw: Harness) -> None:
    key = gw.make_key()
    first = gw.connect(key, user="alice")
    second = gw.connect(key, user="bob")
    with gw.client(key) as http:
        assert http.get("/cal-com/v2/me").json()["data"]["user"] == "alice"
        chosen = http.get("/cal-com/v2/me", headers={"Maton-Connection": second})
        assert chosen.json()["data"]["user"] == "bob"
        chosen = http.get("/cal-com/v2/me", headers={"Maton-Connection": first})
        assert chosen.json()["data"]["user"] == "alice"
        # A deleted default falls back to the next oldest ACTIVE connection.
        http.delete(f"/connections/{first}")
        assert http.get("/cal-com/v2/me").json()["data"]["user"] == "bob"
        unknown = http.get("/cal-com/v2/me", headers={"Maton-Connection": first})
        assert unknown.status_code == 400


def test_no_active_connection_is_400_with_instructions(gw: Harness) -> None:
    key = gw.make_key()
    with gw.client(key) as http:
        http.post("/connections", json={"app": "cal-com"})  # PENDING only
        r = http.get("/cal-com/v2/me")
    assert r.status_code == 400
    message = r.json()["error"]["message"]
    assert "No ACTIVE cal-com connection" in message
    assert "POST /connections" in message


def test_pending_connection_selected_by_header_is_400(gw: Harness) -> None:
    key = gw.make_key()
    with gw.client(key) as http:
        pending = http.post("/connections", json={"app": "cal-com"}).json()["connection"]
        r = http.get("/cal-com/v2/me", headers={"Maton-Connection": pending["connection_id"]})
    assert r.status_code == 400
    assert "PENDING" in r.json()["error"]["message"]


def test_request_header_hygiene_and_passthrough(gw: Harness) -> None:
    key = gw.make_key()
    conn = gw.connect(key)
    with gw.client(key) as http:
        r = http.post(
            "/cal-com/v2/bookings/a%2Fb/cancel?x=1&x=2&q=a%20b&empty=",
            content=b'{"cancellationReason": "r"}',
            headers={
                "Content-Type": "application/json",
                "cal-api-version": "2024-08-13",
                "X-Custom": "kept",
                "Maton-Connection": conn,
                "Cookie": "session=browser-secret",
                "Connection": "keep-alive, X-Hop",
                "X-Hop": "dropped",
                "Keep-Alive": "timeout=5",
                "TE": "trailers",
                "Proxy-Authorization": "Basic abc",
            },
        )
    assert r.status_code == 200, r.text
    seen = r.json()["data"]
    headers = dict(seen["headers"])
    assert seen["method"] == "POST"
    assert seen["raw_path"] == "/api/v2/bookings/a%2Fb/cancel"
    assert seen["query"] == "x=1&x=2&q=a%20b&empty="
    assert seen["body"] == '{"cancellationReason": "r"}'
    access = next(t for t, u in gw.fake.access.items() if u == "alice")
    assert headers["authorization"] == f"Bearer {access}"
    assert [k for k, _ in seen["headers"]].count("authorization") == 1
    assert headers["cal-api-version"] == "2024-08-13"
    assert headers["x-custom"] == "kept"
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == str(len(seen["body"]))
    for gone in ("maton-connection", "cookie", "x-hop", "keep-alive", "te", "proxy-authorization"):
        assert gone not in headers, gone
    assert key not in str(seen["headers"])


def test_response_headers_pass_through_without_cookie_replay(gw: Harness) -> None:
    key = gw.make_key()
    gw.connect(key)
    with gw.client(key) as http:
        first = http.get("/cal-com/v2/me")
        assert first.headers["x-upstream"] == "yes"
        assert first.headers.get_list("set-cookie") == [
            "upstream_session=secret; Path=/",
            "second=2; Path=/",
        ]
        assert first.headers.get_list("server") == ["uvicorn"]
        http.cookies.clear()
        again = http.get("/cal-com/v2/me")
    # The gateway's shared HTTP client never replays a cookie an upstream set.
    assert "cookie" not in {k for k, _ in again.json()["data"]["headers"]}


def test_upstream_status_and_body_pass_through(gw: Harness) -> None:
    key = gw.make_key()
    gw.connect(key)
    with gw.client(key) as http:
        for code in (404, 409, 500, 503):
            r = http.get(f"/cal-com/v2/status/{code}")
            assert r.status_code == code
            assert r.json() == {"upstream": code}
            assert r.headers["retry-after"] == "7"


def test_large_response_streams(gw: Harness) -> None:
    key = gw.make_key()
    gw.connect(key)
    size = 32 * 1024 * 1024 + 123
    digest = hashlib.sha256()
    received = 0
    with gw.client(key) as http, http.stream("GET", f"/cal-com/v2/big?size={size}") as r:
        assert r.status_code == 200
        for chunk in r.iter_raw():
            digest.update(chunk)
            received += len(chunk)
    assert received == size
    assert digest.hexdigest() == hashlib.sha256(pattern_bytes(size)).hexdigest()


def test_response_is_not_buffered(gw: Harness) -> None:
    """Upstream sends one chunk, then waits until the client has seen it: only a streaming
    gateway lets the client see it."""
    key = gw.make_key()
    gw.connect(key)
    with gw.client(key) as http, http.stream("GET", "/cal-com/v2/gated") as r:
        chunks = r.iter_raw()
        first = next(chunks)
        assert first.startswith(b"first-chunk")
        gw.fake.release.set()
        rest = first + b"".join(chunks)
    assert b"TIMEOUT" not in rest
    assert rest.endswith(b"rest\n")


def test_upstream_unreachable_is_502(make_gateway: Callable[..., Harness]) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    gw = make_gateway()
    key = gw.make_key()
    gw.connect(key)
    # Same provider for the OAuth part, but the API base now points at a closed port.
    gw.app.state.calgate.gateway.settings.providers["cal-com"] = Provider(
        app="cal-com",
        base_url=dead,
        authorize_url=f"{gw.fake.url}/oauth/authorize",
        token_url=f"{gw.fake.url}/oauth/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    with gw.client(key) as http:
        r = http.get("/cal-com/v2/me")
    assert r.status_code == 502
    body = r.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "BadGatewayException"
    assert "unreachable" in body["error"]["message"]


def test_rate_limit_429_with_retry_after(make_gateway: Callable[..., Harness]) -> None:
    gw = make_gateway(rate_limit=RateLimit(3, 60.0))
    key, other = gw.make_key("a"), gw.make_key("b")
    with gw.client(key) as http:
        codes = [http.get("/connections").status_code for _ in range(3)]
        limited = http.get("/cal-com/v2/me")
        assert codes == [200, 200, 200]
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"]["code"] == "ThrottlerException"
    with gw.client(other) as http:
        assert http.get("/connections").status_code == 200  # buckets are per key


def test_unknown_app_path_is_404(gw: Harness) -> None:
    key = gw.make_key()
    with gw.client(key) as http:
        assert http.get("/not-an-app/v2/me").status_code == 404


def test_bounded_request_body(make_gateway: Callable[..., Harness]) -> None:
    gw = make_gateway(max_body_bytes=1000)
    key = gw.make_key()
    gw.connect(key)
    with gw.client(key) as http:
        assert http.post("/cal-com/v2/x", content=b"a" * 1000).status_code == 200
        assert http.post("/cal-com/v2/x", content=b"a" * 1001).status_code == 413


def test_timeout_config_is_explicit(gw: Harness) -> None:
    client: httpx2.AsyncClient = gw.app.state.calgate.gateway.http
    assert client.timeout.connect == 5.0
    assert client.timeout.read == 60.0
    assert not client.follow_redirects
