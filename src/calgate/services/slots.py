"""Slot queries and reservations (Cal.com's "selected slots")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core import Explanation, Slot
from calgate.errors import BadRequest, NotFound
from calgate.services.availability import EventTypeAvailability, EventTypeRef
from calgate.store.db import Database
from calgate.store.models import SlotReservation, utcnow

DEFAULT_RESERVATION_MINUTES = 5
MAX_RANGE = timedelta(days=366)
# The most candidate starts one anonymous slot query may make the engine weigh (about half a
# second of work): a year of 15-minute slots, or about four weeks of 1-minute ones.
ANONYMOUS_MAX_STARTS = 40_000


@dataclass(frozen=True)
class SlotQuery:
    event_type: EventTypeRef
    duration: int | None = None
    holder: str | None = None
    reschedule_uid: str | None = None
    # A bound on the engine's work for this caller (ANONYMOUS_MAX_STARTS for anonymous ones).
    max_starts: int | None = None
    # The zone slot starts are rounded in (the request's timeZone); None: the host's.
    booker_time_zone: str | None = None


@dataclass(frozen=True)
class AvailableSlots:
    slots: list[Slot]
    # Seated event types show how many seats each slot has taken.
    seated: bool
    # Hosts' calendars answered from cache (EventTypeAvailability.warnings).
    warnings: list[dict[str, Any]] = field(default_factory=list)


async def available_slots(
    db: Database, query: SlotQuery, start: datetime, end: datetime, *, now: datetime | None = None
) -> AvailableSlots:
    now = now or utcnow()
    if end <= start:
        raise BadRequest("end must be after start")
    if end - start > MAX_RANGE:
        raise BadRequest("The requested range may span at most 366 days")
    async with db.session() as session:
        availability = await EventTypeAvailability.load(
            session, query.event_type, duration=query.duration
        )
        if query.max_starts is not None:
            _check_work(availability, start, end, query.max_starts)
        found = await availability.slots(
            start,
            end,
            now,
            holder=query.holder,
            reschedule_uid=query.reschedule_uid,
            booker_time_zone=query.booker_time_zone,
        )
    return AvailableSlots(
        found, seated=bool(availability.spec.seats_per_time_slot), warnings=availability.warnings
    )


def _check_work(
    availability: EventTypeAvailability, start: datetime, end: datetime, limit: int
) -> None:
    starts = availability.starts_between(start, end)
    if starts > limit:
        hours = max(1, int((end - start).total_seconds() // 3600) * limit // starts)
        raise BadRequest(
            "This range holds too many possible slots of this event type for one "
            f"unauthenticated request: ask for at most {hours} hours at a time",
            {"reason": "range_too_large"},
        )


@dataclass(frozen=True)
class Reservation:
    record: SlotReservation
    duration: int
    reservation_minutes: int
    # The slot was checked on a host calendar's cached busy time (as AvailableSlots.warnings).
    warnings: list[dict[str, Any]] = field(default_factory=list)


async def reserve(
    db: Database,
    event_type_id: int,
    slot_start: datetime,
    *,
    duration: int | None = None,
    reservation_minutes: int = DEFAULT_RESERVATION_MINUTES,
    holder: str | None = None,
    now: datetime | None = None,
) -> Reservation:
    now = now or utcnow()
    async with db.transaction() as session:
        slot = await _check_slot(session, event_type_id, slot_start, duration, now, holder)
        record = SlotReservation(
            uid=str(uuid.uuid4()),
            event_type_id=slot.event_type_id,
            user_id=slot.held_user_id,
            slot_start=slot_start,
            slot_end=slot.end,
            expires_at=now + timedelta(minutes=reservation_minutes),
            holder=holder,
            created_at=now,
        )
        session.add(record)
        await session.flush()
        return Reservation(record, slot.length, reservation_minutes, slot.warnings)


@dataclass(frozen=True)
class _CheckedSlot:
    event_type_id: int
    length: int
    end: datetime
    # Whose time a hold blocks: the host of a one-host event type; none for team event types,
    # where the hold blocks the event type itself.
    held_user_id: int | None
    warnings: list[dict[str, Any]]


async def _check_slot(
    session: AsyncSession,
    event_type_id: int,
    slot_start: datetime,
    duration: int | None,
    now: datetime,
    holder: str | None,
    reservation_uid: str | None = None,
) -> _CheckedSlot:
    """A slot to hold, checked as a booking of it would be (the caller holds the write lock);
    ``reservation_uid`` is the caller's own reservation, which must not block its move."""
    availability = await EventTypeAvailability.load(
        session, EventTypeRef(id=event_type_id), duration=duration
    )
    # Refused with the explanation's reasons beside Cal.com's message and reason.
    await availability.require(slot_start, now, holder=holder, reservation_uid=reservation_uid)
    users = availability.user_ids
    return _CheckedSlot(
        availability.event_type_id,
        availability.length,
        slot_start + timedelta(minutes=availability.length),
        users[0] if len(users) == 1 else None,
        availability.warnings,
    )


async def get_reservation(db: Database, uid: str, *, now: datetime | None = None) -> Reservation:
    now = now or utcnow()
    async with db.session() as session:
        record = await _reservation(session, uid, now)
        return _as_reservation(record)


def _as_reservation(record: SlotReservation) -> Reservation:
    duration = int((record.slot_end - record.slot_start).total_seconds() // 60)
    minutes = max(0, round((record.expires_at - record.created_at).total_seconds() / 60))
    return Reservation(record, duration, minutes)


async def _reservation(session: AsyncSession, uid: str, now: datetime) -> SlotReservation:
    record = (
        await session.execute(select(SlotReservation).where(SlotReservation.uid == uid))
    ).scalar_one_or_none()
    if record is None or record.expires_at <= now:
        raise NotFound(f"Reserved slot with uid={uid} not found")
    return record


async def update_reservation(
    db: Database,
    uid: str,
    event_type_id: int,
    slot_start: datetime,
    *,
    duration: int | None = None,
    reservation_minutes: int = DEFAULT_RESERVATION_MINUTES,
    holder: str | None = None,
    now: datetime | None = None,
) -> Reservation:
    now = now or utcnow()
    async with db.transaction() as session:
        record = await _reservation(session, uid, now)
        slot = await _check_slot(
            session, event_type_id, slot_start, duration, now, holder, reservation_uid=uid
        )
        record.event_type_id = slot.event_type_id
        record.user_id = slot.held_user_id
        record.slot_start = slot_start
        record.slot_end = slot.end
        record.created_at = now
        record.expires_at = now + timedelta(minutes=reservation_minutes)
        await session.flush()
        return Reservation(record, slot.length, reservation_minutes, slot.warnings)


async def delete_reservation(db: Database, uid: str) -> None:
    async with db.transaction() as session:
        result = await session.execute(delete(SlotReservation).where(SlotReservation.uid == uid))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound(f"Reserved slot with uid={uid} not found")


async def purge_expired(db: Database, *, now: datetime | None = None) -> int:
    async with db.transaction() as session:
        result = await session.execute(
            delete(SlotReservation).where(SlotReservation.expires_at <= (now or utcnow()))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ExplainQuery:
    event_type: EventTypeRef
    start: datetime
    length: int | None = None
    holder: str | None = None
    # The zone the booker asked in: the grid's clock (None: the host's) and the messages'.
    booker_time_zone: str | None = None


@dataclass(frozen=True)
class ExplainedStart:
    explanation: Explanation
    # {host user id: name}, for the sentences; ``reveal``: the caller is a host, who may see
    # the bookings that block (anyone else sees "busy").
    names: dict[int, str]
    reveal: bool
    warnings: list[dict[str, Any]] = field(default_factory=list)


async def explain_start(
    db: Database, query: ExplainQuery, *, now: datetime | None = None
) -> ExplainedStart:
    """Why ``query.start`` is (not) bookable, from the same data a booking would be checked on."""
    now = now or utcnow()
    async with db.session() as session:
        availability = await EventTypeAvailability.load(
            session, query.event_type, duration=query.length, duration_field="lengthInMinutes"
        )
        if not availability.hosts:
            raise BadRequest("This event type has no hosts")
        explanation = await availability.explain(
            query.start,
            now,
            holder=query.holder,
            booker_time_zone=query.booker_time_zone,
            day_time_zone=query.booker_time_zone or "UTC",
        )
        return ExplainedStart(
            explanation,
            availability.host_names(),
            reveal=await availability.sees_all(query.holder),
            warnings=availability.warnings,
        )
