"""Single-flight token refresh.

Two locks keep a connection from being refreshed twice (which, with rotating refresh tokens,
would kill it): an asyncio lock per connection for the requests of this process, and, for other
processes, a refresh lease on the row claimed under the database's row lock (SQLite BEGIN
IMMEDIATE, PostgreSQL SELECT ... FOR UPDATE). Inside both, the row is re-read and the refresh
happens only if nobody else already did it; the new pair is persisted before the lease is
released.

The provider call itself runs outside any database transaction: with the embedded OAuth server
on SQLite, the token endpoint writes to the same database, and holding SQLite's write lock
across that call would deadlock.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx2

from calgate.errors import BadRequest
from calgate.gateway import connections as conns
from calgate.gateway.config import GatewaySettings
from calgate.gateway.crypto import Keyring
from calgate.gateway.errors import BadGateway
from calgate.gateway.tokens import TokenEndpointError, TokenEndpointUnavailable, request_tokens
from calgate.store.db import Database
from calgate.store.models import Connection, utcnow


@dataclass(frozen=True)
class AccessToken:
    token: str
    version: int


class ConnectionFailed(BadRequest):
    """The provider refused the refresh token: the user has to connect again."""


def expiring(conn: Connection, now: datetime, skew_s: float) -> bool:
    return conn.expires_at is not None and conn.expires_at <= now + timedelta(seconds=skew_s)


class Refresher:
    def __init__(
        self,
        settings: GatewaySettings,
        db: Database,
        keyring: Keyring,
        http: httpx2.AsyncClient,
    ) -> None:
        self.settings = settings
        self.db = db
        self.keyring = keyring
        self.http = http
        self.lease_s = settings.token_timeout_s * 2 + 5
        self._locks: dict[str, asyncio.Lock] = {}
        # Refreshes performed by this process (for tests and metrics).
        self.count = 0

    def current(self, conn: Connection) -> AccessToken:
        if conn.access_token_enc is None:
            raise BadRequest(f"Connection {conn.id} has no access token")
        token = conns.unseal(self.keyring, conn, "access_token", conn.access_token_enc)
        return AccessToken(token, conn.token_version)

    async def refresh(self, connection_id: str, seen_version: int, *, force: bool) -> AccessToken:
        """A usable token for the connection, refreshing it if still needed.

        ``seen_version`` is the token version the caller used or looked at; if the stored
        version has moved on, another request already refreshed and its token is returned.
        ``force`` refreshes even if the token has not expired (the provider answered 401).
        """
        lock = self._locks.setdefault(connection_id, asyncio.Lock())
        async with lock:
            return await self._refresh(connection_id, seen_version, force=force)

    async def _refresh(self, connection_id: str, seen_version: int, *, force: bool) -> AccessToken:
        deadline = asyncio.get_running_loop().time() + self.lease_s + 5
        while True:
            claim = await self._claim(connection_id, seen_version, force=force)
            if isinstance(claim, AccessToken):
                return claim
            if claim is None:
                if asyncio.get_running_loop().time() > deadline:
                    raise BadGateway("Timed out waiting for another token refresh to finish")
                await asyncio.sleep(0.05)  # another process holds the lease; re-read soon
                continue
            return await self._perform(connection_id, claim)

    async def _claim(
        self, connection_id: str, seen_version: int, *, force: bool
    ) -> AccessToken | str | None:
        """Under the row lock: the current token if no refresh is needed, None if another
        process is refreshing, else the refresh token (and this process now holds the lease)."""
        async with self.db.transaction(immediate=True) as session:
            conn = await session.get(Connection, connection_id, with_for_update=True)
            if conn is None or conn.status != conns.ACTIVE:
                status = conn.status if conn else "deleted"
                raise BadRequest(f"Connection {connection_id} is {status}, not ACTIVE")
            now = utcnow()
            needed = conn.token_version == seen_version and (
                force or expiring(conn, now, self.settings.refresh_skew_s)
            )
            if not needed or conn.refresh_token_enc is None:
                return self.current(conn)
            if conn.refresh_lease_until is not None and conn.refresh_lease_until > now:
                return None
            conn.refresh_lease_until = now + timedelta(seconds=self.lease_s)
            return conns.unseal(self.keyring, conn, "refresh_token", conn.refresh_token_enc)

    async def _perform(self, connection_id: str, refresh_token: str) -> AccessToken:
        async with self.db.session() as session:
            conn = await session.get(Connection, connection_id)
            app = conn.app if conn else ""
        provider = self.settings.providers.get(app)
        error: Exception | None = None
        tokens = None
        try:
            if provider is None:
                raise TokenEndpointUnavailable(f"app {app!r} is no longer configured")
            tokens = await request_tokens(
                self.http,
                provider,
                {"grant_type": "refresh_token", "refresh_token": refresh_token},
                now=utcnow(),
                timeout=self.settings.token_timeout_s,
            )
            self.count += 1
        except (TokenEndpointError, TokenEndpointUnavailable) as exc:
            error = exc
        async with self.db.transaction(immediate=True) as session:
            conn = await session.get(Connection, connection_id, with_for_update=True)
            if conn is None:
                raise BadRequest(f"Connection {connection_id} was deleted")
            conn.refresh_lease_until = None
            now = utcnow()
            if tokens is not None:
                conns.store_tokens(self.keyring, conn, tokens, now)
                return AccessToken(tokens.access_token, conn.token_version)
            if isinstance(error, TokenEndpointError) and error.error == "invalid_grant":
                conns.fail(conn, f"refresh failed: {error}", now, error="invalid_grant")
                failed = ConnectionFailed(
                    f"Connection {connection_id} is no longer authorized by {app} "
                    f"(invalid_grant); it is now FAILED. Create a new connection with "
                    f'POST /connections {{"app": "{app}"}}.'
                )
            else:
                failed = None
        if failed is not None:
            raise failed
        raise BadGateway(f"Could not refresh the {app} access token: {error}")
