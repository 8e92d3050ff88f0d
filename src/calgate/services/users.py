from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import BadRequest, Conflict, NotFound
from calgate.security.passwords import hash_password
from calgate.services.schedules import ScheduleSpec, check_zone, create_schedule
from calgate.store.models import Schedule, User

WEEK_STARTS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


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
    session: AsyncSession,
    *,
    email: str,
    password: str | None,
    name: str | None,
    time_zone: str,
    username: str | None = None,
    week_start: str = "Sunday",
    time_format: int = 12,
) -> User:
    """Create a user with a default Mon-Fri 09:00-17:00 schedule in their zone, as Cal.com does."""
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
        week_start=week_start,
        time_format=time_format,
    )
    session.add(user)
    await session.flush()
    await create_schedule(
        session, user.id, ScheduleSpec(name="Working Hours", time_zone=time_zone, is_default=True)
    )
    return user


async def list_users(session: AsyncSession) -> list[User]:
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


async def update_profile(session: AsyncSession, user_id: int, changes: dict[str, object]) -> User:
    """Apply a validated profile change (keys are User attribute names)."""
    user = (
        await session.execute(select(User).where(User.id == user_id).with_for_update())
    ).scalar_one()
    if "time_zone" in changes:
        check_zone(str(changes["time_zone"]), "timeZone")
    if "email" in changes:
        email = normalise_email(str(changes["email"]))
        taken = (
            await session.execute(select(User.id).where(User.email == email, User.id != user_id))
        ).first()
        if taken:
            raise Conflict(f"A user with email {email} already exists")
        changes["email"] = email
    if "default_schedule_id" in changes:
        schedule_id = changes["default_schedule_id"]
        owned = (
            await session.execute(
                select(Schedule.id).where(Schedule.id == schedule_id, Schedule.user_id == user_id)
            )
        ).first()
        if not owned:
            raise BadRequest(f"defaultScheduleId: schedule {schedule_id} is not yours")
    for key, value in changes.items():
        setattr(user, key, value)
    await session.flush()
    return user
