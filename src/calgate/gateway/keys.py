"""Gateway keys: the one bearer secret a client holds. Stored only as an HMAC digest.

A key may also have an events URL (calgate.gateway.events): its Standard Webhooks signing
secret is needed in clear to sign, so it is stored encrypted under the token keyring.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import BadRequest, NotFound, Unauthorized
from calgate.net.ssrf import valid_subscriber_url
from calgate.security import keys
from calgate.security.crypto import Keyring, context
from calgate.store.models import GatewayKey, utcnow

GATEWAY_KEY_PREFIX = "cgw_"
TABLE = "gateway_keys"
EVENTS_SECRET_PREFIX = "whsec_"  # noqa: S105 (the Standard Webhooks prefix, not a secret)


@dataclass(frozen=True)
class IssuedGatewayKey:
    key: str
    record: GatewayKey
    # The events signing secret, when an events URL was given (shown once).
    events_secret: str | None = None


async def create_gateway_key(
    session: AsyncSession,
    pepper: str,
    name: str,
    *,
    events_url: str | None = None,
    keyring: Keyring | None = None,
) -> IssuedGatewayKey:
    raw = keys.generate(GATEWAY_KEY_PREFIX, 32)
    record = GatewayKey(
        name=name,
        key_hash=keys.digest(pepper, raw),
        key_prefix=keys.display_prefix(raw),
        created_at=utcnow(),
    )
    session.add(record)
    await session.flush()
    secret = None
    if events_url is not None:
        if keyring is None:
            raise ValueError("an events URL needs the keyring to store its secret")
        secret = set_events(keyring, record, events_url)
    return IssuedGatewayKey(key=raw, record=record, events_secret=secret)


def events_context(key_id: int) -> str:
    return context(TABLE, str(key_id), "events_secret")


def new_events_secret() -> str:
    return EVENTS_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def set_events(keyring: Keyring, key: GatewayKey, url: str) -> str:
    """Point the key's events at `url` with a fresh signing secret, returned once.

    Only events emitted from now on are sent (events_since); the address is checked against
    the SSRF guard at each delivery, when it is resolved.
    """
    url = url.strip()
    if len(url) > 2048 or not valid_subscriber_url(url):
        raise BadRequest("events url must be an absolute http(s) URL")
    secret = new_events_secret()
    key.events_url = url
    key.events_secret_enc = keyring.encrypt(secret, events_context(key.id))
    key.events_since = utcnow()
    return secret


def clear_events(key: GatewayKey) -> None:
    key.events_url = None
    key.events_secret_enc = None
    key.events_since = None


def events_secret(keyring: Keyring, key_id: int, stored: str) -> str:
    return keyring.decrypt(stored, events_context(key_id))


async def get_key(session: AsyncSession, key_id: int, *, for_update: bool = False) -> GatewayKey:
    key = await session.get(GatewayKey, key_id, with_for_update=for_update)
    if key is None:
        raise NotFound(f"Gateway key {key_id} not found")
    return key


async def key_id_for(session: AsyncSession, pepper: str, header: str | None) -> int:
    """The gateway key id an Authorization header proves, or Unauthorized."""
    raw = keys.bearer_token(header)
    if raw is None:
        raise Unauthorized("Missing gateway key: send 'Authorization: Bearer <gateway key>'")
    key_id = await session.scalar(
        select(GatewayKey.id).where(GatewayKey.key_hash == keys.digest(pepper, raw))
    )
    if key_id is None:
        raise Unauthorized("Invalid gateway key")
    return key_id
