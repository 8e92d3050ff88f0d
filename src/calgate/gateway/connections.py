"""Connections: one OAuth grant of one provider account, owned by one gateway key."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import BadRequest, NotFound
from calgate.gateway.config import CONNECT_PATH, GatewaySettings
from calgate.gateway.crypto import DecryptionError, Keyring, context
from calgate.gateway.tokens import TokenSet
from calgate.security import keys
from calgate.store.models import Connection, utcnow

PENDING = "PENDING"
ACTIVE = "ACTIVE"
FAILED = "FAILED"
STATUSES = (PENDING, ACTIVE, FAILED)
TABLE = "gateway_connections"


def seal(keyring: Keyring, conn: Connection, column: str, value: str) -> str:
    return keyring.encrypt(value, context(TABLE, conn.id, column))


def unseal(keyring: Keyring, conn: Connection, column: str, stored: str) -> str:
    return keyring.decrypt(stored, context(TABLE, conn.id, column))


def wire_time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


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
    if conn.status_reason:
        body["status_reason"] = conn.status_reason
    return body


async def create(
    session: AsyncSession, settings: GatewaySettings, keyring: Keyring, key_id: int, app: str
) -> Connection:
    now = utcnow()
    token = secrets.token_urlsafe(32)
    conn = Connection(
        id=str(uuid.uuid4()),
        gateway_key_id=key_id,
        app=app,
        status=PENDING,
        meta={},
        token_version=0,
        session_token_hash=keys.digest(settings.pepper, token),
        session_expires_at=now + timedelta(seconds=settings.session_ttl_s),
        created_at=now,
        updated_at=now,
    )
    conn.session_token_enc = seal(keyring, conn, "session_token", token)
    session.add(conn)
    await session.flush()
    return conn


def parse_status(status: str | None) -> str | None:
    if not status:
        return None
    normalised = status.upper()
    if normalised not in STATUSES:
        raise BadRequest(f"status must be one of {', '.join(STATUSES)}")
    return normalised


async def list_for(
    session: AsyncSession, key_id: int, app: str | None, status: str | None
) -> list[Connection]:
    query = select(Connection).where(Connection.gateway_key_id == key_id)
    if app:
        query = query.where(Connection.app == app)
    if status:
        query = query.where(Connection.status == parse_status(status))
    query = query.order_by(Connection.created_at, Connection.id)
    return list((await session.scalars(query)).all())


async def get_for(session: AsyncSession, key_id: int, connection_id: str) -> Connection:
    conn = await session.get(Connection, connection_id) if _uuid_like(connection_id) else None
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
        if conn.status != ACTIVE:
            reason = f" ({conn.status_reason})" if conn.status_reason else ""
            raise BadRequest(f"Connection {conn.id} is {conn.status}{reason}, not ACTIVE")
        return conn
    conn = await session.scalar(
        select(Connection)
        .where(
            Connection.gateway_key_id == key_id,
            Connection.app == app,
            Connection.status == ACTIVE,
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


def fail(conn: Connection, reason: str, now: datetime, **meta: str) -> None:
    mark_changed()
    conn.status = FAILED
    conn.status_reason = reason[:1000]
    conn.meta = {**(conn.meta or {}), **meta}
    conn.updated_at = now
