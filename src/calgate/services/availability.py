"""Gathers what the availability engine needs for an event type's hosts from the store.

The engine (calgate.core) is pure; this module is the one place that turns rows into its
inputs, so slot queries and booking checks always see the same busy time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core import (
    DateOverride,
    EventRules,
    ExistingBooking,
    HostAvailability,
    Interval,
    Period,
    WeeklyWindow,
)
from calgate.core import Schedule as CoreSchedule
from calgate.store.models import (
    Attendee,
    Availability,
    Booking,
    EventType,
    Host,
    Schedule,
    SlotReservation,
    User,
)
from calgate.store.types import RawTime, utc_from_raw

BLOCKING_STATUSES = ("accepted", "pending")
# Buffers are capped at a day each, so busy time further than this from the range can't matter.
MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class HostContext:
    host: Host
    user: User
    # The host's working hours as the engine reads them (empty, in the user's zone, if none).
    schedule: CoreSchedule


def rules_for(et: EventType, week_start: str = "Sunday") -> EventRules:
    return EventRules(
        length=et.length,
        slot_interval=et.slot_interval,
        minimum_booking_notice=et.minimum_booking_notice,
        before_buffer=et.before_event_buffer,
        after_buffer=et.after_event_buffer,
        period=Period(
            kind=et.period_type,
            days=et.period_days,
            # Cal.com counts calendar days unless told otherwise.
            calendar_days=et.period_count_calendar_days is not False,
            start_date=et.period_start_date,
            end_date=et.period_end_date,
        ),
        booking_limits=dict(et.booking_limits or {}),
        duration_limits=dict(et.duration_limits or {}),
        only_show_first_available_slot=et.only_show_first_available_slot,
        seats_per_slot=et.seats_per_time_slot,
        week_start=week_start,
        event_type_id=et.id,
    )


def mode_for(et: EventType) -> str:
    if et.scheduling_type == "ROUND_ROBIN":
        return "round_robin"
    if et.scheduling_type == "COLLECTIVE":
        return "collective"
    return "single"


async def _core_schedules(
    session: AsyncSession, schedule_ids: set[int]
) -> dict[int, tuple[int, CoreSchedule]]:
    """{schedule id: (owner id, working hours)}, read as plain rows: every slot query and
    booking check needs them, and ORM objects for dozens of windows cost more than the query."""
    if not schedule_ids:
        return {}
    conn = await session.connection()
    heads = (
        await conn.execute(
            select(Schedule.id, Schedule.user_id, Schedule.time_zone).where(
                Schedule.id.in_(schedule_ids)
            )
        )
    ).all()
    weekly: dict[int, list[WeeklyWindow]] = {h[0]: [] for h in heads}
    overrides: dict[int, list[DateOverride]] = {h[0]: [] for h in heads}
    rows = await conn.execute(
        select(
            Availability.schedule_id,
            Availability.days,
            Availability.start_minute,
            Availability.end_minute,
            Availability.date,
        )
        .where(Availability.schedule_id.in_(list(weekly)))
        .order_by(Availability.id)
    )
    for sid, days, start, end, day in rows:
        if day is None:
            weekly[sid].append(WeeklyWindow(frozenset(days or ()), start, end))
        else:
            overrides[sid].append(DateOverride(day, start, end))
    return {
        sid: (owner, CoreSchedule(tz, tuple(weekly[sid]), tuple(overrides[sid])))
        for sid, owner, tz in heads
    }


async def host_contexts(session: AsyncSession, et: EventType) -> list[HostContext]:
    user_ids = [h.user_id for h in et.hosts]
    users = {
        u.id: u
        for u in (await session.execute(select(User).where(User.id.in_(user_ids)))).scalars()
    }
    # Each host's chosen schedule, and their own default in case the chosen one isn't theirs.
    wanted: set[int] = set()
    for h in et.hosts:
        user = users[h.user_id]
        for sid in (h.schedule_id or et.schedule_id, user.default_schedule_id):
            if sid is not None:
                wanted.add(sid)
    schedules = await _core_schedules(session, wanted)
    contexts = []
    for host in et.hosts:
        user = users[host.user_id]
        chosen = schedules.get(host.schedule_id or et.schedule_id or user.default_schedule_id or 0)
        # An event-type schedule that belongs to someone else (team event types) falls back to
        # the host's own default, so one host's hours never leak onto another.
        if chosen is not None and chosen[0] != user.id:
            chosen = schedules.get(user.default_schedule_id or 0)
        hours = chosen[1] if chosen is not None else CoreSchedule(user.time_zone, (), ())
        contexts.append(HostContext(host, user, hours))
    return contexts


def _limit_window(et: EventType, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    keys = set(et.booking_limits or {}) | set(et.duration_limits or {})
    if not keys:
        return start - MARGIN, end + MARGIN
    # Period limits need every booking in the periods the range touches.
    span = {"PER_DAY": 2, "PER_WEEK": 8, "PER_MONTH": 32, "PER_YEAR": 367}
    days = max(span.get(k, 2) for k in keys)
    return start - timedelta(days=days), end + timedelta(days=days)


async def load_hosts(
    session: AsyncSession,
    et: EventType,
    contexts: Sequence[HostContext],
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    holder: str | None = None,
    reservation_uid: str | None = None,
    ignore_booking_uid: str | None = None,
) -> list[HostAvailability]:
    """Busy time and schedules of each host over [start, end) (plus what buffers and limits need).

    Reservations made by ``holder`` (the caller's identity) or the one named by
    ``reservation_uid`` don't hide slots: a reservation only keeps *others* away.
    ``ignore_booking_uid`` is the booking being rescheduled, which must not block its own new
    time.
    """
    lo, hi = _limit_window(et, start, end)
    user_ids = [c.user.id for c in contexts]
    # Core statements on the session's connection: this runs on every slot query, and ORM
    # result processing would cost more than the query itself.
    conn = await session.connection()
    in_range = (
        Booking.user_id.in_(user_ids),
        Booking.status.in_(BLOCKING_STATUSES),
        Booking.start_time < hi,
        Booking.end_time > lo,
    )
    booking_rows = (
        await conn.execute(
            select(
                Booking.user_id,
                Booking.uid,
                type_coerce(Booking.start_time, RawTime()),
                type_coerce(Booking.end_time, RawTime()),
                Booking.event_type_id,
                EventType.before_event_buffer,
                EventType.after_event_buffer,
            )
            .outerjoin(EventType, EventType.id == Booking.event_type_id)
            .where(*in_range)
        )
    ).all()
    # Attendee counts only matter for seats, i.e. for this seated event type's own bookings.
    seats_taken: dict[str, int] = {}
    if et.seats_per_time_slot:
        seat_rows = await conn.execute(
            select(Booking.uid, func.count(Attendee.id))
            .join(Attendee, Attendee.booking_id == Booking.id)
            .where(*in_range, Booking.event_type_id == et.id)
            .group_by(Booking.uid)
        )
        seats_taken = {row[0]: int(row[1]) for row in seat_rows}
    reservation_rows = (
        await conn.execute(
            select(SlotReservation.user_id, SlotReservation.slot_start, SlotReservation.slot_end)
            .join(EventType, EventType.id == SlotReservation.event_type_id)
            .where(
                SlotReservation.expires_at > now,
                SlotReservation.slot_start < end + MARGIN,
                SlotReservation.slot_end > start - MARGIN,
                or_(
                    SlotReservation.user_id.in_(user_ids),
                    and_(SlotReservation.user_id.is_(None), EventType.id == et.id),
                ),
                *_not_mine(holder, reservation_uid),
            )
        )
    ).all()
    hosts = []
    for ctx in contexts:
        uid = ctx.user.id
        # Positional: (start, end, before_buffer, after_buffer, uid, event_type_id, attendees).
        bookings = tuple(
            ExistingBooking(
                utc_from_raw(row[2]),
                utc_from_raw(row[3]),
                row[5] or 0,
                row[6] or 0,
                row[1],
                row[4],
                seats_taken.get(row[1], 1),
            )
            for row in booking_rows
            if row[0] == uid and row[1] != ignore_booking_uid
        )
        busy = tuple(
            Interval(row[1], row[2]) for row in reservation_rows if row[0] == uid or row[0] is None
        )
        hosts.append(
            HostAvailability(
                host_id=uid,
                schedule=ctx.schedule,
                bookings=bookings,
                busy=busy,
            )
        )
    return hosts


def _not_mine(holder: str | None, reservation_uid: str | None) -> list[Any]:
    clauses: list[Any] = []
    if holder:
        clauses.append(or_(SlotReservation.holder.is_(None), SlotReservation.holder != holder))
    if reservation_uid:
        clauses.append(SlotReservation.uid != reservation_uid)
    return clauses
