"""Slot queries and reservations (Cal.com's "selected slots")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core import Slot, check_booking, compute_slots
from calgate.errors import BadRequest, NotFound
from calgate.services.availability import (
    SchedulingSpec,
    host_contexts,
    length_for,
    load_hosts,
    mode_for,
    rules_for,
    scheduling_spec,
    week_start_of,
)
from calgate.store.db import Database
from calgate.store.models import SlotReservation, utcnow

DEFAULT_RESERVATION_MINUTES = 5
MAX_RANGE = timedelta(days=366)


@dataclass(frozen=True)
class SlotQuery:
    event_type_id: int | None = None
    username: str | None = None
    event_type_slug: str | None = None
    duration: int | None = None
    holder: str | None = None
    reschedule_uid: str | None = None


async def resolve_event_type(session: AsyncSession, query: SlotQuery) -> SchedulingSpec:
    return await scheduling_spec(
        session,
        event_type_id=query.event_type_id,
        username=query.username,
        slug=query.event_type_slug,
    )


async def available_slots(
    db: Database, query: SlotQuery, start: datetime, end: datetime, *, now: datetime | None = None
) -> tuple[SchedulingSpec, list[Slot]]:
    now = now or utcnow()
    if end <= start:
        raise BadRequest("end must be after start")
    if end - start > MAX_RANGE:
        raise BadRequest("The requested range may span at most 366 days")
    async with db.session() as session:
        et = await resolve_event_type(session, query)
        length = length_for(et, query.duration)
        contexts = await host_contexts(session, et)
        hosts = await load_hosts(
            session,
            et,
            contexts,
            start,
            end,
            now,
            holder=query.holder,
            ignore_booking_uid=query.reschedule_uid,
        )
    slots = compute_slots(
        rules_for(et, week_start_of(contexts)), hosts, mode_for(et), start, end, now, length=length
    )
    return et, slots


@dataclass(frozen=True)
class Reservation:
    record: SlotReservation
    duration: int
    reservation_minutes: int


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
    async with db.transaction(immediate=True) as session:
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
        return Reservation(record, slot.length, reservation_minutes)


@dataclass(frozen=True)
class _CheckedSlot:
    event_type_id: int
    length: int
    end: datetime
    # Whose time a hold blocks: the host of a one-host event type; none for team event types,
    # where the hold blocks the event type itself.
    held_user_id: int | None


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
    et = await scheduling_spec(session, event_type_id=event_type_id)
    length = length_for(et, duration)
    contexts = await host_contexts(session, et)
    end = slot_start + timedelta(minutes=length)
    hosts = await load_hosts(
        session, et, contexts, slot_start, end, now, holder=holder, reservation_uid=reservation_uid
    )
    decision = check_booking(
        rules_for(et, week_start_of(contexts)), hosts, mode_for(et), slot_start, now, length=length
    )
    if not decision.ok:
        raise BadRequest(decision.message, {"reason": decision.reason})
    held = contexts[0].user_id if len(contexts) == 1 else None
    return _CheckedSlot(et.id, length, end, held)


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
    async with db.transaction(immediate=True) as session:
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
        return Reservation(record, slot.length, reservation_minutes)


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
