"""Connection use cases of the control API: create, list, get, reconnect, delete.

Each function owns its transaction and returns the connections as their owner sees them
(calgate.gateway.connections.to_json). Those that read a row to decide what to write take
SQLite's write lock at BEGIN and the row lock on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request

from calgate.gateway import connections as conns
from calgate.gateway import events
from calgate.gateway.connections import ConnectionStatus
from calgate.gateway.refresh import AccessToken, expiring
from calgate.gateway.runtime import Gateway
from calgate.gateway.tokens import revoke_quietly
from calgate.store.models import utcnow

View = dict[str, Any]


async def list_connections(
    gateway: Gateway, key_id: int, app: str | None, status: ConnectionStatus | None
) -> list[View]:
    if app is not None and app not in gateway.settings.providers:
        return []
    async with gateway.db.session() as session:
        rows = await conns.list_for(session, key_id, app, status)
        return [conns.to_json(c, gateway.settings, gateway.keyring) for c in rows]


async def create_connection(gateway: Gateway, key_id: int, app: str) -> View:
    """A PENDING connection with a fresh connect link (BadRequest for an unknown app)."""
    gateway.provider(app)
    async with gateway.db.transaction() as session:
        conn = await conns.create(session, gateway.settings, gateway.keyring, key_id, app)
        events.emit(session, conn, events.CREATED)
        return conns.to_json(conn, gateway.settings, gateway.keyring)


async def get_connection(gateway: Gateway, key_id: int, connection_id: str) -> View:
    async with gateway.db.session() as session:
        conn = await conns.get_for(session, key_id, connection_id)
        return conns.to_json(conn, gateway.settings, gateway.keyring)


async def reconnect_connection(gateway: Gateway, key_id: int, connection_id: str) -> View:
    """A new connect link for a FAILED connection, or a PENDING one whose link is dead."""
    async with gateway.db.transaction() as session:
        conn = await conns.get_for(session, key_id, connection_id, lock=True)
        gateway.provider(conn.app)
        conns.reconnect(conn, gateway.settings, gateway.keyring, utcnow())
        return conns.to_json(conn, gateway.settings, gateway.keyring)


async def delete_connection(gateway: Gateway, key_id: int, connection_id: str) -> View:
    """Forget the connection and its tokens, then revoke the grant at the provider."""
    async with gateway.db.transaction() as session:
        conn = await conns.get_for(session, key_id, connection_id, lock=True)
        view = conns.to_json(conn, gateway.settings, gateway.keyring)
        refresh_token, access_token = conns.tokens_of(gateway.keyring, conn)
        provider = gateway.settings.providers.get(conn.app)
        events.emit(session, conn, events.DELETED)
        await session.delete(conn)
    # After commit: a concurrent call that re-read the row before it was gone can't have
    # cached it under the new generation.
    conns.mark_changed()
    # Only now, so a failing provider can't keep a connection the caller asked to delete. A
    # refresh that was in flight revokes the pair it obtained itself (see refresh._persist).
    await revoke_quietly(
        gateway.http,
        provider,
        refresh_token,
        access_token,
        timeout=gateway.settings.token_timeout_s,
    )
    return view


@dataclass(frozen=True)
class ProxyPick:
    """The connection a proxied call goes through, read in one session."""

    key_id: int
    connection_id: str
    version: int
    expires_at: datetime | None
    token: AccessToken | None  # None: the stored token is too close to expiry; refresh first


async def pick_for_proxy(
    gateway: Gateway, request: Request, app: str, selector: str | None, now: datetime
) -> ProxyPick:
    """Authenticate the caller, then pick its connection to ``app`` (the one named by
    ``selector``, else the oldest active one) and the stored token if still fresh enough."""
    async with gateway.db.session() as session:
        key_id = await gateway.authenticate(request, session)
        conn = await conns.select_for_proxy(session, key_id, app, selector)
        stale = expiring(conn, now, gateway.settings.refresh_skew_s)
        token = None if stale and conn.refresh_token_enc else gateway.refresher.current(conn)
        return ProxyPick(key_id, conn.id, conn.token_version, conn.expires_at, token)
