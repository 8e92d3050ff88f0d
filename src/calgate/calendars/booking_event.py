"""A booking as an event in someone's calendar: its iCalendar file (RFC 5545, with icalendar)
and its "add to calendar" links. The one place either is built: the booking page's download,
the email invite (RFC 5546 METHOD and SEQUENCE), the event calendar write-back stores and the
`/calendar-links` API all describe the booking through `Event`.

Callers choose what the event shows (whose attendees): a seat holder's copy lists only that
seat. Every caller gives it the same UID and SEQUENCE, the booking's `calendar_uid` and
`ics_sequence`, so a calendar that gets the meeting twice (the invite and the write-back, or a
reschedule's new file) keeps one event; a file that cancels the meeting is one SEQUENCE
higher, as RFC 5546 orders updates. A recurring series emailed as one is, in every file of
any of its occurrences (invite, write-back, download, `/calendar-links`), one event with a rule
(`Repeat`, written in the zone it was stepped in) plus, under the series' UID (its first
occurrence's), one `Event` per occurrence that differs from the rule (`recurrence_id`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import icalendar

PRODID = "-//calgate//calgate//EN"


@dataclass(frozen=True)
class Person:
    name: str | None
    email: str


@dataclass(frozen=True)
class Repeat:
    """RFC 5545 RRULE: FREQ (WEEKLY, MONTHLY, YEARLY), INTERVAL and COUNT."""

    frequency: str
    interval: int
    count: int


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
    # A recurring series: its rule from `start`, the starts it leaves out (EXDATE), and the
    # zone its times are written in (TZID and VTIMEZONE), so that a client steps it on the
    # wall clock the bookings were stepped on, across DST changes.
    repeat: Repeat | None = None
    excluded: tuple[datetime, ...] = ()
    time_zone: str | None = None
    # One occurrence of a recurring series (RECURRENCE-ID): the start its rule gave it.
    recurrence_id: datetime | None = None


@dataclass(frozen=True)
class CalendarLink:
    label: str
    id: str
    link: str


def ics(
    event: Event | Sequence[Event],
    *,
    stamp: datetime,
    method: str | None = None,
    sequence: int | None = None,
) -> str:
    """The event as an iCalendar object. `method` (PUBLISH, REQUEST, CANCEL) only for a file
    sent to someone: a stored CalDAV object must have none (RFC 4791 4.1). Several events are
    one recurring series: its rule, then the occurrences that differ from it (same UID)."""
    events = [event] if isinstance(event, Event) else list(event)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method is not None:
        cal.add("method", method)
    for one in events:
        cal.add_component(_vevent(one, stamp, sequence))
    zoned = [e for e in events if e.time_zone]
    if zoned:
        # Each zone's rules over the years the series spans, not icalendar's default 1970-2038.
        first = min(e.start for e in zoned).year
        last = max([e.end for e in zoned] + [x for e in zoned for x in e.excluded]).year
        last += max((_span_years(e) for e in zoned), default=0)
        cal.add_missing_timezones(first_date=date(first, 1, 1), last_date=date(last + 1, 1, 1))
    return bytes(cal.to_ical()).decode()


def _span_years(event: Event) -> int:
    """At least how many years a rule runs past its first start, for the VTIMEZONE's range
    (twice the plain count: a monthly rule on the 31st skips the short months)."""
    if event.repeat is None:
        return 0
    per_year = {"WEEKLY": 52, "MONTHLY": 12, "YEARLY": 1}.get(event.repeat.frequency, 1)
    return 2 * event.repeat.interval * event.repeat.count // per_year + 1


def _vevent(event: Event, stamp: datetime, sequence: int | None) -> icalendar.Event:
    zone = ZoneInfo(event.time_zone) if event.time_zone else None

    def at(moment: datetime) -> datetime:
        return moment.astimezone(zone) if zone is not None else moment

    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    if event.recurrence_id is not None:
        vevent.add("recurrence-id", at(event.recurrence_id))
    if sequence is not None:
        vevent.add("sequence", sequence)
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", at(event.start))
    vevent.add("dtend", at(event.end))
    if event.repeat is not None:
        rule = event.repeat
        vevent.add(
            "rrule", {"freq": rule.frequency, "interval": rule.interval, "count": rule.count}
        )
    if event.excluded:
        vevent.add("exdate", [at(moment) for moment in event.excluded])
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
    return vevent


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


def _rrule(rule: Repeat) -> str:
    return f"RRULE:FREQ={rule.frequency};INTERVAL={rule.interval};COUNT={rule.count}"


def links(event: Event, *, ics_link: str) -> list[CalendarLink]:
    """Cal.com's four links (Google, Microsoft Office, Microsoft Outlook, ICS), then Yahoo's.
    `ics_link` is where the event's file is: a data: URI or a download URL. An event that
    repeats gives Google its rule (`recur`), as Cal.com's link does; the others, as Cal.com's,
    the one event."""
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
        "recur": _rrule(event.repeat) if event.repeat is not None else None,
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
