from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core.timezones import check_zone
from calgate.errors import BadRequest, NotFound
from calgate.store.db import Database
from calgate.store.models import Availability, Schedule, User

WEEKDAYS = (1, 2, 3, 4, 5)
NINE_TO_FIVE = (9 * 60, 17 * 60)


@dataclass(frozen=True)
class WeeklyRule:
    days: tuple[int, ...]  # 0 = Sunday
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class OverrideRule:
    date: date
    start_minute: int
    end_minute: int


DEFAULT_WEEKLY = (WeeklyRule(WEEKDAYS, *NINE_TO_FIVE),)


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    time_zone: str
    is_default: bool = False
    # None: Cal.com's default availability, Monday to Friday 09:00-17:00.
    weekly: tuple[WeeklyRule, ...] | None = None
    overrides: tuple[OverrideRule, ...] = ()


@dataclass(frozen=True)
class SchedulePatch:
    name: str | None = None
    time_zone: str | None = None
    is_default: bool | None = None
    weekly: tuple[WeeklyRule, ...] | None = None
    overrides: tuple[OverrideRule, ...] | None = None


@dataclass(frozen=True)
class OwnedSchedule:
    schedule: Schedule
    is_default: bool
    weekly: list[Availability] = field(default_factory=list)
    overrides: list[Availability] = field(default_factory=list)

    @classmethod
    def of(cls, schedule: Schedule, user: User) -> OwnedSchedule:
        weekly = [a for a in schedule.availability if a.date is None]
        overrides = sorted(
            (a for a in schedule.availability if a.date is not None),
            key=lambda a: (a.date, a.start_minute),
        )
        return cls(schedule, user.default_schedule_id == schedule.id, weekly, overrides)


def _check_window(start: int, end: int, where: str, *, allow_empty: bool = False) -> None:
    if allow_empty and start == end == 0:
        return
    if not (0 <= start < end <= 1440):
        raise BadRequest(f"{where}: startTime must be before endTime")


def _rows(
    weekly: tuple[WeeklyRule, ...], overrides: tuple[OverrideRule, ...]
) -> list[Availability]:
    rows = []
    for rule in weekly:
        _check_window(rule.start_minute, rule.end_minute, "availability")
        if not rule.days or any(d not in range(7) for d in rule.days):
            raise BadRequest("availability: days must be weekdays (0 = Sunday ... 6 = Saturday)")
        rows.append(
            Availability(
                days=sorted(set(rule.days)),
                start_minute=rule.start_minute,
                end_minute=rule.end_minute,
            )
        )
    for override in overrides:
        _check_window(override.start_minute, override.end_minute, "overrides", allow_empty=True)
        rows.append(
            Availability(
                days=[],
                date=override.date,
                start_minute=override.start_minute,
                end_minute=override.end_minute,
            )
        )
    return rows


async def _lock_user(session: AsyncSession, user_id: int) -> User:
    # Row lock so two concurrent "make this the default" calls serialise on PostgreSQL.
    user = (
        await session.execute(select(User).where(User.id == user_id).with_for_update())
    ).scalar_one()
    return user


async def create_schedule(db: Database, user_id: int, spec: ScheduleSpec) -> OwnedSchedule:
    # Immediate: whether it becomes the default depends on the user row read first.
    async with db.transaction() as session:
        return await create_schedule_in(session, user_id, spec)


async def create_schedule_in(
    session: AsyncSession, user_id: int, spec: ScheduleSpec
) -> OwnedSchedule:
    """``create_schedule`` inside a caller's transaction (a new user's first schedule)."""
    check_zone(spec.time_zone)
    user = await _lock_user(session, user_id)
    weekly = DEFAULT_WEEKLY if spec.weekly is None else spec.weekly
    schedule = Schedule(
        user_id=user.id,
        name=spec.name,
        time_zone=spec.time_zone,
        availability=_rows(weekly, spec.overrides),
    )
    session.add(schedule)
    await session.flush()
    if spec.is_default or user.default_schedule_id is None:
        user.default_schedule_id = schedule.id
    await session.flush()
    return OwnedSchedule.of(schedule, user)


async def list_schedules(db: Database, user_id: int) -> list[OwnedSchedule]:
    async with db.session() as session:
        user = await session.get(User, user_id)
        if user is None:
            return []
        schedules = (
            await session.execute(
                select(Schedule).where(Schedule.user_id == user_id).order_by(Schedule.id)
            )
        ).scalars()
        return [OwnedSchedule.of(s, user) for s in schedules]


async def _owned(session: AsyncSession, user_id: int, schedule_id: int) -> Schedule:
    schedule = (
        await session.execute(
            select(Schedule).where(Schedule.id == schedule_id, Schedule.user_id == user_id)
        )
    ).scalar_one_or_none()
    if schedule is None:
        raise NotFound(f"Schedule with id={schedule_id} not found")
    return schedule


async def get_schedule(db: Database, user_id: int, schedule_id: int) -> OwnedSchedule:
    async with db.session() as session:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound(f"Schedule with id={schedule_id} not found")
        return OwnedSchedule.of(await _owned(session, user_id, schedule_id), user)


async def get_default_schedule(db: Database, user_id: int) -> OwnedSchedule | None:
    async with db.session() as session:
        user = await session.get(User, user_id)
        if user is None or user.default_schedule_id is None:
            return None
        return OwnedSchedule.of(await _owned(session, user_id, user.default_schedule_id), user)


async def update_schedule(
    db: Database, user_id: int, schedule_id: int, patch: SchedulePatch
) -> OwnedSchedule:
    async with db.transaction() as session:
        return await _update(session, user_id, schedule_id, patch)


async def _update(
    session: AsyncSession, user_id: int, schedule_id: int, patch: SchedulePatch
) -> OwnedSchedule:
    user = await _lock_user(session, user_id)
    schedule = await _owned(session, user_id, schedule_id)
    if patch.name is not None:
        schedule.name = patch.name
    if patch.time_zone is not None:
        schedule.time_zone = check_zone(patch.time_zone)
    if patch.weekly is not None or patch.overrides is not None:
        current = OwnedSchedule.of(schedule, user)
        weekly = patch.weekly
        if weekly is None:
            weekly = tuple(
                WeeklyRule(tuple(a.days), a.start_minute, a.end_minute) for a in current.weekly
            )
        overrides = patch.overrides
        if overrides is None:
            overrides = tuple(
                OverrideRule(a.date, a.start_minute, a.end_minute)
                for a in current.overrides
                if a.date is not None
            )
        schedule.availability = _rows(weekly, overrides)
    if patch.is_default is True:
        user.default_schedule_id = schedule.id
    elif patch.is_default is False and user.default_schedule_id == schedule.id:
        raise BadRequest(
            "Cannot unset the default schedule; make another schedule the default instead"
        )
    await session.flush()
    await session.refresh(schedule, ["availability"])
    return OwnedSchedule.of(schedule, user)


async def delete_schedule(db: Database, user_id: int, schedule_id: int) -> None:
    async with db.transaction() as session:
        await _delete(session, user_id, schedule_id)


async def _delete(session: AsyncSession, user_id: int, schedule_id: int) -> None:
    user = await _lock_user(session, user_id)
    schedule = await _owned(session, user_id, schedule_id)
    if user.default_schedule_id == schedule.id:
        raise BadRequest(
            "Cannot delete the default schedule; make another schedule the default first"
        )
    await session.delete(schedule)
    await session.flush()
