from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import BadRequest, Conflict, NotFound
from calgate.store.models import EventType, Host, Schedule, User

DEFAULT_LOCATIONS: list[dict[str, Any]] = [{"type": "integrations:daily"}]

# Attributes a client may set; the API layer translates its wire fields into these names.
WRITABLE = frozenset(
    {
        "title",
        "slug",
        "description",
        "length",
        "hidden",
        "position",
        "locations",
        "booking_fields",
        "schedule_id",
        "minimum_booking_notice",
        "before_event_buffer",
        "after_event_buffer",
        "slot_interval",
        "period_type",
        "period_days",
        "period_count_calendar_days",
        "period_start_date",
        "period_end_date",
        "booking_limits",
        "duration_limits",
        "only_show_first_available_slot",
        "requires_confirmation",
        "seats_per_time_slot",
        "seats_show_attendees",
        "seats_show_availability_count",
        "lock_time_zone_toggle",
        "metadata_",
        "settings",
    }
)


async def _check_schedule(session: AsyncSession, user_id: int, schedule_id: int | None) -> None:
    if schedule_id is None:
        return
    owned = (
        await session.execute(
            select(Schedule.id).where(Schedule.id == schedule_id, Schedule.user_id == user_id)
        )
    ).first()
    if not owned:
        raise BadRequest(f"scheduleId: schedule {schedule_id} does not exist or is not yours")


async def _check_slug_free(
    session: AsyncSession, owner_id: int, slug: str, exclude_id: int | None = None
) -> None:
    query = select(EventType.id).where(EventType.owner_id == owner_id, EventType.slug == slug)
    if exclude_id is not None:
        query = query.where(EventType.id != exclude_id)
    if (await session.execute(query)).first():
        raise Conflict(f"An event type with slug '{slug}' already exists for this user")


def _apply(event_type: EventType, values: dict[str, Any]) -> None:
    unknown = set(values) - WRITABLE
    if unknown:
        raise ValueError(f"not writable: {sorted(unknown)}")
    for key, value in values.items():
        if key == "settings":
            # Merge, so a PATCH of one presentation setting keeps the others.
            event_type.settings = {**(event_type.settings or {}), **value}
        else:
            setattr(event_type, key, value)
    if not 1 <= event_type.length <= 1440:
        raise BadRequest("length: must be between 1 and 1440 minutes")
    if event_type.seats_per_time_slot is not None and event_type.seats_per_time_slot < 1:
        raise BadRequest("seatsPerTimeSlot: must be at least 1")


async def create_event_type(
    session: AsyncSession, owner: User, values: dict[str, Any]
) -> EventType:
    await _check_schedule(session, owner.id, values.get("schedule_id"))
    await _check_slug_free(session, owner.id, values["slug"])
    event_type = EventType(
        owner_id=owner.id,
        locations=list(DEFAULT_LOCATIONS),
        booking_fields=[],
        metadata_={},
        settings={},
        hidden=False,
        minimum_booking_notice=120,
        before_event_buffer=0,
        after_event_buffer=0,
        period_type="UNLIMITED",
        only_show_first_available_slot=False,
        requires_confirmation=False,
        seats_show_attendees=False,
        seats_show_availability_count=True,
        lock_time_zone_toggle=False,
        position=0,
    )
    _apply(event_type, values)
    # A personal event type is a one-host event type: the owner hosts it.
    event_type.hosts = [Host(user_id=owner.id, is_fixed=True)]
    session.add(event_type)
    try:
        await session.flush()
    except IntegrityError as exc:  # lost a race for the slug
        raise Conflict(f"An event type with slug '{values['slug']}' already exists") from exc
    return event_type


async def list_event_types(session: AsyncSession, owner_id: int) -> list[EventType]:
    result = await session.execute(
        select(EventType)
        .where(EventType.owner_id == owner_id)
        .order_by(EventType.position.desc(), EventType.id)
    )
    return list(result.scalars())


async def get_event_type(session: AsyncSession, owner_id: int, event_type_id: int) -> EventType:
    event_type = (
        await session.execute(
            select(EventType).where(EventType.id == event_type_id, EventType.owner_id == owner_id)
        )
    ).scalar_one_or_none()
    if event_type is None:
        raise NotFound(f"Event type with id={event_type_id} not found")
    return event_type


async def get_public_event_type(session: AsyncSession, event_type_id: int) -> EventType:
    event_type = await session.get(EventType, event_type_id)
    if event_type is None:
        raise NotFound(f"Event type with id={event_type_id} not found")
    return event_type


async def find_by_slug(session: AsyncSession, username: str, slug: str) -> EventType:
    event_type = (
        await session.execute(
            select(EventType)
            .join(User, User.id == EventType.owner_id)
            .where(User.username == username, EventType.slug == slug)
        )
    ).scalar_one_or_none()
    if event_type is None:
        raise NotFound(f"Event type '{slug}' of user '{username}' not found")
    return event_type


async def update_event_type(
    session: AsyncSession, owner_id: int, event_type_id: int, values: dict[str, Any]
) -> EventType:
    event_type = await get_event_type(session, owner_id, event_type_id)
    if "schedule_id" in values:
        await _check_schedule(session, owner_id, values["schedule_id"])
    if "slug" in values and values["slug"] != event_type.slug:
        await _check_slug_free(session, owner_id, values["slug"], exclude_id=event_type.id)
    _apply(event_type, values)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("An event type with that slug already exists") from exc
    return event_type


async def delete_event_type(session: AsyncSession, owner_id: int, event_type_id: int) -> EventType:
    event_type = await get_event_type(session, owner_id, event_type_id)
    await session.delete(event_type)
    await session.flush()
    return event_type
