"""Connections: one OAuth grant of one provider account, owned by one gateway key."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import BadRequest, Conflict, NotFound
from calgate.gateway.config import CONNECT_PATH, GatewaySettings
from calgate.gateway.tokens import TokenSet
from calgate.security import keys
from calgate.security.crypto import DecryptionError, Keyring, context
from calgate.store.models import Connection, utcnow
from calgate.timefmt import iso_z


class ConnectionStatus(StrEnum):
    """A connection's state; the stored and wire values are these strings."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"


TABLE = "gateway_connections"


def seal(keyring: Keyring, conn: Connection, column: str, value: str) -> str:
    return keyring.encrypt(value, context(TABLE, conn.id, column))


def unseal(keyring: Keyring, conn: Connection, column: str, stored: str) -> str:
    return keyring.decrypt(stored, context(TABLE, conn.id, column))


def wire_time(value: datetime) -> str:
    return iso_z(value, "microseconds")


def connect_url(settings: GatewaySettings, session_token: str) -> str:
    return f"{settings.public_url}{CONNECT_PATH}?session_token={session_token}"


def to_json(conn: Connection, settings: GatewaySettings, keyring: Keyring) -> dict[str, Any]:
    url = None
    if conn.session_token_enc:
        try:
            token = unseal(keyring, conn, "session_token", conn.session_token_enc)
            url = connect_url(settings, token)
        except DecryptionError:
            url = None
    body: dict[str, Any] = {
        "connection_id": conn.id,
        "status": conn.status,
        "creation_time": wire_time(conn.created_at),
        "last_updated_time": wire_time(conn.updated_at),
        "url": url,
        "app": conn.app,
        "metadata": dict(conn.meta or {}),
    }
    if conn.status_reason or conn.status == ConnectionStatus.FAILED:
        body["status_reason"] = conn.status_reason or "unknown"
    return body


async def create(
    session: AsyncSession, settings: GatewaySettings, keyring: Keyring, key_id: int, app: str
) -> Connection:
    now = utcnow()
    conn = Connection(
        id=str(uuid.uuid4()),
        gateway_key_id=key_id,
        app=app,
        status=ConnectionStatus.PENDING,
        meta={},
        token_version=0,
        refresh_failures=0,
        refresh_window_attempts=0,
        created_at=now,
        updated_at=now,
    )
    open_session(conn, settings, keyring, now)
    session.add(conn)
    await session.flush()
    return conn


def open_session(
    conn: Connection, settings: GatewaySettings, keyring: Keyring, now: datetime
) -> None:
    """Give the connection a fresh single-use connect link (and forget any flow in progress)."""
    token = secrets.token_urlsafe(32)
    conn.session_token_hash = keys.digest(settings.pepper, token)
    conn.session_token_enc = seal(keyring, conn, "session_token", token)
    conn.session_expires_at = now + timedelta(seconds=settings.session_ttl_s)
    conn.session_used_at = None
    conn.state_hash = None
    conn.pkce_verifier_enc = None
    conn.state_expires_at = None
    conn.updated_at = now


def link_dead(conn: Connection, now: datetime) -> bool:
    """A PENDING connection whose link can no longer complete: never opened before it
    expired, or opened and the provider round trip abandoned past its state's lifetime."""
    if conn.session_used_at is None:
        return conn.session_expires_at is not None and conn.session_expires_at <= now
    return conn.state_expires_at is None or conn.state_expires_at <= now


def reconnect(conn: Connection, settings: GatewaySettings, keyring: Keyring, now: datetime) -> None:
    """A new link for a FAILED connection (or a PENDING one whose link is dead); the status
    stays as it is until that link's flow completes. Conflict otherwise."""
    if conn.status == ConnectionStatus.ACTIVE:
        raise Conflict(f"Connection {conn.id} is ACTIVE; there is nothing to reconnect")
    if conn.status == ConnectionStatus.PENDING and not link_dead(conn, now):
        raise Conflict(
            f"Connection {conn.id} is PENDING and its link is still valid; "
            "open its url to complete it"
        )
    open_session(conn, settings, keyring, now)
    mark_changed()


def parse_status(status: str | None) -> ConnectionStatus | None:
    if not status:
        return None
    try:
        return ConnectionStatus(status.upper())
    except ValueError:
        raise BadRequest(f"status must be one of {', '.join(ConnectionStatus)}") from None


async def list_for(
    session: AsyncSession, key_id: int, app: str | None, status: ConnectionStatus | None
) -> list[Connection]:
    query = select(Connection).where(Connection.gateway_key_id == key_id)
    if app:
        query = query.where(Connection.app == app)
    if status:
        query = query.where(Connection.status == status)
    query = query.order_by(Connection.created_at, Connection.id)
    return list((await session.scalars(query)).all())


async def get_for(
    session: AsyncSession, key_id: int, connection_id: str, *, lock: bool = False
) -> Connection:
    conn = (
        await session.get(Connection, connection_id, with_for_update=lock)
        if _uuid_like(connection_id)
        else None
    )
    if conn is None or conn.gateway_key_id != key_id:
        raise NotFound(f"Connection {connection_id} not found")
    return conn


def _uuid_like(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


async def select_for_proxy(
    session: AsyncSession, key_id: int, app: str, wanted: str | None
) -> Connection:
    """The connection a proxied call uses: the one named, else the oldest ACTIVE one."""
    if wanted:
        wanted = wanted.strip()
        conn = await session.get(Connection, wanted) if _uuid_like(wanted) else None
        if conn is None or conn.gateway_key_id != key_id or conn.app != app:
            raise BadRequest(
                f"Maton-Connection {wanted!r} is not a {app} connection of this gateway key"
            )
        if conn.status != ConnectionStatus.ACTIVE:
            reason = f" ({conn.status_reason})" if conn.status_reason else ""
            raise BadRequest(f"Connection {conn.id} is {conn.status}{reason}, not ACTIVE")
        return conn
    conn = await session.scalar(
        select(Connection)
        .where(
            Connection.gateway_key_id == key_id,
            Connection.app == app,
            Connection.status == ConnectionStatus.ACTIVE,
        )
        .order_by(Connection.created_at, Connection.id)
        .limit(1)
    )
    if conn is None:
        raise BadRequest(
            f"No ACTIVE {app} connection for this gateway key. Create one with "
            f'POST /connections {{"app": "{app}"}} and open the returned url in a browser.'
        )
    return conn


_changes = 0


def changes() -> int:
    """How many connection changes this process has made: caches keyed on it go stale."""
    return _changes


def mark_changed() -> None:
    global _changes
    _changes += 1


def store_tokens(keyring: Keyring, conn: Connection, tokens: TokenSet, now: datetime) -> None:
    """Write a fresh token pair (re-encrypting under the keyring's current key)."""
    mark_changed()
    conn.tokens_changed_at = now
    conn.refresh_failures = 0
    conn.refresh_retry_at = None
    conn.access_token_enc = seal(keyring, conn, "access_token", tokens.access_token)
    if tokens.refresh_token is not None:
        conn.refresh_token_enc = seal(keyring, conn, "refresh_token", tokens.refresh_token)
    elif conn.refresh_token_enc is not None:
        # Providers may omit the refresh token on refresh: keep (and re-seal) the old one.
        old = unseal(keyring, conn, "refresh_token", conn.refresh_token_enc)
        conn.refresh_token_enc = seal(keyring, conn, "refresh_token", old)
    conn.expires_at = tokens.expires_at
    if tokens.scope is not None:
        conn.scope = tokens.scope
    conn.token_version = (conn.token_version or 0) + 1
    conn.updated_at = now


def tokens_of(keyring: Keyring, conn: Connection) -> tuple[str | None, str | None]:
    """The connection's (refresh, access) tokens in clear, None where absent or unreadable."""

    def read(column: str, stored: str | None) -> str | None:
        if stored is None:
            return None
        try:
            return unseal(keyring, conn, column, stored)
        except DecryptionError:
            return None

    return read("refresh_token", conn.refresh_token_enc), read(
        "access_token", conn.access_token_enc
    )


def fail(conn: Connection, reason: str, now: datetime, **meta: str) -> None:
    mark_changed()
    conn.status = ConnectionStatus.FAILED
    conn.status_reason = reason[:1000]
    conn.meta = {**(conn.meta or {}), **meta}
    conn.updated_at = now


def drop_tokens(conn: Connection) -> None:
    """Forget a token pair that must never be used again (its refresh token is dead)."""
    mark_changed()
    conn.access_token_enc = None
    conn.refresh_token_enc = None
    conn.expires_at = None
    conn.refresh_lease_until = None
    conn.token_version = (conn.token_version or 0) + 1


def activate(conn: Connection, now: datetime) -> None:
    """ACTIVE again (after a connect or reconnect): forget the last failure."""
    mark_changed()
    conn.status = ConnectionStatus.ACTIVE
    conn.status_reason = None
    meta = dict(conn.meta or {})
    meta.pop("error", None)
    meta.pop("error_description", None)
    conn.meta = meta
    conn.refresh_failures = 0
    conn.refresh_retry_at = None
    conn.refresh_window_start = None
    conn.refresh_window_attempts = 0
    conn.updated_at = now


async def same_account(session: AsyncSession, conn: Connection) -> list[Connection]:
    """Other ACTIVE connections of this gateway key to the same provider account."""
    if conn.account is None:
        return []
    query = (
        select(Connection)
        .where(
            Connection.gateway_key_id == conn.gateway_key_id,
            Connection.app == conn.app,
            Connection.account == conn.account,
            Connection.id != conn.id,
            Connection.status == ConnectionStatus.ACTIVE,
        )
        .order_by(Connection.created_at, Connection.id)
        .with_for_update()
    )
    return list((await session.scalars(query)).all())
