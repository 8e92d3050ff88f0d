"""Calling an ASGI app in this process directly: the all-in-one proxy's fast path.

When the provider is this very server, a proxied call needs no client library at all: build the
ASGI scope the server would have built, run the app, collect what it sends. The app sees an
ordinary request from 127.0.0.1 (its middleware, auth and error handling all run as usual).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.types import ASGIApp

_CLIENT = ("127.0.0.1", 0)


@dataclass
class LocalResponse:
    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


async def call(
    app: ASGIApp, method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes
) -> LocalResponse:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    raw_path = parts.path or "/"
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": parts.scheme or "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("latin-1"),
        "query_string": parts.query.encode("latin-1"),
        "root_path": "",
        "headers": [(b"host", parts.netloc.encode("latin-1")), *headers],
        "client": _CLIENT,
        "server": (host, port),
    }
    sent_body = False
    out = LocalResponse()
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        # The app asks again only after the response, or to watch for a disconnect.
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out.status = int(message["status"])
            out.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    await app(scope, receive, send)
    out.body = b"".join(chunks)
    return out
