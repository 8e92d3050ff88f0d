"""Event types: each use case opens its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import BadRequest, Conflict, NotFound
from calgate.services import users
from calgate.services.unset import UNSET, Unset, sent
from calgate.services.verified_resources import check_reply_to
from calgate.store.db import Database
from calgate.store.models import EventType, Host, Schedule, User

DEFAULT_LOCATIONS: list[dict[str, Any]] = [{"type": "integrations:daily"}]


@dataclass(frozen=True)
class EventTypeChanges:
    """The attributes a client may set; the API layer translates its wire fields into these."""

    title: str | Unset = UNSET
    slug: str | Unset = UNSET
    description: str | Unset | None = UNSET
    length: int | Unset = UNSET
    hidden: bool | Unset = UNSET
    position: int | Unset = UNSET
    locations: list[dict[str, Any]] | Unset = UNSET
    booking_fields: list[dict[str, Any]] | Unset = UNSET
    schedule_id: int | Unset | None = UNSET
    minimum_booking_notice: int | Unset = UNSET
    before_event_buffer: int | Unset = UNSET
    after_event_buffer: int | Unset = UNSET
    slot_interval: int | Unset | None = UNSET
    period_type: str | Unset = UNSET
    period_days: int | Unset | None = UNSET
    period_count_calendar_days: bool | Unset | None = UNSET
    period_start_date: date | Unset | None = UNSET
    period_end_date: date | Unset | None = UNSET
    booking_limits: dict[str, int] | Unset | None = UNSET
    duration_limits: dict[str, int] | Unset | None = UNSET
    only_show_first_available_slot: bool | Unset = UNSET
    requires_confirmation: bool | Unset = UNSET
    seats_per_time_slot: int | Unset | None = UNSET
    seats_show_attendees: bool | Unset = UNSET
    seats_show_availability_count: bool | Unset = UNSET
    lock_time_zone_toggle: bool | Unset = UNSET
    metadata_: dict[str, Any] | Unset = UNSET
    # Merged into the stored settings, so a PATCH of one presentation setting keeps the others.
    settings: dict[str, Any] | Unset = UNSET


async def owned_event_type(session: AsyncSession, owner_id: int, event_type_id: int) -> EventType:
    """The event type if ``owner_id`` owns it; anyone else's is reported as not found."""
    event_type = (
        await session.execute(
            select(EventType).where(EventType.id == event_type_id, EventType.owner_id == owner_id)
        )
    ).scalar_one_or_none()
    if event_type is None:
        raise NotFound(f"Event type with id={event_type_id} not found")
    return event_type


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


def new_event_type(**whose: Any) -> EventType:
    """A new event type with Cal.com's defaults, a user's or a team's: `whose` are its owner's
    columns (and the team's scheduling type and settings)."""
    return EventType(
        **whose,
        locations=list(DEFAULT_LOCATIONS),
        booking_fields=[],
        metadata_={},
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


async def _check_slug_free(
    session: AsyncSession, owner_id: int, slug: str, exclude_id: int | None = None
) -> None:
    query = select(EventType.id).where(EventType.owner_id == owner_id, EventType.slug == slug)
    if exclude_id is not None:
        query = query.where(EventType.id != exclude_id)
    if (await session.execute(query)).first():
        raise Conflict(f"An event type with slug '{slug}' already exists for this user")


def _apply(event_type: EventType, changes: EventTypeChanges) -> None:
    for key, value in sent(changes).items():
        if key == "settings":
            event_type.settings = {**(event_type.settings or {}), **value}
        else:
            setattr(event_type, key, value)
    if not 1 <= event_type.length <= 1440:
        raise BadRequest("length: must be between 1 and 1440 minutes")
    if event_type.seats_per_time_slot is not None and event_type.seats_per_time_slot < 1:
        raise BadRequest("seatsPerTimeSlot: must be at least 1")


async def create_event_type(db: Database, owner: User, changes: EventTypeChanges) -> EventType:
    # Immediate: the slug check reads what the insert then relies on.
    async with db.transaction() as session:
        return await create_event_type_in(session, owner, changes)


async def create_event_type_in(
    session: AsyncSession, owner: User, changes: EventTypeChanges
) -> EventType:
    """``create_event_type`` inside a caller's transaction (seeding a user with event types)."""
    if isinstance(changes.slug, Unset):
        raise BadRequest("slug: required")
    if not isinstance(changes.schedule_id, Unset):
        await _check_schedule(session, owner.id, changes.schedule_id)
    await _check_slug_free(session, owner.id, changes.slug)
    await check_reply_to(session, owner.id, None, changes.settings)
    event_type = new_event_type(owner_id=owner.id, settings={})
    _apply(event_type, changes)
    # A personal event type is a one-host event type: the owner hosts it.
    event_type.hosts = [Host(user_id=owner.id, is_fixed=True)]
    session.add(event_type)
    try:
        await session.flush()
    except IntegrityError as exc:  # lost a race for the slug (PostgreSQL)
        raise Conflict(f"An event type with slug '{changes.slug}' already exists") from exc
    return event_type


async def _list(session: AsyncSession, owner_id: int) -> list[EventType]:
    result = await session.execute(
        select(EventType)
        .where(EventType.owner_id == owner_id)
        .order_by(EventType.position.desc(), EventType.id)
    )
    return list(result.scalars())


async def list_event_types(db: Database, owner: User, slug: str | None = None) -> list[EventType]:
    async with db.session() as session:
        return [e for e in await _list(session, owner.id) if slug is None or e.slug == slug]


async def list_public_event_types(
    db: Database, username: str, slug: str | None = None
) -> tuple[User, list[EventType]]:
    """A user's event types as anyone may see them (hidden ones left out)."""
    async with db.session() as session:
        owner = await users.get_by_username(session, username)
        if owner is None:
            raise NotFound(f"User with username={username} not found")
        shown = [e for e in await _list(session, owner.id) if not e.hidden]
        return owner, [e for e in shown if slug is None or e.slug == slug]


async def bookable_event_type(db: Database, username: str, slug: str) -> tuple[User, EventType]:
    """The owner and event type behind a booking page URL; hidden ones too (hidden only keeps
    an event type off the profile listing, as on Cal.com)."""
    async with db.session() as session:
        owner = await users.get_by_username(session, username)
        if owner is None:
            raise NotFound(f"User with username={username} not found")
        found = [e for e in await _list(session, owner.id) if e.slug == slug]
        if not found:
            raise NotFound(f"Event type '{slug}' of user '{username}' not found")
        return owner, found[0]


async def get_event_type(db: Database, owner_id: int, event_type_id: int) -> EventType:
    async with db.session() as session:
        return await owned_event_type(session, owner_id, event_type_id)


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
    db: Database, owner_id: int, event_type_id: int, changes: EventTypeChanges
) -> EventType:
    async with db.transaction() as session:
        event_type = await owned_event_type(session, owner_id, event_type_id)
        if not isinstance(changes.schedule_id, Unset):
            await _check_schedule(session, owner_id, changes.schedule_id)
        if not isinstance(changes.slug, Unset) and changes.slug != event_type.slug:
            await _check_slug_free(session, owner_id, changes.slug, exclude_id=event_type.id)
        await check_reply_to(session, owner_id, None, changes.settings)
        _apply(event_type, changes)
        try:
            await session.flush()
        except IntegrityError as exc:
            raise Conflict("An event type with that slug already exists") from exc
        return event_type


async def delete_event_type(db: Database, owner_id: int, event_type_id: int) -> EventType:
    async with db.transaction() as session:
        event_type = await owned_event_type(session, owner_id, event_type_id)
        await session.delete(event_type)
        await session.flush()
        return event_type


def apply_changes(event_type: EventType, changes: EventTypeChanges) -> None:
    """Apply a change set to an event type (team event types share the rules)."""
    _apply(event_type, changes)
