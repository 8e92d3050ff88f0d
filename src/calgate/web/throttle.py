"""Cal.com's API v2 rate limits: per API key, per OAuth access token, per IP for anonymous calls.

An ASGI middleware in front of everything else, so a throttled call costs no body read and no
database query. The caller is told apart by what it presents: a bearer `cal_...` is an API
key, any other bearer an OAuth access token (as on Cal.com), none at all an anonymous caller,
counted per client IP on the calls anyone may make (booking create, slots and reservations,
the OAuth login form, and the OAuth token and revoke endpoints, whose client secret would
otherwise be open to guessing). Every counted answer carries Cal.com's `X-RateLimit-*-Default`
headers; a 429 is `ThrottlerException` in the usual envelope, with `Retry-After` (at the OAuth
client endpoints, RFC 6749's error object, which OAuth clients parse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from limits import RateLimitItem
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calgate.config import Settings
from calgate.security.keys import API_KEY_PREFIX, bearer_token
from calgate.web.bodies import OAUTH_CLIENT_PATHS
from calgate.web.envelope import error_body
from calgate.web.ratelimit import RateLimitStore, Verdict, parse_rate

LOGIN_PATH = "/auth/oauth2/login"


@dataclass(frozen=True)
class Rules:
    api_key: RateLimitItem | None
    access_token: RateLimitItem | None
    anonymous: RateLimitItem | None
    # Cal.com's endpoint throttle on adding people to a booking, per credential.
    add_people: RateLimitItem | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Rules:
        return cls(
            api_key=parse_rate(settings.rate_limit_api_key),
            access_token=parse_rate(settings.rate_limit_access_token),
            anonymous=parse_rate(settings.rate_limit_anonymous),
            add_people=parse_rate(settings.rate_limit_add_people),
        )


_ADDS_PEOPLE = re.compile(r"^/v2/bookings/[^/]+/(attendees|guests)$")


def adds_people(method: str, path: str) -> bool:
    """Adding attendees or guests to a booking, which Cal.com throttles on its own."""
    return method == "POST" and _ADDS_PEOPLE.match(path) is not None


def anonymous_call(method: str, path: str) -> bool:
    """The calls anyone may make without credentials that Cal.com limits per IP."""
    if path == "/v2/bookings":
        return method == "POST"
    if path == "/v2/slots" or path.startswith("/v2/slots/"):
        return True  # slots, available slots, reserve, reservations, selected slot
    return method == "POST" and (path == LOGIN_PATH or path in OAUTH_CLIENT_PATHS)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class Throttle:
    """ASGI middleware applying ``rules`` with counters in ``store``."""

    def __init__(self, app: ASGIApp, store: RateLimitStore, rules: Rules, enabled: bool) -> None:
        self.app = app
        self.store = store
        self.rules = rules
        self.enabled = enabled

    def bucket(self, scope: Scope) -> tuple[RateLimitItem, str, str] | None:
        """(limit, kind, caller) this request counts against, or None if it is not limited."""
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        # At the OAuth client endpoints Authorization is the client's HTTP Basic, not a bearer.
        if path.startswith("/v2/") and path not in OAUTH_CLIENT_PATHS:
            token = bearer_token(_header(scope, b"authorization"))
            if token is not None:
                if token.startswith(API_KEY_PREFIX):
                    rule, kind = self.rules.api_key, "api_key"
                else:
                    rule, kind = self.rules.access_token, "access_token"
                return (rule, kind, self.store.identity(token)) if rule is not None else None
        if self.rules.anonymous is None or not anonymous_call(method, path):
            return None
        client = scope.get("client")
        return self.rules.anonymous, "ip", client[0] if client else "unknown"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.bucket(scope) if self.enabled and scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        rule, kind, caller = found
        verdict = await self.store.hit(rule, kind, caller)
        extra_rule = self.rules.add_people
        if (
            verdict.allowed
            and extra_rule is not None
            and kind != "ip"
            and adds_people(scope.get("method", "GET"), scope.get("path", ""))
        ):
            extra = await self.store.hit(extra_rule, "add_people", caller)
            if not extra.allowed:
                verdict = extra
        if not verdict.allowed:
            await _throttled(scope, verdict)(scope, receive, send)
            return
        await self.app(scope, receive, _with_headers(send, verdict))


def _throttled(scope: Scope, verdict: Verdict) -> JSONResponse:
    request = Request(scope)
    if request.url.path in OAUTH_CLIENT_PATHS:
        oauth_error = {"error": "invalid_request", "error_description": "Too Many Requests"}
        response = JSONResponse(oauth_error, 429, headers={"Cache-Control": "no-store"})
    else:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        body = error_body(path, "ThrottlerException", "ThrottlerException: Too Many Requests")
        response = JSONResponse(body, 429)
    for name, value in verdict.headers():
        response.headers[name] = value
    response.headers["Retry-After"] = str(verdict.retry_after)
    return response


def _with_headers(send: Send, verdict: Verdict) -> Send:
    extra = [(name.lower().encode(), value.encode()) for name, value in verdict.headers()]

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *extra]}
        await send(message)

    return sending


def install(app: Starlette, settings: Settings, store: RateLimitStore) -> None:
    """Limit ``app``'s /v2 calls, counting in ``store``."""
    app.add_middleware(
        Throttle, store=store, rules=Rules.from_settings(settings), enabled=settings.rate_limit
    )
