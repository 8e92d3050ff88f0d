"""What points at a booking from elsewhere: "add to calendar" links built from it, and its
references (the events calendar write-back put in the host's calendars, the meeting room a
conferencing app gave it) — Cal.com's `/calendar-links` and `/references`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from sqlalchemy import select

from calgate.calendars.outbox import DELETE, PUT, event_ics
from calgate.services import booking_people
from calgate.services.bookings import BookingView
from calgate.services.calendars import INTEGRATIONS as CALENDAR_TYPES
from calgate.services.conferencing import JITSI, PERSONAL_LINK, TYPES
from calgate.store.db import Database
from calgate.store.models import (
    Calendar,
    CalendarCredential,
    CalendarWrite,
    ConferencingApp,
    User,
    utcnow,
)


@dataclass(frozen=True)
class CalendarLink:
    label: str
    id: str
    link: str


@dataclass(frozen=True)
class Reference:
    id: int
    type: str
    event_uid: str
    destination_calendar_id: str | None


def _compact(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _query(params: dict[str, str | None]) -> str:
    return urlencode({k: v for k, v in params.items() if v}, quote_via=quote)


def links(view: BookingView, now: datetime) -> list[CalendarLink]:
    """Cal.com's four links (Google, Microsoft Office, Microsoft Outlook, ICS as a data: URI
    of the same event write-back puts in calendars), then Yahoo's."""
    b = view.booking
    title = b.title
    details = (view.event_type.description if view.event_type else None) or b.description or ""
    where = b.location or None
    ms = {
        "body": details,
        "enddt": _iso(b.end_time),
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "startdt": _iso(b.start_time),
        "subject": title,
        "location": where,
    }
    google = {
        "dates": f"{_compact(b.start_time)}/{_compact(b.end_time)}",
        "text": title,
        "details": details,
        "location": where,
    }
    yahoo = {
        "v": "60",
        "title": title,
        "st": _compact(b.start_time),
        "et": _compact(b.end_time),
        "desc": details,
        "in_loc": where,
    }
    return [
        CalendarLink(
            "Google Calendar",
            "googleCalendar",
            f"https://calendar.google.com/calendar/r/eventedit?{_query(google)}",
        ),
        CalendarLink(
            "Microsoft Office",
            "microsoftOffice",
            f"https://outlook.office.com/calendar/0/deeplink/compose?{_query(ms)}",
        ),
        CalendarLink(
            "Microsoft Outlook",
            "microsoftOutlook",
            f"https://outlook.live.com/calendar/0/deeplink/compose?{_query(ms)}",
        ),
        CalendarLink("ICS", "ics", "data:text/calendar," + quote(event_ics(view, now), safe="")),
        CalendarLink(
            "Yahoo Calendar", "yahooCalendar", f"https://calendar.yahoo.com/?{_query(yahoo)}"
        ),
    ]


async def calendar_links(
    db: Database, uid: str, user: User, *, now: datetime | None = None
) -> list[CalendarLink]:
    async with db.session() as session:
        view = await booking_people.readable(session, uid, user, manage=False)
    return links(view, now or utcnow())


async def references(db: Database, uid: str, user: User, kind: str | None) -> list[Reference]:
    """The booking's references, from what calgate did for it: each calendar write-back put
    its event in (and has not deleted), and the conferencing room of its location."""
    async with db.session() as session:
        view = await booking_people.readable(session, uid, user, manage=True)
        b = view.booking
        rows = (
            await session.execute(
                select(CalendarWrite, CalendarCredential.app)
                .join(Calendar, Calendar.id == CalendarWrite.calendar_id)
                .join(CalendarCredential, CalendarCredential.id == Calendar.credential_id)
                .where(CalendarWrite.booking_uid == b.uid, CalendarWrite.op.in_((PUT, DELETE)))
                .order_by(CalendarWrite.id)
            )
        ).all()
        last: dict[int, tuple[CalendarWrite, str]] = {}
        for write, app in rows:
            last[write.calendar_id] = (write, app)
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
