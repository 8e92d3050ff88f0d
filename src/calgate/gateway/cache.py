"""A short-lived, per-process memory of what the proxy looks up on every call.

Each proxied call must prove its gateway key, pick a connection and decrypt its access token:
three steps whose answers rarely change. Keeping the outcome a few seconds, keyed by the key's
digest, turns two queries and a decryption into a dictionary lookup. Correctness rests on two
rules:

- anything this process changes about connections (tokens stored, a connection failed or
  deleted) bumps ``connections.changes()``, which voids every entry at once;
- what *another* process changes (a connection, or the gateway key itself) is seen after at
  most ROUTE_TTL_S.

Entries are keyed by the key's HMAC digest, never the raw key, and a token close to expiry is
never served from here, so refresh still happens on time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from calgate.gateway import connections as conns
from calgate.gateway.refresh import AccessToken

ROUTE_TTL_S = 5.0
# Bound memory under a flood of distinct keys or selectors.
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class Route:
    key_id: int
    connection_id: str
    token: AccessToken
    expires_at: datetime | None


class ProxyCache:
    def __init__(self, refresh_skew_s: float) -> None:
        self.refresh_skew = timedelta(seconds=refresh_skew_s)
        self._routes: dict[tuple[str, str, str], tuple[Route, int, float]] = {}

    def route(self, digest: str, app: str, selector: str, now: datetime) -> Route | None:
        hit = self._routes.get((digest, app, selector))
        if hit is None:
            return None
        route, generation, until = hit
        if generation != conns.changes() or until < time.monotonic():
            return None
        if route.expires_at is not None and route.expires_at <= now + self.refresh_skew:
            return None
        return route

    def remember_route(self, digest: str, app: str, selector: str, route: Route) -> None:
        if len(self._routes) >= MAX_ENTRIES:
            self._routes.clear()
        self._routes[(digest, app, selector)] = (
            route,
            conns.changes(),
            time.monotonic() + ROUTE_TTL_S,
        )
