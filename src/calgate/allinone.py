"""All-in-one wiring: the gateway as an OAuth client of the embedded scheduler, in one process.

What role "all" adds on top of the two sides, used by the composition root (calgate.app) and
`serve --demo`. The gateway itself still talks to its provider purely through OAuth 2.0 and
HTTP at configured URLs; here we only register it as a client of the embedded authorization
server and, when the provider *is* this process, mount an in-process transport for it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx2
from sqlalchemy import select

from calgate.config import Settings
from calgate.gateway import connections as conns
from calgate.gateway.config import CAL_COM, GatewaySettings
from calgate.gateway.keys import GATEWAY_KEY_PREFIX
from calgate.gateway.tokens import TokenSet
from calgate.oauth import service as oauth
from calgate.security import keys
from calgate.security.crypto import Keyring
from calgate.store.db import Database
from calgate.store.models import Connection, GatewayKey, utcnow

EMBEDDED_CLIENT_ID = "calgate-gateway"
EMBEDDED_CLIENT_NAME = "calgate gateway"


def embedded_client_secret(secret_key: str) -> str:
    # Derived, not stored: every worker and every restart computes the same secret, and the
    # authorization server keeps only its hash.
    return keys.digest(secret_key, "calgate-gateway-oauth-client")


def points_at_us(gateway: GatewaySettings, settings: Settings) -> bool:
    provider = gateway.providers[CAL_COM]
    public = settings.public_url.rstrip("/")
    return provider.base_url.rstrip("/") == public and provider.token_url.startswith(public)


async def register_embedded_gateway(
    db: Database, settings: Settings, gateway: GatewaySettings
) -> GatewaySettings:
    """Gateway settings whose cal-com provider has client credentials at the embedded server.

    Explicitly configured credentials (CALGATE_CAL_COM_CLIENT_ID/SECRET) win; a provider that
    points elsewhere (a real Cal.com) is left alone.
    """
    provider = gateway.providers[CAL_COM]
    if provider.client_id or not points_at_us(gateway, settings):
        return gateway
    secret = embedded_client_secret(settings.secret_key)
    # Reads the client to decide whether to write it: SQLite's write lock from the start, so
    # a writer committing meanwhile (another worker starting) makes it wait, not fail.
    async with db.transaction() as session:
        await oauth.ensure_client(
            session,
            client_id=EMBEDDED_CLIENT_ID,
            client_secret=secret,
            name=EMBEDDED_CLIENT_NAME,
            redirect_uri=gateway.redirect_uri,
        )
    return gateway.with_credentials(EMBEDDED_CLIENT_ID, secret)


def in_process_mounts(app: Any, settings: Settings) -> dict[str, httpx2.AsyncBaseTransport]:
    """Send the gateway's calls to this server's own URL straight into the ASGI app.

    A request to ourselves over loopback pays for a client, a socket and a second HTTP parse to
    reach code in the same process. Every call to this origin takes it: proxied calls and the
    token, identity and revocation calls, through the same client and the same code path as a
    remote provider's. It buffers each response, which is fine here: the embedded API's
    responses are JSON documents built in memory anyway.
    """
    origin = httpx2.URL(settings.public_url)
    port = f":{origin.port}" if origin.port else ""
    return {f"{origin.scheme}://{origin.host}{port}": httpx2.ASGITransport(app=app)}


def demo_gateway_key(secret_key: str) -> str:
    # Derived from the server secret, like the demo API key, so every start prints the same one.
    return GATEWAY_KEY_PREFIX + keys.digest(secret_key, "calgate-demo-gateway-key")


async def ensure_demo_connection(
    db: Database, settings: Settings, gateway_settings: GatewaySettings, user_id: int
) -> dict[str, str]:
    """A demo gateway key with an ACTIVE cal-com connection to the demo user (created once).

    The connection is made as a completed consent would make it: the embedded authorization
    server issues the token pair to the gateway's registered client, and the gateway stores it
    encrypted. Nothing here bypasses token checks: proxied calls use that real access token.
    """
    gateway = await register_embedded_gateway(db, settings, gateway_settings)
    provider = gateway.providers[CAL_COM]
    raw_key = demo_gateway_key(settings.secret_key)
    key_hash = keys.digest(gateway.pepper, raw_key)
    keyring = Keyring(gateway.token_keys)
    async with db.transaction() as session:
        key = await session.scalar(select(GatewayKey).where(GatewayKey.key_hash == key_hash))
        if key is None:
            key = GatewayKey(
                name="demo",
                key_hash=key_hash,
                key_prefix=keys.display_prefix(raw_key),
                created_at=utcnow(),
            )
            session.add(key)
            await session.flush()
        conn = await session.scalar(
            select(Connection)
            .where(
                Connection.gateway_key_id == key.id,
                Connection.app == CAL_COM,
                Connection.status == conns.ConnectionStatus.ACTIVE,
            )
            .order_by(Connection.created_at)
            .limit(1)
        )
        if conn is None and provider.client_id == EMBEDDED_CLIENT_ID:
            conn = await conns.create(session, gateway, keyring, key.id, CAL_COM)
            body = await oauth.issue_tokens(
                session, settings, client_id=EMBEDDED_CLIENT_ID, user_id=user_id
            )
            now = utcnow()
            tokens = TokenSet(
                access_token=body["access_token"],
                refresh_token=body.get("refresh_token"),
                expires_at=now + timedelta(seconds=int(body["expires_in"])),
                scope=body.get("scope"),
            )
            conns.store_tokens(keyring, conn, tokens, now)
            conn.status = conns.ConnectionStatus.ACTIVE
            # The browser link is never needed for a connection born ACTIVE.
            conn.session_token_hash = None
            conn.session_token_enc = None
    return {
        "gateway_key": raw_key,
        "connection_id": conn.id if conn is not None else "(cal-com points at another server)",
    }
