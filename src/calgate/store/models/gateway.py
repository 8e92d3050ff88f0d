"""Gateway tables: gateway keys and the OAuth connections they own.

Secrets never appear in clear: gateway keys and connect-session tokens are stored as HMAC
digests; OAuth tokens, the PKCE verifier and the session token (kept so GET can show the link
again) are AES-GCM ciphertexts bound to their row (see calgate.security.crypto).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from calgate.store.models.base import Base, Timestamped
from calgate.store.types import JSONType, UTCDateTime


class GatewayKey(Base):
    __tablename__ = "gateway_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Gateway events (calgate.gateway.events): where to POST them, the signing secret
    # (ciphertext), and since when; events emitted while no URL was set are never sent.
    events_url: Mapped[str | None] = mapped_column(Text)
    events_secret_enc: Mapped[str | None] = mapped_column(Text)
    events_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Connection(Timestamped, Base):
    __tablename__ = "gateway_connections"
    __table_args__ = (
        Index("ix_gateway_connections_owner", "gateway_key_id", "app", "status"),
        # Finds an earlier connection of the same provider account (duplicate identity).
        Index("ix_gateway_connections_account", "gateway_key_id", "app", "account"),
    )

    # A UUID string, chosen before insert so ciphertexts can be bound to it.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    gateway_key_id: Mapped[int] = mapped_column(ForeignKey("gateway_keys.id", ondelete="CASCADE"))
    app: Mapped[str] = mapped_column(String(64))
    # PENDING | ACTIVE | FAILED
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    # Provider identity of the connected account, when the provider tells us.
    account: Mapped[str | None] = mapped_column(String(255))

    # OAuth tokens (ciphertexts) and their lifetime.
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on every token change; lets "refresh after a 401" see that someone already did.
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    # A refresh in progress elsewhere (another process) holds this lease until it persists.
    refresh_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the token pair last changed: the keep-alive worker refreshes idle connections.
    tokens_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Storm protection, on the row so every process sees it: consecutive transient refresh
    # failures, the cooldown they impose, and token calls made in the current window.
    refresh_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    refresh_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_window_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # Pending connect session: single-use link token, then OAuth state + PKCE verifier.
    session_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    session_token_enc: Mapped[str | None] = mapped_column(Text)
    session_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pkce_verifier_enc: Mapped[str | None] = mapped_column(Text)
    state_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GatewayEvent(Base):
    """Outbox row for one gateway event, written in the transaction of its change.

    Claimed and leased like webhook deliveries (calgate.webhooks.worker); `message_id` is the
    Standard Webhooks `webhook-id`, stable across retries so receivers can de-duplicate.
    """

    __tablename__ = "gateway_events"
    __table_args__ = (Index("ix_gateway_events_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    gateway_key_id: Mapped[int] = mapped_column(
        ForeignKey("gateway_keys.id", ondelete="CASCADE"), index=True
    )
    # No foreign key: connection.deleted outlives its connection.
    connection_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    # pending | delivered | dead (an event emitted while its key had no URL is deleted unsent)
    status: Mapped[str] = mapped_column(String(16))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
