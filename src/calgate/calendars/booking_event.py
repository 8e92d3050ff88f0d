"""A booking as an event in someone's calendar: its iCalendar file (RFC 5545, with icalendar)
and its "add to calendar" links. The one place either is built: the booking page's download,
the email invite (RFC 5546 METHOD and SEQUENCE), the event calendar write-back stores and the
`/calendar-links` API all describe the booking through `Event`.

Callers choose what the event shows (whose attendees): a seat holder's copy lists only that
seat. Every caller gives it the same UID and SEQUENCE, the booking's `calendar_uid` and
`ics_sequence`, so a calendar that gets the meeting twice (the invite and the write-back, or a
reschedule's new file) keeps one event; a file that cancels the meeting is one SEQUENCE
higher, as RFC 5546 orders updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import icalendar

PRODID = "-//calgate//calgate//EN"


@dataclass(frozen=True)
class Person:
    name: str | None
    email: str


@dataclass(frozen=True)
class Event:
    uid: str
    title: str
    start: datetime
    end: datetime
    description: str | None = None
    location: str | None = None
    url: str | None = None
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()
    cancelled: bool = False


@dataclass(frozen=True)
class CalendarLink:
    label: str
    id: str
    link: str


def ics(
    event: Event, *, stamp: datetime, method: str | None = None, sequence: int | None = None
) -> str:
    """The event as an iCalendar object. `method` (PUBLISH, REQUEST, CANCEL) only for a file
    sent to someone: a stored CalDAV object must have none (RFC 4791 4.1)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method is not None:
        cal.add("method", method)
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    if sequence is not None:
        vevent.add("sequence", sequence)
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", event.start)
    vevent.add("dtend", event.end)
    vevent.add("summary", event.title)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.organizer is not None:
        vevent.add("organizer", _address(event.organizer))
    for person in event.attendees:
        attendee = _address(person)
        attendee.params.update(ROLE="REQ-PARTICIPANT", PARTSTAT="ACCEPTED")
        vevent.add("attendee", attendee)
    cal.add_component(vevent)
    return bytes(cal.to_ical()).decode()


def _address(person: Person) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = person.name
    return address


def data_uri(calendar: str) -> str:
    """An iCalendar object as a link (Cal.com's ICS calendar link)."""
    return "data:text/calendar," + quote(calendar, safe="")


def _compact(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _query(params: dict[str, str | None]) -> str:
    return urlencode({k: v for k, v in params.items() if v}, quote_via=quote)


def links(event: Event, *, ics_link: str) -> list[CalendarLink]:
    """Cal.com's four links (Google, Microsoft Office, Microsoft Outlook, ICS), then Yahoo's.
    `ics_link` is where the event's file is: a data: URI or a download URL."""
    details = event.description or None
    where = event.location or None
    ms = {
        "body": details,
        "enddt": _iso(event.end),
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "startdt": _iso(event.start),
        "subject": event.title,
        "location": where,
    }
    google = {
        "dates": f"{_compact(event.start)}/{_compact(event.end)}",
        "text": event.title,
        "details": details,
        "location": where,
    }
    yahoo = {
        "v": "60",
        "title": event.title,
        "st": _compact(event.start),
        "et": _compact(event.end),
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
        CalendarLink("ICS", "ics", ics_link),
        CalendarLink(
            "Yahoo Calendar", "yahooCalendar", f"https://calendar.yahoo.com/?{_query(yahoo)}"
        ),
    ]
