"""Queueing write-back: a booking's change becomes rows of the calendar_writes outbox, in the
booking's own transaction. Called from webhooks.outbox (`enqueue_booking` for one booking's
change, `enqueue_series` for several occurrences of a series changed at once: the places every
booking change passes); delivered by services.calendar_writeback on the outbox loop.

A booking's event is the resource `<booking uid>.ics` in its host's destination calendar. A
recurring series that is one calendar event (calendars.series) is ONE resource in each of its
hosts' destination calendars, `<recurring booking uid>.ics`, holding the series as that host has
it: the rule, EXDATE for the occurrences the host doesn't hold (cancelled, declined, another
host's), an override for each one that moved or differs, under the series' UID, as its emails
carry it. Every change to any occurrence writes the series' state then whole (a PUT), or deletes
the resource once the host holds none; copies written before (one per occurrence, or in a
calendar that was the destination before) are deleted, so the calendar keeps one series.

A booking handed to another host (round-robin reassignment) leaves the calendars write-back put
it in for the new host's destination; an occurrence of a series rewrites the series for every
host, so the previous host's copy leaves that occurrence out and the new host's has it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.calendars.booking_event import Event, Person, ics
from calgate.calendars.series import Occurrence, Series, events, series_of
from calgate.store.db import serialise
from calgate.store.models import Booking, BookingStatus, Calendar, CalendarWrite, User, utcnow

PUT = "put"
DELETE = "delete"
# webhooks.delivery.DeliveryStatus.PENDING; not imported, webhooks imports this module.
PENDING = "pending"
# ATTENDEE_ADDED / LOCATION_CHANGED: the event rewritten with its new attendees or place.
WRITES = {"BOOKING_CREATED", "BOOKING_CONFIRMED", "ATTENDEE_ADDED", "LOCATION_CHANGED"}
REMOVES = {"BOOKING_REJECTED"}
# Cal.com's audit action for a booking handed to another host (round-robin reassignment): the
# event leaves the calendars it was put in and goes to the new host's destination.
REASSIGNMENT = "REASSIGNMENT"

# (calendar id, op, resource name, body)
_Write = tuple[int, str, str, str | None]


class BookingLike(Protocol):
    @property
    def booking(self) -> Booking: ...

    @property
    def host(self) -> User | None: ...


async def enqueue_booking(
    session: AsyncSession,
    trigger: str,
    view: BookingLike,
    *,
    old: Booking | None = None,
    now: datetime | None = None,
) -> int:
    """Queue the change `trigger` makes to the booking's event in its host's destination
    calendar (to its series' event when it is an occurrence of one); returns how many writes
    were queued (none without a destination)."""
    now = now or utcnow()
    if not await _concerns_calendars(session, view.booking):
        return 0
    series = await _series(session, view.booking)
    if series is not None:
        return _add(session, await _series_writes(session, series, now), now)
    return _add(session, await _booking_writes(session, trigger, view, old, now), now)


async def enqueue_series(
    session: AsyncSession,
    trigger: str,
    views: Sequence[BookingLike],
    *,
    now: datetime | None = None,
) -> int:
    """Several occurrences of one recurring series changed at once (booked, confirmed,
    declined, cancelled together): one write of the series for them all; occurrences of a
    series that is not one calendar event get their own writes."""
    if not views:
        return 0
    now = now or utcnow()
    if not await _concerns_calendars(session, views[0].booking):
        return 0
    series = await _series(session, views[0].booking)
    if series is not None:
        return _add(session, await _series_writes(session, series, now), now)
    writes: list[_Write] = []
    for view in views:
        writes += await _booking_writes(session, trigger, view, None, now)
    return _add(session, writes, now)


async def _concerns_calendars(session: AsyncSession, booking: Booking) -> bool:
    """Can a change to this occurrence of a series write anything: has one of the series'
    hosts a destination calendar, or has write-back put it (or an occurrence) somewhere? For
    most series neither, and one query spares the series' lock and its reads. A booking outside
    a series goes on (its own writes cost one query)."""
    series_uid = booking.recurring_event_id
    if not series_uid:
        return True
    members = select(Booking.uid).where(Booking.recurring_event_id == series_uid)
    hosts = select(Booking.user_id).where(Booking.recurring_event_id == series_uid)
    found = await session.scalar(
        select(
            or_(
                exists().where(Calendar.user_id.in_(hosts), Calendar.destination.is_(True)),
                exists().where(
                    or_(
                        CalendarWrite.booking_uid == series_uid,
                        CalendarWrite.booking_uid.in_(members),
                    )
                ),
            )
        )
    )
    return bool(found)


async def _series(session: AsyncSession, booking: Booking) -> Series | None:
    """The series `booking` is an occurrence of, read under the series' lock: each write holds
    the whole series as its transaction sees it, so two changes to it at once (two occurrences
    cancelled by two requests) are written one after the other, the second with both."""
    if booking.recurring_event_id:
        await serialise(session, f"series {booking.recurring_event_id}")
    return await series_of(session, booking)


def _add(session: AsyncSession, writes: list[_Write], now: datetime) -> int:
    for calendar_id, op, resource, body in writes:
        session.add(
            CalendarWrite(
                calendar_id=calendar_id,
                booking_uid=resource,
                op=op,
                body=body,
                status=PENDING,
                not_before=now,
                attempts=0,
            )
        )
    return len(writes)


async def _booking_writes(
    session: AsyncSession, trigger: str, view: BookingLike, old: Booking | None, now: datetime
) -> list[_Write]:
    b = view.booking
    if b.user_id is None:
        return []
    if trigger == REASSIGNMENT:
        return await _reassigned_writes(session, view, now)
    ops: list[tuple[str, str, str | None]] = []
    if trigger == "BOOKING_RESCHEDULED":
        if old is not None:
            ops.append((DELETE, old.uid, None))
        if b.status == BookingStatus.ACCEPTED:
            ops.append((PUT, b.uid, event_ics(view, now)))
    elif trigger == "BOOKING_CANCELLED":
        # A cancelled seat leaves the booking standing with one attendee fewer.
        if b.status == BookingStatus.CANCELLED:
            ops.append((DELETE, b.uid, None))
        else:
            ops.append((PUT, b.uid, event_ics(view, now)))
    elif trigger in WRITES and b.status == BookingStatus.ACCEPTED:
        ops.append((PUT, b.uid, event_ics(view, now)))
    elif trigger in REMOVES:
        ops.append((DELETE, b.uid, None))
    writes: list[_Write] = []
    for op, uid, body in ops:
        calendar_id = await _target(session, b.user_id, uid, op)
        if calendar_id is not None:
            writes.append((calendar_id, op, uid, body))
    return writes


async def _reassigned_writes(
    session: AsyncSession, view: BookingLike, now: datetime
) -> list[_Write]:
    """The booking's event deleted from every calendar write-back put it in (the previous
    host's) and put in its host's destination calendar, while it is accepted."""
    b = view.booking
    placed = await _placed_where(session, CalendarWrite.booking_uid == b.uid)
    kept = None
    if b.status == BookingStatus.ACCEPTED and b.user_id is not None:
        kept = await _destination(session, b.user_id)
    writes: list[_Write] = [
        (calendar_id, DELETE, resource, None)
        for found in placed.values()
        for calendar_id, resource in found
        if calendar_id != kept
    ]
    if kept is not None:
        writes.append((kept, PUT, b.uid, event_ics(view, now)))
    return writes


async def _target(session: AsyncSession, user_id: int, uid: str, op: str) -> int | None:
    """A put goes to the destination calendar; a delete to where the event was put."""
    if op == DELETE:
        where = await session.scalar(
            select(CalendarWrite.calendar_id)
            .where(CalendarWrite.booking_uid == uid, CalendarWrite.op == PUT)
            .order_by(CalendarWrite.id.desc())
            .limit(1)
        )
        if where is not None:
            return int(where)
    return await _destination(session, user_id)


async def _destination(session: AsyncSession, user_id: int) -> int | None:
    found = await session.scalar(
        select(Calendar.id).where(Calendar.user_id == user_id, Calendar.destination.is_(True))
    )
    return int(found) if found is not None else None


async def _series_writes(session: AsyncSession, series: Series, now: datetime) -> list[_Write]:
    """The series as each of its hosts (the organizers of its occurrences, as a booking's
    event is its organizer's) now has it, put in their destination calendar; every other
    resource write-back put for the series and still there is deleted."""
    placed = await _placed(session, series)
    hosts = {o.booking.user_id for o in series.occurrences if o.booking.user_id is not None}
    writes: list[_Write] = []
    for user_id in sorted(hosts | set(placed)):
        held = [
            o
            for o in series.occurrences
            if o.booking.status == BookingStatus.ACCEPTED and o.booking.user_id == user_id
        ]
        kept = await _destination(session, user_id) if held else None
        if kept is not None:
            body = series_ics(series, held, await session.get(User, user_id), now)
            writes.append((kept, PUT, series.recurring_uid, body))
        for calendar_id, resource in placed.get(user_id, []):
            if (calendar_id, resource) != (kept, series.recurring_uid):
                writes.append((calendar_id, DELETE, resource, None))
    return writes


async def _placed(session: AsyncSession, series: Series) -> dict[int, list[tuple[int, str]]]:
    """By host: the (calendar, resource) write-back put the series in and has not deleted:
    the series' own resource, and its occurrences' own (written before a series was written
    as one event)."""
    occurrences = select(Booking.uid).where(Booking.recurring_event_id == series.recurring_uid)
    return await _placed_where(
        session,
        or_(
            CalendarWrite.booking_uid == series.recurring_uid,
            CalendarWrite.booking_uid.in_(occurrences),
        ),
    )


async def _placed_where(
    session: AsyncSession, resources: ColumnElement[bool]
) -> dict[int, list[tuple[int, str]]]:
    """By host (the calendar's owner): the (calendar, resource) of the `resources` write-back
    put and has not deleted since."""
    rows = await session.execute(
        select(
            Calendar.user_id, CalendarWrite.calendar_id, CalendarWrite.booking_uid, CalendarWrite.op
        )
        .join(Calendar, Calendar.id == CalendarWrite.calendar_id)
        .where(resources)
        .order_by(CalendarWrite.id)
    )
    last: dict[tuple[int, int, str], str] = {}
    for user_id, calendar_id, resource, op in rows.all():
        last[(user_id, calendar_id, resource)] = op
    placed: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for (user_id, calendar_id, resource), op in last.items():
        if op == PUT:
            placed[user_id].append((calendar_id, resource))
    return placed


def stored_event(b: Booking, host: User | None) -> Event:
    """The booking as its host's calendar holds it: the meeting's UID inside a resource named
    after the booking uid (`<uid>.ics`, where updates and deletes find it)."""
    link = b.location if b.location and b.location.startswith(("https://", "http://")) else None
    return Event(
        uid=b.calendar_uid,
        title=b.title,
        start=b.start_time,
        end=b.end_time,
        description=b.description,
        location=b.location,
        url=link,
        organizer=Person(host.name, host.email) if host is not None else None,
        attendees=tuple(Person(a.name, a.email) for a in b.attendees),
    )


def event_ics(view: BookingLike, now: datetime) -> str:
    b = view.booking
    return ics(stored_event(b, view.host), stamp=now, sequence=b.ics_sequence)


def series_ics(series: Series, held: Sequence[Occurrence], host: User | None, now: datetime) -> str:
    """The series in its host's calendar: the occurrences `held` (theirs, accepted), each as
    its booking is (`stored_event`), with the SEQUENCE of the series' invites."""

    def shown(occurrence: Occurrence) -> Event:
        return stored_event(occurrence.booking, host)

    return ics(events(series, held, shown), stamp=now, sequence=series.sequence)
