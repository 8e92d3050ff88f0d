"""Browser side of a connection: the session link, the provider redirect and the callback."""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx2
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.gateway import connections as conns
from calgate.gateway import events
from calgate.gateway.config import CALLBACK_PATH, CONNECT_PATH, Provider
from calgate.gateway.crypto import DecryptionError
from calgate.gateway.runtime import Gateway, get_gateway
from calgate.gateway.tokens import TokenEndpointError, TokenEndpointUnavailable, request_tokens
from calgate.security import keys
from calgate.store.models import Connection, utcnow

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

GatewayDep = Annotated[Gateway, Depends(get_gateway)]
_Param = Annotated[str | None, Query(max_length=4096)]

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto;
       padding: 0 1rem; line-height: 1.5; color: #111; background: #fff; }}
h1 {{ font-size: 1.5rem; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p role="{role}">{message}</p>
</main>
</body>
</html>
"""


def page(title: str, message: str, status_code: int = 200) -> HTMLResponse:
    role = "status" if status_code < 400 else "alert"
    body = _PAGE.format(title=html.escape(title), message=html.escape(message), role=role)
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


@router.get(CONNECT_PATH)
async def start(gateway: GatewayDep, session_token: _Param = None) -> Response:
    """Open a connection's link: consume the session token and go to the provider."""
    if not session_token:
        return page("Link incomplete", "This connection link has no session token.", 400)
    settings = gateway.settings
    now = utcnow()
    state = secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair()
    async with gateway.db.transaction(immediate=True) as session:
        conn = await session.scalar(
            select(Connection)
            .where(Connection.session_token_hash == keys.digest(settings.pepper, session_token))
            .with_for_update()
        )
        if conn is None:
            return page("Link not valid", "This connection link is not valid.", 404)
        # PENDING, or FAILED with a link from POST /connections/{id}/reconnect.
        if conn.status == conns.ACTIVE or conn.session_used_at is not None:
            return page(
                "Link already used",
                "This connection link has already been used. Reconnect the connection (or "
                "create a new one) to connect again.",
                410,
            )
        if conn.session_expires_at is not None and conn.session_expires_at <= now:
            return page("Link expired", "This connection link has expired.", 410)
        provider = settings.providers.get(conn.app)
        if provider is None or not provider.client_id:
            return page(
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
    return RedirectResponse(
        provider.authorize_url + sep + urlencode(params),
        status_code=302,
        headers={"Cache-Control": "no-store"},
    )


@router.get(CALLBACK_PATH)
async def callback(
    gateway: GatewayDep,
    state: _Param = None,
    code: _Param = None,
    error: _Param = None,
    error_description: _Param = None,
) -> Response:
    """The provider's redirect back: exchange the code, store the tokens, show the result."""
    if not state:
        return page("Connection failed", "The provider's answer has no state.", 400)
    settings = gateway.settings
    now = utcnow()
    async with gateway.db.transaction(immediate=True) as session:
        conn = await session.scalar(
            select(Connection)
            .where(Connection.state_hash == keys.digest(settings.pepper, state))
            .with_for_update()
        )
        if conn is None or conn.status == conns.ACTIVE:
            return page(
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
            return page(
                "Connection failed",
                f"The connection was not authorized ({reason}). You can close this window.",
                400,
            )
        try:
            verifier = conns.unseal(gateway.keyring, conn, "pkce_verifier", verifier_enc)
        except DecryptionError:
            conns.fail(conn, "authorization failed: unreadable session", now)
            events.emit(session, conn, events.FAILED)
            return page("Connection failed", "The connection session is unreadable.", 400)
        connection_id, app = conn.id, conn.app
    return await _exchange(gateway, connection_id, app, code, verifier)


async def _exchange(
    gateway: Gateway, connection_id: str, app: str, code: str, verifier: str
) -> Response:
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
    async with gateway.db.transaction(immediate=True) as session:
        conn = await session.get(Connection, connection_id, with_for_update=True)
        if conn is None:
            return page("Connection failed", "The connection was deleted meanwhile.", 410)
        now = utcnow()
        if tokens is None:
            why = f"token exchange failed: {detail}"
            conns.fail(conn, why, now, error=failure or "")
            events.emit(session, conn, events.FAILED, why)
            return page(
                "Connection failed",
                f"The provider did not issue tokens ({failure}). You can close this window.",
                502,
            )
        conns.store_tokens(gateway.keyring, conn, tokens, now)
        conns.activate(conn, now)
        conn.account = account
        events.emit(session, conn, events.ACTIVE)
        await _replace_same_account(session, conn, now)
    return page(
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
