"""Queueing write-back: a booking's change becomes a row of the calendar_writes outbox, in the
booking's own transaction. Called once from webhooks.outbox.enqueue_booking (the one place
every booking change passes); delivered by services.calendar_writeback on the outbox loop."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.calendars.booking_event import Event, Person, ics
from calgate.store.models import Booking, BookingStatus, Calendar, CalendarWrite, User, utcnow

PUT = "put"
DELETE = "delete"
# webhooks.delivery.DeliveryStatus.PENDING; not imported, webhooks imports this module.
PENDING = "pending"
# ATTENDEE_ADDED / LOCATION_CHANGED: the event rewritten with its new attendees or place.
WRITES = {"BOOKING_CREATED", "BOOKING_CONFIRMED", "ATTENDEE_ADDED", "LOCATION_CHANGED"}
REMOVES = {"BOOKING_REJECTED"}


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
    calendar; returns how many writes were queued (none without a destination)."""
    b = view.booking
    if b.user_id is None:
        return 0
    now = now or utcnow()
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
    queued = 0
    for op, uid, body in ops:
        calendar_id = await _target(session, b.user_id, uid, op)
        if calendar_id is None:
            continue
        session.add(
            CalendarWrite(
                calendar_id=calendar_id,
                booking_uid=uid,
                op=op,
                body=body,
                status=PENDING,
                not_before=now,
                attempts=0,
            )
        )
        queued += 1
    return queued


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
    found = await session.scalar(
        select(Calendar.id).where(Calendar.user_id == user_id, Calendar.destination.is_(True))
    )
    return int(found) if found is not None else None


def stored_event(view: BookingLike) -> Event:
    """The booking as its host's calendar holds it: the meeting's UID inside a resource named
    after the booking uid (`<uid>.ics`, where updates and deletes find it)."""
    b = view.booking
    link = b.location if b.location and b.location.startswith(("https://", "http://")) else None
    return Event(
        uid=b.calendar_uid,
        title=b.title,
        start=b.start_time,
        end=b.end_time,
        description=b.description,
        location=b.location,
        url=link,
        organizer=Person(view.host.name, view.host.email) if view.host is not None else None,
        attendees=tuple(Person(a.name, a.email) for a in b.attendees),
    )


def event_ics(view: BookingLike, now: datetime) -> str:
    return ics(stored_event(view), stamp=now, sequence=view.booking.ics_sequence)
