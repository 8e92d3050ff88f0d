"""Gateway keys: the one bearer secret a client holds. Stored only as an HMAC digest."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import Unauthorized
from calgate.security import keys
from calgate.store.models import GatewayKey, utcnow

GATEWAY_KEY_PREFIX = "cgw_"


@dataclass(frozen=True)
class IssuedGatewayKey:
    key: str
    record: GatewayKey


async def create_gateway_key(session: AsyncSession, pepper: str, name: str) -> IssuedGatewayKey:
    raw = keys.generate(GATEWAY_KEY_PREFIX, 32)
    record = GatewayKey(
        name=name,
        key_hash=keys.digest(pepper, raw),
        key_prefix=keys.display_prefix(raw),
        created_at=utcnow(),
    )
    session.add(record)
    await session.flush()
    return IssuedGatewayKey(key=raw, record=record)


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
