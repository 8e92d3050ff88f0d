"""Data plane: `ANY /{app}/{path}` forwarded to the provider with the access token injected.

The request body is read (bounded) so the call can be replayed once after a refresh; the
response streams back unchanged (status, headers minus hop-by-hop, raw body bytes). Calls to
this very server take the same path through an in-process transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx2
from starlette.background import BackgroundTask
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse

from calgate.errors import BadRequest
from calgate.gateway import connection_service
from calgate.gateway.cache import Route
from calgate.gateway.errors import BadGateway, GatewayTimeout, PayloadTooLarge
from calgate.gateway.refresh import AccessToken
from calgate.gateway.runtime import Gateway, get_gateway
from calgate.net.ssrf import RefusedTarget
from calgate.security import keys
from calgate.store.models import utcnow

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
SELECTOR = "maton-connection"

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
# Request headers that never reach the provider: the gateway's credentials and selector, the
# caller's cookies, and what httpx2 sets itself (host, length of the replayable body).
_DROP_REQUEST = HOP_BY_HOP | {
    "authorization",
    SELECTOR,
    "cookie",
    "host",
    "content-length",
    "expect",
}
# uvicorn adds its own date/server headers; forwarding upstream's would duplicate them.
_DROP_RESPONSE = HOP_BY_HOP | {"date", "server"}


def _listed_in_connection(headers: list[tuple[bytes, bytes]]) -> set[str]:
    names: set[str] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            names.update(t.strip().lower() for t in value.decode("latin-1").split(",") if t.strip())
    return names


def request_headers(raw: list[tuple[bytes, bytes]], token: str) -> list[tuple[bytes, bytes]]:
    drop = _DROP_REQUEST | _listed_in_connection(raw)
    kept = [(k, v) for k, v in raw if k.decode("latin-1").lower() not in drop]
    kept.append((b"authorization", f"Bearer {token}".encode("latin-1")))
    return kept


def response_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    drop = _DROP_RESPONSE | _listed_in_connection(raw)
    return [(k.lower(), v) for k, v in raw if k.decode("latin-1").lower() not in drop]


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"Request body exceeds {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise BadRequest("The client disconnected while sending the body") from exc
    return b"".join(chunks)


def upstream_url(base_url: str, request: Request, prefix: str) -> str:
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    path = raw_path.decode("latin-1")[len(prefix) :]
    query = request.scope.get("query_string", b"").decode("latin-1")
    return base_url.rstrip("/") + "/" + path.lstrip("/") + (f"?{query}" if query else "")


def make_endpoint(app: str) -> Callable[[Request], Awaitable[Response]]:
    prefix = f"/{app}"

    async def proxy(request: Request) -> Response:
        return await forward(get_gateway(request), app, prefix, request)

    proxy.__name__ = f"proxy_{app.replace('-', '_')}"
    return proxy


async def _connection_token(
    gateway: Gateway, app: str, request: Request
) -> tuple[str, AccessToken]:
    """Authenticate, then pick the connection and a fresh-enough token.

    The answer is remembered for a few seconds (see gateway.cache); the rate limit still
    counts every call.
    """
    raw = keys.bearer_token(request.headers.get("authorization"))
    selector = (request.headers.get(SELECTOR) or "").strip()
    digest = keys.digest(gateway.settings.pepper, raw) if raw else ""
    now = utcnow()
    cached = gateway.cache.route(digest, app, selector, now) if digest else None
    if cached is not None:
        if gateway.limiter is not None:
            await gateway.limiter.hit(cached.key_id)
        return cached.connection_id, cached.token
    pick = await connection_service.pick_for_proxy(gateway, request, app, selector or None, now)
    token = pick.token
    if token is None:
        token = await gateway.refresher.refresh(pick.connection_id, pick.version, force=False)
    else:
        gateway.cache.remember_route(
            digest, app, selector, Route(pick.key_id, pick.connection_id, token, pick.expires_at)
        )
    return pick.connection_id, token


async def forward(gateway: Gateway, app: str, prefix: str, request: Request) -> Response:
    """One path for every provider, this very server included (its origin is mounted on the
    gateway's client in-process, see calgate.allinone): send; on 401 refresh once; resend."""
    provider = gateway.provider(app)
    connection_id, token = await _connection_token(gateway, app, request)
    body = await read_body(request, gateway.settings.max_body_bytes)
    url = upstream_url(provider.base_url, request, prefix)
    raw = list(request.headers.raw)
    upstream = await _send(gateway, request.method, url, request_headers(raw, token.token), body)
    if upstream.status_code == 401:
        await upstream.aclose()
        token = await gateway.refresher.refresh(connection_id, token.version, force=True)
        upstream = await _send(
            gateway, request.method, url, request_headers(raw, token.token), body
        )
    kept = response_headers(list(upstream.headers.raw))
    return StreamingResponse(
        _relay(upstream),
        status_code=upstream.status_code,
        headers=Headers(raw=kept),
        background=BackgroundTask(upstream.aclose),
    )


async def _send(
    gateway: Gateway, method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> httpx2.Response:
    req = gateway.http.build_request(method, url, headers=headers, content=body)
    if not any(k.lower() == b"accept-encoding" for k, _ in headers):
        # The client's default would ask for gzip on the caller's behalf, and the raw body is
        # relayed as is: the caller gets exactly the encodings it asked for, or none.
        del req.headers["accept-encoding"]
    try:
        return await gateway.http.send(req, stream=True)
    except RefusedTarget as exc:
        raise BadGateway(f"Refused to call the upstream API at {url}: {exc}") from exc
    except httpx2.TimeoutException as exc:
        raise GatewayTimeout(f"The upstream API did not answer in time ({url})") from exc
    except httpx2.HTTPError as exc:
        raise BadGateway(f"The upstream API is unreachable: {type(exc).__name__}") from exc


async def _relay(upstream: httpx2.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    finally:
        await upstream.aclose()
