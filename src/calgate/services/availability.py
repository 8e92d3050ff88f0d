"""Gathers what the availability engine needs for an event type's hosts from the store.

The engine (calgate.core) is pure; this module is the one place that turns rows into its
inputs, so slot queries and booking checks always see the same busy time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

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
from calgate.errors import BadRequest, NotFound
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
class HostRef:
    """One host of an event type, with what availability needs of their user row."""

    id: int
    user_id: int
    schedule_id: int | None
    priority: int
    time_zone: str
    week_start: str
    default_schedule_id: int | None


@dataclass(frozen=True)
class SchedulingSpec:
    """What slot queries and booking checks need of an event type, read as plain rows.

    Field names follow the EventType model. Every slot query reads this, and loading the ORM
    object (plus its hosts relationship and their users) cost more than the engine itself.
    """

    id: int
    length: int
    slot_interval: int | None
    minimum_booking_notice: int
    before_event_buffer: int
    after_event_buffer: int
    period_type: str
    period_days: int | None
    period_count_calendar_days: bool | None
    period_start_date: date | None
    period_end_date: date | None
    booking_limits: dict[str, int] | None
    duration_limits: dict[str, int] | None
    only_show_first_available_slot: bool
    seats_per_time_slot: int | None
    scheduling_type: str | None
    schedule_id: int | None
    length_options: frozenset[int]
    hosts: tuple[HostRef, ...]


_SPEC_COLUMNS = (
    EventType.id,
    EventType.length,
    EventType.slot_interval,
    EventType.minimum_booking_notice,
    EventType.before_event_buffer,
    EventType.after_event_buffer,
    EventType.period_type,
    EventType.period_days,
    EventType.period_count_calendar_days,
    EventType.period_start_date,
    EventType.period_end_date,
    EventType.booking_limits,
    EventType.duration_limits,
    EventType.only_show_first_available_slot,
    EventType.seats_per_time_slot,
    EventType.scheduling_type,
    EventType.schedule_id,
    EventType.settings,
)
_HOST_COLUMNS = (
    Host.id,
    Host.user_id,
    Host.schedule_id,
    Host.priority,
    User.time_zone,
    User.week_start,
    User.default_schedule_id,
)


async def scheduling_spec(
    session: AsyncSession,
    *,
    event_type_id: int | None = None,
    username: str | None = None,
    slug: str | None = None,
) -> SchedulingSpec:
    """The event type named by id, or by its owner's username and its slug, with its hosts.

    One query: the event type's columns repeat on each host row (an event type without hosts
    still comes back, as one row with the host columns NULL).
    """
    query = (
        select(*_SPEC_COLUMNS, *_HOST_COLUMNS)
        .select_from(EventType)
        .outerjoin(Host, Host.event_type_id == EventType.id)
        .outerjoin(User, User.id == Host.user_id)
        .order_by(Host.id)
    )
    if event_type_id is not None:
        query = query.where(EventType.id == event_type_id)
        missing = f"Event type with id={event_type_id} not found"
    elif username and slug:
        owner = aliased(User)
        query = query.join(owner, owner.id == EventType.owner_id).where(
            owner.username == username, EventType.slug == slug
        )
        missing = f"Event type '{slug}' of user '{username}' not found"
    else:
        raise BadRequest("Provide eventTypeId, or eventTypeSlug together with username")
    conn = await session.connection()
    rows = (await conn.execute(query)).all()
    if not rows:
        raise NotFound(missing)
    n = len(_SPEC_COLUMNS)
    head = rows[0]
    settings = head[n - 1] or {}
    options = settings.get("length_in_minutes_options") if isinstance(settings, dict) else None
    columns: dict[str, Any] = {c.key: v for c, v in zip(_SPEC_COLUMNS[:-1], head, strict=False)}
    return SchedulingSpec(
        **columns,
        length_options=frozenset(options or ()) | {head[1]},
        hosts=tuple(HostRef(*row[n:]) for row in rows if row[n] is not None),
    )


@dataclass(frozen=True)
class HostContext:
    host: HostRef
    # The host's working hours as the engine reads them (empty, in the user's zone, if none).
    schedule: CoreSchedule

    @property
    def user_id(self) -> int:
        return self.host.user_id


def week_start_of(contexts: Sequence[HostContext]) -> str:
    """Week-based limits count weeks as the first host's settings say (Cal.com: the organizer)."""
    return contexts[0].host.week_start if contexts else "Sunday"


def rules_for(spec: SchedulingSpec, week_start: str = "Sunday") -> EventRules:
    return EventRules(
        length=spec.length,
        slot_interval=spec.slot_interval,
        minimum_booking_notice=spec.minimum_booking_notice,
        before_buffer=spec.before_event_buffer,
        after_buffer=spec.after_event_buffer,
        period=Period(
            kind=spec.period_type,
            days=spec.period_days,
            # Cal.com counts calendar days unless told otherwise.
            calendar_days=spec.period_count_calendar_days is not False,
            start_date=spec.period_start_date,
            end_date=spec.period_end_date,
        ),
        booking_limits=dict(spec.booking_limits or {}),
        duration_limits=dict(spec.duration_limits or {}),
        only_show_first_available_slot=spec.only_show_first_available_slot,
        seats_per_slot=spec.seats_per_time_slot,
        week_start=week_start,
        event_type_id=spec.id,
    )


def mode_for(spec: SchedulingSpec) -> str:
    if spec.scheduling_type == "ROUND_ROBIN":
        return "round_robin"
    if spec.scheduling_type == "COLLECTIVE":
        return "collective"
    return "single"


def length_for(spec: SchedulingSpec, duration: int | None, field: str = "duration") -> int:
    """The booked length: the event type's, or one of its offered durations."""
    if duration is None:
        return spec.length
    if duration not in spec.length_options:
        raise BadRequest(f"{field}: {duration} is not one of this event type's durations")
    return duration


async def _core_schedules(
    session: AsyncSession, schedule_ids: set[int]
) -> dict[int, tuple[int, CoreSchedule]]:
    """{schedule id: (owner id, working hours)}, read as plain rows in one query."""
    if not schedule_ids:
        return {}
    conn = await session.connection()
    rows = await conn.execute(
        select(
            Schedule.id,
            Schedule.user_id,
            Schedule.time_zone,
            Availability.days,
            Availability.start_minute,
            Availability.end_minute,
            Availability.date,
        )
        .outerjoin(Availability, Availability.schedule_id == Schedule.id)
        .where(Schedule.id.in_(schedule_ids))
        .order_by(Schedule.id, Availability.id)
    )
    heads: dict[int, tuple[int, str]] = {}
    weekly: dict[int, list[WeeklyWindow]] = {}
    overrides: dict[int, list[DateOverride]] = {}
    for sid, owner, tz, days, start, end, day in rows:
        if sid not in heads:
            heads[sid] = (owner, tz)
            weekly[sid], overrides[sid] = [], []
        if start is None:  # a schedule without any availability row
            continue
        if day is None:
            weekly[sid].append(WeeklyWindow(frozenset(days or ()), start, end))
        else:
            overrides[sid].append(DateOverride(day, start, end))
    return {
        sid: (owner, CoreSchedule(tz, tuple(weekly[sid]), tuple(overrides[sid])))
        for sid, (owner, tz) in heads.items()
    }


async def host_contexts(session: AsyncSession, spec: SchedulingSpec) -> list[HostContext]:
    # Each host's chosen schedule, and their own default in case the chosen one isn't theirs.
    wanted: set[int] = set()
    for h in spec.hosts:
        for sid in (h.schedule_id or spec.schedule_id, h.default_schedule_id):
            if sid is not None:
                wanted.add(sid)
    schedules = await _core_schedules(session, wanted)
    contexts = []
    for host in spec.hosts:
        own = host.default_schedule_id
        chosen = schedules.get(host.schedule_id or spec.schedule_id or own or 0)
        # An event-type schedule that belongs to someone else (team event types) falls back to
        # the host's own default, so one host's hours never leak onto another.
        if chosen is not None and chosen[0] != host.user_id:
            chosen = schedules.get(own or 0)
        hours = chosen[1] if chosen is not None else CoreSchedule(host.time_zone, (), ())
        contexts.append(HostContext(host, hours))
    return contexts


def _limit_window(et: SchedulingSpec, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    keys = set(et.booking_limits or {}) | set(et.duration_limits or {})
    if not keys:
        return start - MARGIN, end + MARGIN
    # Period limits need every booking in the periods the range touches.
    span = {"PER_DAY": 2, "PER_WEEK": 8, "PER_MONTH": 32, "PER_YEAR": 367}
    days = max(span.get(k, 2) for k in keys)
    return start - timedelta(days=days), end + timedelta(days=days)


async def load_hosts(
    session: AsyncSession,
    et: SchedulingSpec,
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
    user_ids = [c.user_id for c in contexts]
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
        uid = ctx.user_id
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
