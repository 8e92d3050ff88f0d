"""OAuth storage rules and the service API other parts of calgate call.

Secrets at rest:
- client secrets: ``sha256:<hex>`` (they are 256-bit random or derived from the server secret,
  so an unsalted fast hash is enough and callers need no pepper to register a client);
- authorization codes, access and refresh tokens: HMAC-SHA256 under the server pepper
  (``security.keys.digest``), like API keys.

Cal.com's rules: access token 30 min, refresh token 30 days and sliding, code 10 min and single
use; issuing a pair (code exchange or refresh) clears every other refresh token of the same
(client, user), so only one refresh token per (client, user) is ever live.

The core functions are synchronous (Authlib's server runs in a worker thread with a sync
session); the async API wraps them with ``AsyncSession.run_sync``. None of them commits: the
caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from calgate.config import Settings
from calgate.errors import NotFound, Unauthorized
from calgate.oauth import scopes as scope_names
from calgate.security import keys
from calgate.store.db import Database
from calgate.store.models import OAuthClient, OAuthToken, User, utcnow

ACCESS_TOKEN_PREFIX = "cgat_"  # noqa: S105 - a prefix, not a secret
REFRESH_TOKEN_PREFIX = "cgrt_"  # noqa: S105
CLIENT_SECRET_PREFIX = "cgcs_"  # noqa: S105

__all__ = [
    "check_client_secret",
    "create_client",
    "ensure_client",
    "hash_client_secret",
    "issue_tokens",
    "principal_for_access_token",
]


def hash_client_secret(secret: str) -> str:
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()


def check_client_secret(stored: str | None, secret: str) -> bool:
    if not stored or not secret:
        return False
    return hmac.compare_digest(stored, hash_client_secret(secret))


def new_token_response(settings: Settings, scope: str) -> dict[str, Any]:
    """A fresh pair in the token endpoint's response shape (nothing stored yet)."""
    return {
        "access_token": keys.generate(ACCESS_TOKEN_PREFIX, 32),
        "refresh_token": keys.generate(REFRESH_TOKEN_PREFIX, 32),
        "token_type": "bearer",
        "expires_in": settings.oauth_access_token_ttl,
        "scope": scope,
    }


def lock_token_owner(session: Session, user_id: int) -> None:
    """Serialise token issuing per user for the rest of the transaction.

    Without it two concurrent exchanges for one (client, user) on PostgreSQL would each miss
    the other's uncommitted row and both stay live. Callers that lock token rows take this
    lock first, so the order is always user, then tokens. SQLite has a single writer anyway
    (SQLAlchemy renders no FOR UPDATE there). NO KEY UPDATE: rows that merely reference the
    user (foreign keys take KEY SHARE) are not held up by it."""
    session.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))


def save_token_pair(
    session: Session,
    settings: Settings,
    token: dict[str, Any],
    *,
    client_id: str,
    user_id: int,
    code_id: int | None = None,
    now: datetime | None = None,
) -> OAuthToken:
    """Store ``token`` (as digests) and make its refresh token the only live one of
    (client, user). Expired leftovers of that pair are deleted on the way."""
    now = now or utcnow()
    pepper = settings.secret_key
    refresh = token.get("refresh_token")
    lock_token_owner(session, user_id)
    row = OAuthToken(
        client_id=client_id,
        user_id=user_id,
        access_token_hash=keys.digest(pepper, token["access_token"]),
        refresh_token_hash=keys.digest(pepper, refresh) if refresh else None,
        scope=token.get("scope") or "",
        access_expires_at=now + timedelta(seconds=settings.oauth_access_token_ttl),
        refresh_expires_at=now + timedelta(seconds=settings.oauth_refresh_token_ttl)
        if refresh
        else None,
        revoked=False,
        code_id=code_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    same_pair = (OAuthToken.client_id == client_id, OAuthToken.user_id == user_id)
    session.execute(
        update(OAuthToken)
        .where(*same_pair, OAuthToken.id != row.id, OAuthToken.refresh_token_hash.is_not(None))
        .values(refresh_token_hash=None, refresh_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(OAuthToken)
        .where(
            *same_pair,
            OAuthToken.id != row.id,
            OAuthToken.refresh_token_hash.is_(None),
            OAuthToken.access_expires_at <= now,
        )
        .execution_options(synchronize_session=False)
    )
    return row


def _issue_sync(
    session: Session, settings: Settings, client_id: str, user_id: int, scope: str
) -> dict[str, Any]:
    if session.scalar(select(OAuthClient.id).where(OAuthClient.client_id == client_id)) is None:
        raise NotFound(f"OAuth client {client_id} not found")
    if session.get(User, user_id) is None:
        raise NotFound(f"User with id={user_id} not found")
    token = new_token_response(settings, scope)
    save_token_pair(session, settings, token, client_id=client_id, user_id=user_id)
    return token


async def issue_tokens(
    session: AsyncSession,
    settings: Settings,
    *,
    client_id: str,
    user_id: int,
    scopes: Iterable[str] | str | None = None,
) -> dict[str, Any]:
    """Issue an access/refresh pair without a browser, as a completed consent would.

    Returns the token endpoint's body: ``{access_token, refresh_token, token_type: "bearer",
    expires_in, scope}``. ``scopes`` None or empty means every scope. Like a code exchange it
    clears the other refresh tokens of (client, user). The caller commits.
    """
    scope = scope_names.normalise(scopes)
    return await session.run_sync(lambda s: _issue_sync(s, settings, client_id, user_id, scope))


async def ensure_client(
    session: AsyncSession,
    *,
    client_id: str,
    client_secret: str | None,
    name: str,
    redirect_uri: str,
) -> OAuthClient:
    """Create or update a client with exactly this id, secret, name and redirect URI.

    Idempotent; a None secret makes a public client (PKCE mandatory). The caller commits.
    """
    client = await session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    if client is None:
        client = OAuthClient(client_id=client_id, created_at=utcnow())
        session.add(client)
    client.name = name
    client.redirect_uris = [redirect_uri]
    client.is_public = client_secret is None
    client.client_secret_hash = hash_client_secret(client_secret) if client_secret else None
    await session.flush()
    return client


async def public_client(db: Database, client_id: str) -> OAuthClient:
    """A client as a consent screen may show it (the caller reads only non-secret fields)."""
    async with db.session() as session:
        client = await session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    if client is None:
        raise NotFound(f"OAuth client with id={client_id} not found")
    return client


async def create_client(
    session: AsyncSession, *, name: str, redirect_uris: list[str], is_public: bool = False
) -> tuple[OAuthClient, str | None]:
    """Register a new client; returns it and its secret (None for public clients), which is
    shown once and stored only as a hash."""
    secret = None if is_public else keys.generate(CLIENT_SECRET_PREFIX, 32)
    client = OAuthClient(
        client_id=secrets.token_hex(16),
        client_secret_hash=hash_client_secret(secret) if secret else None,
        name=name,
        redirect_uris=list(redirect_uris),
        is_public=is_public,
        created_at=utcnow(),
    )
    session.add(client)
    await session.flush()
    return client, secret


async def principal_for_access_token(
    session: AsyncSession, pepper: str, raw: str, *, now: datetime | None = None
) -> tuple[User, frozenset[str]]:
    """The user and granted scopes behind an OAuth access token, or Unauthorized."""
    row = (
        await session.execute(
            select(OAuthToken, User)
            .join(User, User.id == OAuthToken.user_id)
            .where(OAuthToken.access_token_hash == keys.digest(pepper, raw))
        )
    ).first()
    if row is None:
        raise Unauthorized("Invalid Access Token")
    token, user = row
    if token.revoked:
        raise Unauthorized("Invalid Access Token")
    if token.access_expires_at <= (now or utcnow()):
        raise Unauthorized("Access Token has expired")
    return user, frozenset(scope_names.split_scope(token.scope))
