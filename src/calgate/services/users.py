"""Users and their profiles: each use case opens its own transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core.timezones import check_zone
from calgate.errors import BadRequest, Conflict, NotFound
from calgate.security.passwords import hash_password
from calgate.services.schedules import ScheduleSpec, create_schedule_in
from calgate.services.unset import UNSET, Unset, sent
from calgate.store.db import Database
from calgate.store.models import Schedule, User


@dataclass(frozen=True)
class ProfileChanges:
    """A PATCH /v2/me: the fields a user may change about themselves."""

    email: str | Unset = UNSET
    name: str | Unset | None = UNSET
    time_format: int | Unset = UNSET
    default_schedule_id: int | Unset = UNSET
    week_start: str | Unset = UNSET
    time_zone: str | Unset = UNSET
    locale: str | Unset | None = UNSET
    avatar_url: str | Unset | None = UNSET
    bio: str | Unset | None = UNSET
    embed_origins: list[str] | Unset | None = UNSET
    metadata: dict[str, Any] | Unset = UNSET


MAX_EMBED_ORIGINS = 20
# A scheme and host (and port): what CSP frame-ancestors accepts, nothing that could end the
# directive or add another (no spaces, quotes, semicolons or paths).
_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$")


def check_embed_origins(origins: list[str]) -> list[str]:
    if len(origins) > MAX_EMBED_ORIGINS:
        raise BadRequest(f"embedOrigins may list at most {MAX_EMBED_ORIGINS} origins")
    cleaned = []
    for origin in origins:
        origin = origin.strip().rstrip("/").lower()
        if len(origin) > 255 or not _ORIGIN.match(origin):
            raise BadRequest(f"embedOrigins: {origin!r} is not an origin like https://example.com")
        if origin not in cleaned:
            cleaned.append(origin)
    return cleaned


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "user"


async def _free_username(session: AsyncSession, wanted: str) -> str:
    base = _slugify(wanted)
    candidate, n = base, 1
    while (await session.execute(select(User.id).where(User.username == candidate))).first():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


async def create_user(
    db: Database,
    *,
    email: str,
    password: str | None,
    name: str | None,
    time_zone: str,
    username: str | None = None,
) -> User:
    """Create a user with a default Mon-Fri 09:00-17:00 schedule in their zone, as Cal.com does."""
    # Immediate: the email and username checks read what the insert relies on.
    async with db.transaction() as session:
        return await create_user_in(
            session,
            email=email,
            password=password,
            name=name,
            time_zone=time_zone,
            username=username,
        )


async def create_user_in(
    session: AsyncSession,
    *,
    email: str,
    password: str | None,
    name: str | None,
    time_zone: str,
    username: str | None = None,
) -> User:
    """``create_user`` inside a caller's transaction (a user seeded with keys or clients)."""
    email = normalise_email(email)
    check_zone(time_zone)
    if (await session.execute(select(User.id).where(User.email == email))).first():
        raise Conflict(f"A user with email {email} already exists")
    if username is not None:
        if _slugify(username) != username:
            raise BadRequest("username may contain only lower-case letters, digits and '-'")
        if (await session.execute(select(User.id).where(User.username == username))).first():
            raise Conflict(f"Username {username} is taken")
    else:
        username = await _free_username(session, email.split("@")[0])
    user = User(
        email=email,
        username=username,
        name=name,
        password_hash=hash_password(password) if password else None,
        time_zone=time_zone,
        week_start="Sunday",
        time_format=12,
    )
    session.add(user)
    await session.flush()
    await create_schedule_in(
        session, user.id, ScheduleSpec(name="Working Hours", time_zone=time_zone, is_default=True)
    )
    return user


async def list_users(db: Database) -> list[User]:
    async with db.session() as session:
        return list((await session.execute(select(User).order_by(User.id))).scalars())


async def get_by_email(session: AsyncSession, email: str) -> User:
    user = (
        await session.execute(select(User).where(User.email == normalise_email(email)))
    ).scalar_one_or_none()
    if user is None:
        raise NotFound(f"No user with email {email}")
    return user


async def get_by_username(session: AsyncSession, username: str) -> User | None:
    return (
        await session.execute(select(User).where(func.lower(User.username) == username.lower()))
    ).scalar_one_or_none()


async def update_profile(db: Database, user_id: int, changes: ProfileChanges) -> User:
    # Immediate: the email and schedule checks read what the update relies on.
    async with db.transaction() as session:
        user = (
            await session.execute(select(User).where(User.id == user_id).with_for_update())
        ).scalar_one()
        values = sent(changes)
        if "time_zone" in values:
            check_zone(values["time_zone"])
        if values.get("embed_origins") is not None:
            values["embed_origins"] = check_embed_origins(values["embed_origins"])
        if "email" in values:
            email = normalise_email(values["email"])
            taken = (
                await session.execute(
                    select(User.id).where(User.email == email, User.id != user_id)
                )
            ).first()
            if taken:
                raise Conflict(f"A user with email {email} already exists")
            values["email"] = email
        if "default_schedule_id" in values:
            schedule_id = values["default_schedule_id"]
            owned = (
                await session.execute(
                    select(Schedule.id).where(
                        Schedule.id == schedule_id, Schedule.user_id == user_id
                    )
                )
            ).first()
            if not owned:
                raise BadRequest(f"defaultScheduleId: schedule {schedule_id} is not yours")
        for key, value in values.items():
            # The model's `metadata` attribute is SQLAlchemy's; the column is `metadata_`.
            setattr(user, "metadata_" if key == "metadata" else key, value)
        await session.flush()
        return user
