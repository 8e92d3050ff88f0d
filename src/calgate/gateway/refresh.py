"""Single-flight token refresh, with storm protection.

Two locks keep a connection from being refreshed twice (which, with rotating refresh tokens,
would kill it): an asyncio lock per connection for the requests of this process, and, for other
processes, a refresh lease on the row claimed under the database's row lock (SQLite BEGIN
IMMEDIATE, PostgreSQL SELECT ... FOR UPDATE). Inside both, the row is re-read and the refresh
happens only if nobody else already did it; the new pair is persisted before the lease is
released. Callers that queued on the asyncio lock while a refresh ran take its result from
memory instead of each re-reading the row (no lock convoy on the database).

The provider call itself runs outside any database transaction: with the embedded OAuth server
on SQLite, the token endpoint writes to the same database, and holding SQLite's write lock
across that call would deadlock. It runs in its own task, so a caller that goes away mid-call
cannot lose a pair the provider has already rotated.

Storm protection lives on the row, so it holds across processes: a transient failure (token
endpoint unreachable, 5xx, timeout, unexpected answer) starts an exponential cooldown, and token
calls per connection are capped per window. While blocked, callers get a fast 503 with
Retry-After (or the current token, if it has not actually expired yet).
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx2
from sqlalchemy.exc import SQLAlchemyError

from calgate.errors import BadRequest, ServiceUnavailable
from calgate.gateway import connections as conns
from calgate.gateway import events
from calgate.gateway.config import GatewaySettings
from calgate.gateway.errors import BadGateway
from calgate.gateway.tokens import (
    TokenEndpointError,
    TokenEndpointUnavailable,
    TokenSet,
    request_tokens,
    revoke_quietly,
)
from calgate.security.crypto import DecryptionError, Keyring
from calgate.store.db import Database
from calgate.store.models import Connection, utcnow

log = logging.getLogger(__name__)

PERSIST_ATTEMPTS = 4


@dataclass(frozen=True)
class AccessToken:
    token: str
    version: int


@dataclass
class _Flight:
    """Callers refreshing one connection: they queue on the lock, and those queued behind a
    refresh take its token instead of each re-reading the row."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    latest: AccessToken | None = None
    callers: int = 0


@dataclass(frozen=True)
class _Claim:
    refresh_token: str
    app: str


class ConnectionFailed(BadRequest):
    """The provider refused the refresh token: the user has to connect again."""


class RefreshBackoff(ServiceUnavailable):
    """Refreshing this connection is paused (cooldown or attempt cap): the upstream credential
    is temporarily unavailable, and Retry-After says for how long."""


def expiring(conn: Connection, now: datetime, skew_s: float) -> bool:
    return conn.expires_at is not None and conn.expires_at <= now + timedelta(seconds=skew_s)


def invalid_grant_reason(app: str, connection_id: str) -> str:
    return (
        f"refresh token rejected by {app} (invalid_grant); "
        f"reconnect with POST /connections/{connection_id}/reconnect"
    )


def cooldown_s(settings: GatewaySettings, failures: int) -> float:
    """Wait after ``failures`` consecutive transient failures: base, doubling, capped."""
    exponent = min(max(failures - 1, 0), 30)
    return float(min(settings.refresh_backoff_s * 2**exponent, settings.refresh_backoff_max_s))


def blocked(conn: Connection, settings: GatewaySettings, now: datetime) -> tuple[float, str] | None:
    """(seconds to wait, why) if no token call may be made for this connection now."""
    if conn.refresh_retry_at is not None and conn.refresh_retry_at > now:
        wait = (conn.refresh_retry_at - now).total_seconds()
        return wait, (
            f"Refreshing the {conn.app} token of connection {conn.id} failed "
            f"{conn.refresh_failures} time(s) in a row; the gateway retries in {math.ceil(wait)} s"
        )
    window_end = _window_end(conn, settings)
    if (
        window_end is not None
        and window_end > now
        and conn.refresh_window_attempts >= settings.refresh_max_attempts
    ):
        wait = (window_end - now).total_seconds()
        return wait, (
            f"Connection {conn.id} made {conn.refresh_window_attempts} token refreshes within "
            f"{settings.refresh_window_s:g} s (the limit); the gateway retries in "
            f"{math.ceil(wait)} s"
        )
    return None


def _window_end(conn: Connection, settings: GatewaySettings) -> datetime | None:
    if conn.refresh_window_start is None:
        return None
    return conn.refresh_window_start + timedelta(seconds=settings.refresh_window_s)


def _count_attempt(conn: Connection, settings: GatewaySettings, now: datetime) -> None:
    window_end = _window_end(conn, settings)
    if window_end is None or window_end <= now:
        conn.refresh_window_start = now
        conn.refresh_window_attempts = 0
    conn.refresh_window_attempts = (conn.refresh_window_attempts or 0) + 1


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
        # Per connection, only while some caller is refreshing it: nothing (no lock, no token)
        # outlives the calls that need it, however many connections a process has served.
        self._flights: dict[str, _Flight] = {}
        self._tasks: set[asyncio.Task[AccessToken]] = set()
        # Token calls made by this process (for tests and metrics).
        self.count = 0

    async def aclose(self) -> None:
        """On shutdown: let token calls in flight finish and store what they got (the
        provider may already have rotated), bounded by the lease they hold."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.lease_s)

    def current(self, conn: Connection) -> AccessToken:
        if conn.access_token_enc is None:
            raise BadRequest(f"Connection {conn.id} has no access token")
        token = conns.unseal(self.keyring, conn, "access_token", conn.access_token_enc)
        return AccessToken(token, conn.token_version)

    async def refresh(self, connection_id: str, seen_version: int, *, force: bool) -> AccessToken:
        """A usable token for the connection, refreshing it if still needed.

        ``seen_version`` is the token version the caller used or looked at; if the stored
        version has moved on, another request already refreshed and its token is returned.
        ``force`` refreshes even if the token has not expired (the provider answered 401, or
        the keep-alive worker wants a fresh pair).
        """
        flight = self._flights.get(connection_id)
        if flight is None:
            flight = self._flights[connection_id] = _Flight()
        flight.callers += 1
        try:
            async with flight.lock:
                latest = flight.latest
                if latest is not None and latest.version > seen_version:
                    return latest
                token = await self._refresh(connection_id, seen_version, force=force)
                flight.latest = token
                return token
        finally:
            flight.callers -= 1
            if flight.callers == 0:
                del self._flights[connection_id]

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
            task = asyncio.create_task(self._perform(connection_id, claim))
            self._tasks.add(task)
            task.add_done_callback(self._finished)
            return await asyncio.shield(task)

    def _finished(self, task: asyncio.Task[AccessToken]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # its caller may have gone; the outcome is on the row anyway

    async def _claim(
        self, connection_id: str, seen_version: int, *, force: bool
    ) -> AccessToken | _Claim | None:
        """Under the row lock: the current token if no refresh is needed, None if another
        process is refreshing, else a claim (and this process now holds the lease)."""
        async with self.db.transaction() as session:
            conn = await session.get(Connection, connection_id, with_for_update=True)
            if conn is None:
                raise BadRequest(f"Connection {connection_id} was deleted")
            if conn.status != conns.ConnectionStatus.ACTIVE:
                reason = f" ({conn.status_reason})" if conn.status_reason else ""
                raise ConnectionFailed(
                    f"Connection {connection_id} is {conn.status}{reason}, not ACTIVE"
                )
            now = utcnow()
            needed = conn.token_version == seen_version and (
                force or expiring(conn, now, self.settings.refresh_skew_s)
            )
            if not needed or conn.refresh_token_enc is None:
                return self.current(conn)
            if conn.refresh_lease_until is not None and conn.refresh_lease_until > now:
                return None
            stop = blocked(conn, self.settings, now)
            if stop is not None:
                if not force and conn.expires_at is not None and conn.expires_at > now:
                    return self.current(conn)  # expiring soon, not yet expired: still usable
                wait, why = stop
                raise RefreshBackoff(why, retry_after=max(1, math.ceil(wait)))
            _count_attempt(conn, self.settings, now)
            conn.refresh_lease_until = now + timedelta(seconds=self.lease_s)
            refresh_token = conns.unseal(
                self.keyring, conn, "refresh_token", conn.refresh_token_enc
            )
            return _Claim(refresh_token, conn.app)

    async def _perform(self, connection_id: str, claim: _Claim) -> AccessToken:
        provider = self.settings.providers.get(claim.app)
        error: Exception | None = None
        tokens = None
        try:
            if provider is None:
                raise TokenEndpointUnavailable(f"app {claim.app!r} is no longer configured")
            self.count += 1
            tokens = await request_tokens(
                self.http,
                provider,
                {"grant_type": "refresh_token", "refresh_token": claim.refresh_token},
                now=utcnow(),
                timeout=self.settings.token_timeout_s,
            )
        except (TokenEndpointError, TokenEndpointUnavailable) as exc:
            error = exc
        except Exception as exc:  # a malformed answer must not strand the lease
            error = TokenEndpointUnavailable(f"token endpoint answer unusable: {exc!r}")
        attempt = 1
        while True:
            try:
                return await self._persist(connection_id, claim, tokens, error)
            except SQLAlchemyError:
                # The provider may have rotated already: a pair dropped here is a dead
                # connection, so a busy or dropped database gets a few more tries.
                if attempt == PERSIST_ATTEMPTS:
                    raise
                await asyncio.sleep(0.2 * 2**attempt)
                attempt += 1

    async def _persist(
        self,
        connection_id: str,
        claim: _Claim,
        tokens: TokenSet | None,
        error: Exception | None,
    ) -> AccessToken:
        app = claim.app
        failure: Exception | None = None
        result: AccessToken | None = None
        async with self.db.transaction() as session:
            conn = await session.get(Connection, connection_id, with_for_update=True)
            now = utcnow()
            if conn is None:
                failure = BadRequest(f"Connection {connection_id} was deleted during its refresh")
            elif conn.status != conns.ConnectionStatus.ACTIVE:
                conn.refresh_lease_until = None
                failure = ConnectionFailed(
                    f"Connection {connection_id} is {conn.status} ({conn.status_reason}), "
                    "not ACTIVE"
                )
            elif tokens is not None:
                conn.refresh_lease_until = None
                conns.store_tokens(self.keyring, conn, tokens, now)
                events.emit(session, conn, events.REFRESHED)
                result = AccessToken(tokens.access_token, conn.token_version)
            elif isinstance(error, TokenEndpointError) and error.error == "invalid_grant":
                conn.refresh_lease_until = None
                if self._rotated_elsewhere(conn, claim):
                    result = self.current(conn)
                else:
                    reason = invalid_grant_reason(app, connection_id)
                    conns.fail(conn, reason, now, error="invalid_grant")
                    conns.drop_tokens(conn)
                    events.emit(session, conn, events.FAILED, reason)
                    failure = ConnectionFailed(
                        f"Connection {connection_id} is no longer authorized by {app} "
                        f"(invalid_grant); it is now FAILED. Reconnect it with "
                        f"POST /connections/{connection_id}/reconnect and open the returned "
                        "url in a browser."
                    )
            else:
                conn.refresh_lease_until = None
                conn.refresh_failures = (conn.refresh_failures or 0) + 1
                wait = cooldown_s(self.settings, conn.refresh_failures)
                conn.refresh_retry_at = now + timedelta(seconds=wait)
                log.warning(
                    "refresh of connection %s failed (%d in a row), cooling down %.1f s: %s",
                    connection_id,
                    conn.refresh_failures,
                    wait,
                    error,
                )
                failure = BadGateway(
                    f"Could not refresh the {app} access token: {error}. The gateway retries "
                    f"in {math.ceil(wait)} s."
                )
        if result is None:
            if tokens is not None:
                # Deleted, failed or replaced while the provider rotated: the new pair has
                # nowhere to go, so it must not stay live at the provider either.
                await revoke_quietly(
                    self.http,
                    self.settings.providers.get(app),
                    tokens.refresh_token,
                    tokens.access_token,
                    timeout=self.settings.token_timeout_s,
                )
            raise failure or BadGateway(f"Refreshing connection {connection_id} gave no token")
        return result

    def _rotated_elsewhere(self, conn: Connection, claim: _Claim) -> bool:
        """Whether the row, re-read after an invalid_grant, holds another refresh token than
        the one we sent (someone else rotated and stored the pair): then that pair is used,
        not thrown away. Plaintexts are compared, so a re-encryption is not a rotation."""
        if conn.refresh_token_enc is None or conn.access_token_enc is None:
            return False
        try:
            stored = conns.unseal(self.keyring, conn, "refresh_token", conn.refresh_token_enc)
        except DecryptionError:
            return False
        return stored != claim.refresh_token
