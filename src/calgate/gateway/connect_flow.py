"""The connect flow's use cases: open a link (go to the provider), take the provider's answer,
complete the code exchange.

The browser is told how each ended in a `Notice` (page title, sentence, HTTP status); a link
that goes on to the provider is the authorize URL instead. Every step owns its transactions,
taken with SQLite's write lock at BEGIN and the connection's row lock on PostgreSQL: each reads
the connection to decide what to write.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.gateway import connections as conns
from calgate.gateway import events
from calgate.gateway.config import Provider
from calgate.gateway.connections import ConnectionStatus
from calgate.gateway.runtime import Gateway
from calgate.gateway.tokens import TokenEndpointError, TokenEndpointUnavailable, request_tokens
from calgate.security import keys
from calgate.security.crypto import DecryptionError
from calgate.store.models import Connection, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    title: str
    message: str
    status_code: int = 200


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


async def start(gateway: Gateway, session_token: str) -> str | Notice:
    """Consume a link's session token: the provider's authorize URL, or why not."""
    settings = gateway.settings
    now = utcnow()
    state = secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair()
    async with gateway.db.transaction() as session:
        conn = await session.scalar(
            select(Connection)
            .where(Connection.session_token_hash == keys.digest(settings.pepper, session_token))
            .with_for_update()
        )
        if conn is None:
            return Notice("Link not valid", "This connection link is not valid.", 404)
        # PENDING, or FAILED with a link from POST /connections/{id}/reconnect.
        if conn.status == ConnectionStatus.ACTIVE or conn.session_used_at is not None:
            return Notice(
                "Link already used",
                "This connection link has already been used. Reconnect the connection (or "
                "create a new one) to connect again.",
                410,
            )
        if conn.session_expires_at is not None and conn.session_expires_at <= now:
            return Notice("Link expired", "This connection link has expired.", 410)
        provider = settings.providers.get(conn.app)
        if provider is None or not provider.client_id:
            return Notice(
                "Not available",
                f"The gateway has no OAuth client configured for {conn.app}.",
                503,
            )
        conn.session_used_at = now
        conn.state_hash = keys.digest(settings.pepper, state)
        conn.pkce_verifier_enc = conns.seal(gateway.keyring, conn, "pkce_verifier", verifier)
        conn.state_expires_at = now + timedelta(seconds=settings.state_ttl_s)
        conn.updated_at = now
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": settings.redirect_uri,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if provider.scopes:
        params["scope"] = " ".join(provider.scopes)
    sep = "&" if "?" in provider.authorize_url else "?"
    return provider.authorize_url + sep + urlencode(params)


async def callback(
    gateway: Gateway,
    state: str,
    code: str | None,
    error: str | None,
    error_description: str | None,
) -> Notice:
    """The provider's redirect back: settle the state, then exchange the code."""
    settings = gateway.settings
    now = utcnow()
    async with gateway.db.transaction() as session:
        conn = await session.scalar(
            select(Connection)
            .where(Connection.state_hash == keys.digest(settings.pepper, state))
            .with_for_update()
        )
        if conn is None or conn.status == ConnectionStatus.ACTIVE:
            return Notice(
                "Connection failed",
                "This authorization is unknown or was already completed.",
                400,
            )
        # The state is single-use: clear it (and the verifier) whatever happens next.
        verifier_enc = conn.pkce_verifier_enc
        conn.state_hash = None
        conn.pkce_verifier_enc = None
        expired = conn.state_expires_at is not None and conn.state_expires_at <= now
        if error or not code or expired or verifier_enc is None:
            reason = error or ("expired" if expired else "missing_code")
            description = error_description or ""
            why = f"authorization failed: {reason}" + (f": {description}" if description else "")
            conns.fail(
                conn,
                why,
                now,
                error=reason,
                **({"error_description": description} if description else {}),
            )
            events.emit(session, conn, events.FAILED, why)
            return Notice(
                "Connection failed",
                f"The connection was not authorized ({reason}). You can close this window.",
                400,
            )
        try:
            verifier = conns.unseal(gateway.keyring, conn, "pkce_verifier", verifier_enc)
        except DecryptionError:
            conns.fail(conn, "authorization failed: unreadable session", now)
            events.emit(session, conn, events.FAILED)
            return Notice("Connection failed", "The connection session is unreadable.", 400)
        connection_id, app = conn.id, conn.app
    return await _complete(gateway, connection_id, app, code, verifier)


async def _complete(
    gateway: Gateway, connection_id: str, app: str, code: str, verifier: str
) -> Notice:
    """Exchange the code outside any transaction, then store the tokens (or the failure)."""
    provider = gateway.provider(app)
    failure: str | None = None
    tokens = None
    try:
        tokens = await request_tokens(
            gateway.http,
            provider,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": gateway.settings.redirect_uri,
                "code_verifier": verifier,
            },
            now=utcnow(),
            timeout=gateway.settings.token_timeout_s,
        )
    except TokenEndpointError as exc:
        failure = exc.error
        detail = str(exc)
    except TokenEndpointUnavailable as exc:
        failure = "token_endpoint_unavailable"
        detail = str(exc)
    account = await identify(gateway, provider, tokens.access_token) if tokens else None
    async with gateway.db.transaction() as session:
        conn = await session.get(Connection, connection_id, with_for_update=True)
        if conn is None:
            return Notice("Connection failed", "The connection was deleted meanwhile.", 410)
        now = utcnow()
        if tokens is None:
            why = f"token exchange failed: {detail}"
            conns.fail(conn, why, now, error=failure or "")
            events.emit(session, conn, events.FAILED, why)
            return Notice(
                "Connection failed",
                f"The provider did not issue tokens ({failure}). You can close this window.",
                502,
            )
        conns.store_tokens(gateway.keyring, conn, tokens, now)
        conns.activate(conn, now)
        conn.account = account
        events.emit(session, conn, events.ACTIVE)
        await _replace_same_account(session, conn, now)
    return Notice(
        f"Connected to {app}",
        f"Your {app} account is connected (connection {connection_id}). You can close this window.",
    )


async def _replace_same_account(session: AsyncSession, conn: Connection, now: datetime) -> None:
    """Fail the key's other ACTIVE connections to this account.

    Providers like Cal.com keep one live refresh token per (client, user): the code exchange
    just made has already killed theirs. Failing them now, tokens dropped, says so plainly
    instead of letting them die at their next refresh.
    """
    for old in await conns.same_account(session, conn):
        reason = f"replaced by connection {conn.id} (same account)"
        conns.fail(old, reason, now, error="replaced")
        conns.drop_tokens(old)
        events.emit(session, old, events.FAILED, reason)


async def identify(gateway: Gateway, provider: Provider, access_token: str) -> str | None:
    """The provider's id for the account behind ``access_token``, if the provider says how
    to ask (Provider.identity_path/field); None when not configured or not answered."""
    if not provider.identity_path or not provider.identity_field:
        return None
    url = provider.base_url.rstrip("/") + "/" + provider.identity_path.lstrip("/")
    try:
        response = await gateway.http.get(
            url,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=gateway.settings.token_timeout_s,
        )
    except httpx2.HTTPError as exc:
        log.warning("identity lookup at %s failed: %r", url, exc)
        return None
    if response.status_code != 200:
        log.warning("identity lookup at %s answered %d", url, response.status_code)
        return None
    try:
        value: Any = response.json()
    except ValueError:
        return None
    for part in provider.identity_field.split("."):
        if not isinstance(value, dict) or part not in value:
            log.warning("identity lookup at %s: no %s", url, provider.identity_field)
            return None
        value = value[part]
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)[:255]
