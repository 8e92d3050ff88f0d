"""API keys: issued once (only a digest is stored), resolved on every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import Unauthorized
from calgate.security import keys
from calgate.services.users import get_by_email
from calgate.store.db import Database
from calgate.store.models import ApiKey, User, utcnow


@dataclass(frozen=True)
class IssuedKey:
    key: str
    record: ApiKey


async def create_api_key(
    db: Database,
    pepper: str,
    email: str,
    *,
    name: str | None = None,
    expires_in_days: int | None = None,
) -> IssuedKey:
    """A new key for the user with this email (the admin command)."""
    # Immediate: the owner is read before the key is written.
    async with db.transaction() as session:
        user = await get_by_email(session, email)
        return await create_api_key_in(
            session, pepper, user, name=name, expires_in_days=expires_in_days
        )


async def create_api_key_in(
    session: AsyncSession,
    pepper: str,
    user: User,
    *,
    name: str | None = None,
    expires_in_days: int | None = None,
    now: datetime | None = None,
) -> IssuedKey:
    """``create_api_key`` inside a caller's transaction (a user seeded with a key)."""
    now = now or utcnow()
    raw = keys.generate(keys.API_KEY_PREFIX)
    record = ApiKey(
        user_id=user.id,
        name=name,
        key_hash=keys.digest(pepper, raw),
        key_prefix=keys.display_prefix(raw),
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        created_at=now,
    )
    session.add(record)
    await session.flush()
    return IssuedKey(key=raw, record=record)


async def user_for_api_key(
    session: AsyncSession, pepper: str, raw: str, *, now: datetime | None = None
) -> User:
    row = (
        await session.execute(
            select(ApiKey, User)
            .join(User, User.id == ApiKey.user_id)
            .where(ApiKey.key_hash == keys.digest(pepper, raw))
        )
    ).first()
    if row is None:
        raise Unauthorized("Invalid API Key")
    api_key, user = row
    if api_key.expires_at is not None and api_key.expires_at <= (now or utcnow()):
        raise Unauthorized("The API key has expired")
    return user
