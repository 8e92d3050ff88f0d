"""API keys: issued once (only a digest is stored), resolved on every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
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


DEFAULT_REFRESH_DAYS = 30


async def refresh_api_key(
    db: Database,
    pepper: str,
    raw: str | None,
    *,
    days_valid: int | None = None,
    never_expires: bool = False,
    now: datetime | None = None,
) -> IssuedKey:
    """Swap the presented key for a new one (Cal.com's `POST /v2/api-keys/refresh`).

    The old key stops working in the same transaction that stores the new one, so exactly one of
    them is ever valid; two refreshes racing with one key: the second finds it gone (401). The
    new key is valid for ``days_valid`` days (30 by default) unless it never expires.
    """
    now = now or utcnow()
    if not raw or not raw.startswith(keys.API_KEY_PREFIX):
        raise Unauthorized("Only an API key (cal_...) can be refreshed")
    async with db.transaction() as session:
        old = await session.scalar(
            select(ApiKey).where(ApiKey.key_hash == keys.digest(pepper, raw)).with_for_update()
        )
        if old is None:
            raise Unauthorized("Invalid API Key")
        if old.expires_at is not None and old.expires_at <= now:
            raise Unauthorized("The API key has expired")
        user = await session.get(User, old.user_id)
        if user is None:  # the key's row cascades with its user; can't happen
            raise Unauthorized("Invalid API Key")
        spent = await session.execute(delete(ApiKey).where(ApiKey.id == old.id))
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            raise Unauthorized("Invalid API Key")
        days = None if never_expires else (days_valid or DEFAULT_REFRESH_DAYS)
        return await create_api_key_in(
            session, pepper, user, name=old.name, expires_in_days=days, now=now
        )


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
