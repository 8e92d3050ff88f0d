"""A small OAuth 2.0 provider + echo API on loopback, standing in for Cal.com in gateway tests.

It behaves like Cal.com where the gateway cares: authorization code + PKCE S256, form token
endpoint with client credentials in the body, rotating refresh tokens (a reused one gets
400 invalid_grant), 401 for unknown access tokens.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

CLIENT_ID = "gw-client"
CLIENT_SECRET = "gw-secret-123"


@dataclass
class FakeProvider:
    expires_in: int = 1800
    refresh_delay: float = 0.0
    next_user: str = "alice"
    deny: bool = False
    access: dict[str, str] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    refresh_calls: int = 0
    code_calls: int = 0
    issued: list[str] = field(default_factory=list)
    # (token, token_type_hint) of each revocation request, in order.
    revoked: list[tuple[str, str]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def issue(self, user: str) -> dict[str, Any]:
        access, refresh = f"at-{secrets.token_hex(16)}", f"rt-{secrets.token_hex(16)}"
        self.access[access] = user
        self.refresh[refresh] = user
        self.issued += [access, refresh]
        return {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": "PROFILE_READ",
        }

    def revoke_user_access(self, user: str) -> None:
        for token, owner in list(self.access.items()):
            if owner == user:
                del self.access[token]

    def revoke_user_refresh(self, user: str) -> None:
        for token, owner in list(self.refresh.items()):
            if owner == user:
                del self.refresh[token]

    # --- endpoints -------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        assert q["client_id"] == CLIENT_ID
        assert q["response_type"] == "code"
        assert q["code_challenge_method"] == "S256"
        target = q["redirect_uri"]
        if self.deny:
            params = {"error": "access_denied", "error_description": "user said no"}
            return RedirectResponse(f"{target}?{urlencode({**params, 'state': q['state']})}")
        code = secrets.token_hex(8)
        self.codes[code] = {
            "user": self.next_user,
            "challenge": q["code_challenge"],
            "redirect_uri": target,
        }
        return RedirectResponse(f"{target}?{urlencode({'code': code, 'state': q['state']})}")

    async def token(self, request: Request) -> Response:
        form = await request.form()
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_client"}, 401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            self.code_calls += 1
            entry = self.codes.pop(str(form.get("code")), None)
            verifier = str(form.get("code_verifier", ""))
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if (
                entry is None
                or entry["challenge"] != challenge
                or entry["redirect_uri"] != form.get("redirect_uri")
            ):
                return JSONResponse({"error": "invalid_grant"}, 400)
            return JSONResponse(self.issue(entry["user"]))
        if grant == "refresh_token":
            self.refresh_calls += 1
            if self.refresh_delay:
                await asyncio.sleep(self.refresh_delay)
            user = self.refresh.pop(str(form.get("refresh_token")), None)
            if user is None:
                return JSONResponse(
                    {"error": "invalid_grant", "error_description": "refresh token reused"}, 400
                )
            # Rotation: every other refresh token of this user dies too (as on Cal.com).
            self.revoke_user_refresh(user)
            return JSONResponse(self.issue(user))
        return JSONResponse({"error": "unsupported_grant_type"}, 400)

    async def revoke(self, request: Request) -> Response:
        """RFC 7009: revoking a refresh token ends its user's grant, access tokens included."""
        form = await request.form()
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_client"}, 401)
        token, hint = str(form.get("token", "")), str(form.get("token_type_hint", ""))
        self.revoked.append((token, hint))
        user = self.refresh.pop(token, None) or self.access.pop(token, None)
        if user is not None:
            self.revoke_user_access(user)
            self.revoke_user_refresh(user)
        return JSONResponse({})

    async def api(self, request: Request) -> Response:
        header = request.headers.get("authorization", "")
        user = self.access.get(header.removeprefix("Bearer "))
        body = await request.body()
        record = {
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.scope["query_string"].decode(),
            "headers": [[k.decode(), v.decode()] for k, v in request.headers.raw],
            "body": body.decode("latin-1"),
            "user": user,
        }
        self.requests.append(record)
        if user is None:
            return JSONResponse({"status": "error", "error": {"message": "bad token"}}, 401)
        path = request.url.path
        if path.startswith("/api/v2/status/"):
            code = int(path.rsplit("/", 1)[1])
            return JSONResponse({"upstream": code}, code, headers={"Retry-After": "7"})
        if path == "/api/v2/big":
            size = int(request.query_params["size"])
            return StreamingResponse(_pattern(size), media_type="application/octet-stream")
        if path == "/api/v2/gated":
            return StreamingResponse(self._gated(), media_type="text/plain")
        response = JSONResponse({"status": "success", "data": record}, 200)
        response.headers["X-Upstream"] = "yes"
        response.raw_headers.append((b"set-cookie", b"upstream_session=secret; Path=/"))
        response.raw_headers.append((b"set-cookie", b"second=2; Path=/"))
        return response

    async def _gated(self) -> AsyncIterator[bytes]:
        yield b"first-chunk\n"
        for _ in range(1000):
            if self.release.is_set():
                yield b"rest\n"
                return
            await asyncio.sleep(0.01)
        yield b"TIMEOUT: the gateway buffered the response\n"

    def app(self) -> Starlette:
        methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        return Starlette(
            routes=[
                Route("/oauth/authorize", self.authorize),
                Route("/oauth/token", self.token, methods=["POST"]),
                Route("/oauth/revoke", self.revoke, methods=["POST"]),
                Route("/api/{path:path}", self.api, methods=methods),
            ]
        )


async def _pattern(size: int) -> AsyncIterator[bytes]:
    block = bytes(range(256)) * 256  # 64 KiB
    sent = 0
    while sent < size:
        chunk = block[: min(len(block), size - sent)]
        sent += len(chunk)
        yield chunk


def pattern_bytes(size: int) -> bytes:
    block = bytes(range(256)) * 256
    return (block * (size // len(block) + 1))[:size]
