"""Gateway events: connection lifecycle changes, sent as Standard Webhooks to the key's owner.

`emit` only adds an outbox row to the caller's transaction, so an event exists exactly when its
change committed. Whether the key has an events URL is decided at delivery
(calgate.gateway.events_worker): an event emitted while no URL was set is deleted there, never
sent. Payloads carry the connection's id, app and status, never a token.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from calgate.store.models import Connection, GatewayEvent, GatewayKey, utcnow
from calgate.timefmt import iso_z
from calgate.webhooks import outbox
from calgate.webhooks.delivery import DeliveryStatus

CREATED = "connection.created"
ACTIVE = "connection.active"
REFRESHED = "connection.refreshed"
FAILED = "connection.failed"
DELETED = "connection.deleted"
KINDS = frozenset({CREATED, ACTIVE, REFRESHED, FAILED, DELETED})


def emit(session: AsyncSession, conn: Connection, kind: str, reason: str | None = None) -> None:
    """Queue `kind` for `conn` in the caller's transaction (no I/O; nothing commits here)."""
    if kind not in KINDS:
        raise ValueError(f"unknown gateway event kind {kind!r}")
    # Free short cut, no query: a key already loaded in this session without a URL.
    key = session.sync_session.identity_map.get(identity_key(GatewayKey, conn.gateway_key_id))
    if isinstance(key, GatewayKey) and key.events_url is None:
        return
    now = utcnow()
    session.add(
        GatewayEvent(
            message_id=f"msg_{uuid.uuid4().hex}",
            gateway_key_id=conn.gateway_key_id,
            connection_id=conn.id,
            kind=kind,
            body=render(conn, kind, reason, now),
            status=DeliveryStatus.PENDING,
            not_before=now,
            attempts=0,
            created_at=now,
        )
    )
    outbox.wake_on_commit(session)


def render(conn: Connection, kind: str, reason: str | None, now: datetime) -> str:
    payload: dict[str, Any] = {
        "type": kind,
        "timestamp": iso_z(now, "auto"),
        "data": {
            "connection_id": conn.id,
            "app": conn.app,
            "status": conn.status,
            "status_reason": reason if reason is not None else conn.status_reason,
        },
    }
    return json.dumps(payload, separators=(",", ":"))
