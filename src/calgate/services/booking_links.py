"""What points at a booking from elsewhere: "add to calendar" links built from it, and its
references (the events calendar write-back put in the host's calendars, the meeting room a
conferencing app gave it) — Cal.com's `/calendar-links` and `/references`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, or_, select

from calgate.calendars import booking_event
from calgate.calendars.booking_event import CalendarLink
from calgate.calendars.outbox import DELETE, PUT, stored_event
from calgate.calendars.series import Series, as_file, rule_from, series_of
from calgate.services import booking_people
from calgate.services.bookings import BookingView
from calgate.services.calendars import INTEGRATIONS as CALENDAR_TYPES
from calgate.services.conferencing import JITSI, PERSONAL_LINK, TYPES
from calgate.store.db import Database
from calgate.store.models import (
    Attendee,
    Booking,
    BookingStatus,
    Calendar,
    CalendarCredential,
    CalendarWrite,
    ConferencingApp,
    User,
    utcnow,
)


@dataclass(frozen=True)
class Reference:
    id: int
    type: str
    event_uid: str
    destination_calendar_id: str | None


def _links(
    view: BookingView,
    now: datetime,
    shown: Sequence[Attendee] | None = None,
    series: Series | None = None,
) -> list[CalendarLink]:
    """The booking's add-to-calendar links; the ICS one carries the event write-back puts in
    calendars, the others describe it with the event type's description. `shown`: the
    attendees the caller may see (a seat holder of a seated event type hiding attendees sees
    only their own seat, not the first booker's name and notes). An occurrence of `series`
    (told as one event): the ICS is the series' event, as write-back has it in this host's
    calendar (the host's occurrences); Google's link repeats by the series' rule from this
    occurrence, as Cal.com's carries the event type's rule; the others are this occurrence."""
    b, et = view.booking, view.event_type
    hidden = shown is not None and len(shown) < len(b.attendees)

    def seen(event: booking_event.Event) -> booking_event.Event:
        if not hidden or shown is None:
            return event
        return replace(
            event,
            title=et.title if et is not None else event.title,
            description=None,  # the first booker's notes
            attendees=tuple(booking_event.Person(a.name, a.email) for a in shown),
        )

    event = seen(stored_event(b, view.host))
    occurrence = series.occurrence(b) if series is not None else None
    if series is not None and occurrence is not None:
        theirs = [o for o in series.occurrences if o.booking.user_id == b.user_id]
        calendar = booking_event.ics(
            as_file(series, theirs, lambda o: seen(stored_event(o.booking, view.host))),
            stamp=now,
            sequence=series.sequence,
        )
        event = replace(event, repeat=rule_from(series, occurrence))
    else:
        calendar = booking_event.ics(event, stamp=now, sequence=b.ics_sequence)
    details = (et.description if et is not None else None) or event.description
    return booking_event.links(
        replace(event, description=details), ics_link=booking_event.data_uri(calendar)
    )


async def calendar_links(
    db: Database, uid: str, user: User, *, now: datetime | None = None
) -> list[CalendarLink]:
    async with db.session() as session:
        view = await booking_people.readable(session, uid, user, manage=False)
        series = await series_of(session, view.booking)
    shown = await booking_people.list_attendees(db, uid, user)
    return _links(view, now or utcnow(), shown, series)


async def page_links(
    db: Database, booking: Booking, event: booking_event.Event, *, ics_link: str
) -> list[CalendarLink]:
    """The booking page's calendar links of `booking`, shown as `event`: an occurrence of a
    series gives Google the series' rule from it (`recur`), as the API's links do."""
    async with db.session() as session:
        series = await series_of(session, booking)
    occurrence = series.occurrence(booking) if series is not None else None
    if series is not None and occurrence is not None:
        event = replace(event, repeat=rule_from(series, occurrence))
    return booking_event.links(event, ics_link=ics_link)


async def calendar_file(
    db: Database,
    booking: Booking,
    event: booking_event.Event,
    *,
    attendee: str | None,
    now: datetime | None = None,
) -> str:
    """The booking page's calendar file of `booking`, shown as `event` to the holder of its link
    (`attendee`, their email). A cancelled booking's is one SEQUENCE above the meeting, as the
    cancel email's invite. An occurrence of a series told as one event: the series as the
    attendee's invite carries it (the attendee's occurrences), under the series' UID."""
    now = now or utcnow()
    async with db.session() as session:
        series = await series_of(session, booking)
    occurrence = series.occurrence(booking) if series is not None else None
    if series is None or occurrence is None:
        sequence = booking.ics_sequence + (1 if event.cancelled else 0)
        return booking_event.ics(event, stamp=now, method="PUBLISH", sequence=sequence)
    theirs = [o for o in series.occurrences if attendee is None or o.has(attendee, False)]
    # Whether an occurrence has ended, the series tells (EXDATE, or the series cancelled).
    base = replace(event, cancelled=False)
    return booking_event.ics(
        as_file(series, theirs or [occurrence], lambda _: base),
        stamp=now,
        method="PUBLISH",
        sequence=series.sequence,
    )


async def references(db: Database, uid: str, user: User, kind: str | None) -> list[Reference]:
    """The booking's references, from what calgate did for it: each calendar write-back put
    its event in (and has not deleted; an occurrence of a series written as one event: the
    series' event in its host's calendar, while it holds the occurrence), and the conferencing
    room of its location."""
    async with db.session() as session:
        view = await booking_people.readable(session, uid, user, manage=True)
        b = view.booking
        mine = [CalendarWrite.booking_uid == b.uid]
        if b.recurring_event_id and b.status == BookingStatus.ACCEPTED:
            series = CalendarWrite.booking_uid == b.recurring_event_id
            mine.append(and_(series, Calendar.user_id == b.user_id))
        rows = (
            await session.execute(
                select(CalendarWrite, CalendarCredential.app)
                .join(Calendar, Calendar.id == CalendarWrite.calendar_id)
                .join(CalendarCredential, CalendarCredential.id == Calendar.credential_id)
                .where(or_(*mine), CalendarWrite.op.in_((PUT, DELETE)))
                .order_by(CalendarWrite.id)
            )
        ).all()
        last: dict[tuple[int, str], tuple[CalendarWrite, str]] = {}
        for write, app in rows:
            last[(write.calendar_id, write.booking_uid)] = (write, app)
        out = [
            Reference(
                id=write.id,
                type=CALENDAR_TYPES.get(app, (f"{app}_calendar", ""))[0],
                event_uid=write.booking_uid,
                destination_calendar_id=str(write.calendar_id),
            )
            for write, app in last.values()
            if write.op == PUT
        ]
        apps = (
            await session.scalars(
                select(ConferencingApp).where(ConferencingApp.user_id == b.user_id)
            )
        ).all()
        for conferencing in apps:
            room = _room(conferencing, b.location)
            if room is not None:
                kind_of = TYPES[conferencing.app]
                out.append(Reference(conferencing.id, kind_of, room, destination_calendar_id=None))
    return [r for r in out if kind is None or r.type == kind]


def _room(app: ConferencingApp, location: str | None) -> str | None:
    """The meeting this app gave the booking, if its location is one."""
    if not app.link or not location:
        return None
    if app.app == JITSI and location.startswith(app.link.rstrip("/") + "/"):
        return location.rsplit("/", 1)[1]
    if app.app == PERSONAL_LINK and location == app.link:
        return location
    return None
