"""Queueing write-back: a booking's change becomes a row of the calendar_writes outbox, in the
booking's own transaction. Called once from webhooks.outbox.enqueue_booking (the one place
every booking change passes); delivered by services.calendar_writeback on the outbox loop."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import icalendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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


def event_ics(view: BookingLike, now: datetime) -> str:
    """The booking as one VEVENT (UID = booking uid), as calendar clients show it."""
    b = view.booking
    cal = icalendar.Calendar()
    cal.add("prodid", "-//calgate//booking//EN")
    cal.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", b.uid)
    event.add("dtstamp", now)
    event.add("dtstart", b.start_time)
    event.add("dtend", b.end_time)
    event.add("summary", b.title)
    event.add("status", "CONFIRMED")
    if b.description:
        event.add("description", b.description)
    if b.location:
        event.add("location", b.location)
        if b.location.startswith(("https://", "http://")):
            event.add("url", b.location)
    if view.host is not None:
        event.add("organizer", _address(view.host.email, view.host.name))
    for attendee in b.attendees:
        event.add("attendee", _address(attendee.email, attendee.name, role=True))
    cal.add_component(event)
    ics: bytes = cal.to_ical()
    return ics.decode()


def _address(email: str, name: str | None, *, role: bool = False) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    params: dict[str, Any] = {}
    if name:
        params["CN"] = name
    if role:
        params.update(ROLE="REQ-PARTICIPANT", PARTSTAT="ACCEPTED")
    address.params.update(params)
    return address
