"""One event of a connected CalDAV calendar (Apple's or calgate's `caldav`), read and updated
on its server: Cal.com's unified calendar event endpoints.

Only the caller's own calendars are searched (destination first), so an event of someone
else's calendar is simply not found. An update rewrites the event's master VEVENT and PUTs it
back only if the server still holds what was read (If-Match), then has the calendar's busy
time read again on the next refresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from sqlalchemy import select, update

from calgate.calendars import ics
from calgate.calendars.caldav import CalDAVClient, RemoteEvent
from calgate.calendars.http import calendar_client
from calgate.config import Settings
from calgate.errors import BadRequest, CalgateError, Conflict, NotFound, ServiceUnavailable
from calgate.services.calendars import (
    APPLE,
    CALDAV,
    Sealer,
    bounded,
    password_context,
    redact,
)
from calgate.store.db import Database
from calgate.store.models import Calendar, CalendarCredential

# Cal.com's `source`: Apple's own; calgate's generic CalDAV calendar names itself.
SOURCES = {APPLE: "apple", CALDAV: "caldav"}
_STATUS_OUT = {"CONFIRMED": "accepted", "TENTATIVE": "pending", "CANCELLED": "cancelled"}
_STATUS_IN = {v: k for k, v in _STATUS_OUT.items()}
_PARTSTAT_OUT = {
    "ACCEPTED": "accepted",
    "DECLINED": "declined",
    "TENTATIVE": "pending",
    "NEEDS-ACTION": "needsAction",
}
_PARTSTAT_IN = {v: k for k, v in _PARTSTAT_OUT.items()}


@dataclass(frozen=True)
class When:
    time: datetime
    # The zone the event keeps its wall clock in; None: the event's own (UTC if it has none).
    time_zone: str | None = None


@dataclass(frozen=True)
class Guest:
    email: str
    name: str | None = None
    response_status: str | None = None
    optional: bool | None = None


@dataclass(frozen=True)
class EventChanges:
    """What a PATCH names; `fields` tells a field sent as null from one not sent."""

    fields: frozenset[str]
    start: When | None = None
    end: When | None = None
    title: str | None = None
    description: str | None = None
    attendees: Sequence[Guest] | None = None
    status: str | None = None


@dataclass(frozen=True)
class _Found:
    client: CalDAVClient
    calendar_id: int
    event: RemoteEvent
    owner: str | None
    zone: str | None


async def get_event(
    db: Database, settings: Settings, keyring: Sealer, user_id: int, app: str, uid: str
) -> dict[str, Any]:
    async with calendar_client(settings) as http:
        found = await bounded(settings, _find(db, keyring, http, user_id, app, uid), _unavailable)
    return _output(app, found)


async def update_event(
    db: Database,
    settings: Settings,
    keyring: Sealer,
    user_id: int,
    app: str,
    uid: str,
    changes: EventChanges,
) -> dict[str, Any]:
    if changes.status is not None and changes.status not in _STATUS_IN:
        # Declining is an attendee's answer (attendees[].responseStatus), not the event's.
        raise BadRequest("status must be one of accepted, pending, cancelled")
    async with calendar_client(settings) as http:

        async def work() -> _Found:
            found = await _find(db, keyring, http, user_id, app, uid)
            body = _apply(found.event.data, uid, changes)
            await found.client.replace_event(found.event, body)
            # Read back: the server's own copy (and new ETag) is what the caller sees.
            again = await found.client.find_event(_calendar_url(found.event.url), uid)
            return _Found(
                found.client, found.calendar_id, again or found.event, found.owner, found.zone
            )

        updated = await bounded(settings, work(), _unavailable)
    async with db.transaction() as session:
        # Its busy time changed: read on the next refresh.
        await session.execute(
            update(Calendar).where(Calendar.id == updated.calendar_id).values(fetched_at=None)
        )
    return _output(app, updated)


def _unavailable(message: str) -> CalgateError:
    # The calendar was connected fine: its server failing now is a 503, not the caller's fault.
    if "HTTP 412" in message:
        return Conflict("the event changed on the calendar server meanwhile; retry")
    return ServiceUnavailable(redact(message))


async def _find(
    db: Database, keyring: Sealer, http: Any, user_id: int, app: str, uid: str
) -> _Found:
    if app not in SOURCES:
        raise BadRequest(f"calendar must be one of {', '.join(SOURCES)} (CalDAV calendars)")
    async with db.session() as session:
        rows = (
            await session.execute(
                select(Calendar, CalendarCredential)
                .join(CalendarCredential, CalendarCredential.id == Calendar.credential_id)
                .where(
                    Calendar.user_id == user_id,
                    CalendarCredential.app == app,
                    CalendarCredential.invalid.is_(False),
                )
                # The destination first: where calgate writes bookings' events.
                .order_by(Calendar.destination.desc(), Calendar.id)
            )
        ).all()
    if not rows:
        raise NotFound(f"no {app} calendar is connected")
    clients: dict[int, CalDAVClient] = {}
    for cal, cred in rows:
        client = clients.get(cred.id)
        if client is None:
            password = keyring.decrypt(cred.password_enc or "", password_context(cred.id))
            client = CalDAVClient(http, cred.server_url or "", cred.username or "", password)
            clients[cred.id] = client
        event = await client.find_event(cal.external_id, uid)
        if event is not None:
            return _Found(client, cal.id, event, cred.username, cal.time_zone)
    raise NotFound(f"no event {uid!r} in the connected {app} calendars")


def _calendar_url(event_url: str) -> str:
    return event_url.rsplit("/", 1)[0] + "/"


def _master(cal: icalendar.Calendar, uid: str) -> Any:
    """The event itself, not one of its moved instances (RECURRENCE-ID)."""
    events = [e for e in cal.walk("VEVENT") if str(e.get("UID", "")) == uid]
    for event in events:
        if "RECURRENCE-ID" not in event:
            return event
    if events:
        return events[0]
    raise NotFound(f"no event {uid!r} in the connected calendars")


def _apply(data: str, uid: str, changes: EventChanges) -> bytes:
    cal = ics.parse(data)
    event: Any = _master(cal, uid)
    old_start = _instant(event["DTSTART"].dt, None) if "DTSTART" in event else None
    old_end = _end(event, old_start)
    start: datetime | None = (
        _moment(changes.start, event.get("DTSTART")) if changes.start else old_start
    )
    end: datetime | None
    if changes.end:
        end = _moment(changes.end, event.get("DTEND") or event.get("DTSTART"))
    elif changes.start and old_start is not None and old_end is not None and start is not None:
        # Moved, not stretched: the event keeps its length.
        end = start + (old_end - old_start)
    else:
        end = old_end
    if start is None or end is None or end <= start:
        raise BadRequest("end must be after start")
    if changes.start:
        _set(event, "DTSTART", start)
    if changes.start or changes.end:
        event.pop("DURATION", None)
        _set(event, "DTEND", end)
    if "title" in changes.fields:
        _set(event, "SUMMARY", changes.title or "")
    if "description" in changes.fields:
        _set(event, "DESCRIPTION", changes.description)
    if changes.status is not None:
        _set(event, "STATUS", _STATUS_IN[changes.status])
    if "attendees" in changes.fields:
        event.pop("ATTENDEE", None)
        for guest in changes.attendees or ():
            event.add("attendee", _attendee(guest))
    now = datetime.now(UTC)
    _set(event, "DTSTAMP", now)
    _set(event, "LAST-MODIFIED", now)
    _set(event, "SEQUENCE", int(event.get("SEQUENCE", 0)) + 1)
    # A zone named by TZID must be defined in the object (RFC 5545 3.2.19).
    cal.add_missing_timezones()
    body: bytes = cal.to_ical()
    return body


def _set(event: Any, name: str, value: Any) -> None:
    event.pop(name, None)
    if value is not None:
        event.add(name, value)


def _moment(when: When, current: Any) -> datetime:
    """The new time, on the wall clock of the zone asked for, else the one the event used."""
    if when.time_zone:
        return when.time.astimezone(_zone(when.time_zone))
    old = getattr(current, "dt", None)
    if isinstance(old, datetime) and isinstance(old.tzinfo, ZoneInfo):
        return when.time.astimezone(old.tzinfo)
    return when.time.astimezone(UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadRequest(f"unknown time zone {name!r}") from exc


def _attendee(guest: Guest) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{guest.email}")
    if guest.name:
        address.params["CN"] = guest.name
    address.params["ROLE"] = "OPT-PARTICIPANT" if guest.optional else "REQ-PARTICIPANT"
    partstat = _PARTSTAT_IN.get(guest.response_status or "needsAction", "NEEDS-ACTION")
    address.params["PARTSTAT"] = partstat
    return address


# -- presenting --------------------------------------------------------------------------------


def _output(app: str, found: _Found) -> dict[str, Any]:
    """Cal.com's UnifiedCalendarEventOutput."""
    uid_event = _master_of(found.event.data)
    zone = ics.calendar_zone(ics.parse(found.event.data), found.zone)
    start_prop = uid_event.get("DTSTART")
    start = _instant(start_prop.dt, zone) if start_prop is not None else None
    end = _end(uid_event, start, zone)
    organizer = uid_event.get("ORGANIZER")
    hosts = [_person(organizer)] if organizer is not None else []
    url = str(uid_event.get("URL", "")) or None
    location = str(uid_event.get("LOCATION", "")) or None
    locations: list[dict[str, Any]] = []
    for link in dict.fromkeys(x for x in (url, location) if x):
        kind = "video" if link.startswith(("https://", "http://")) else "more"
        locations.append({"type": kind, "url": link, "label": None})
    status = str(uid_event.get("STATUS", "")).upper()
    return {
        "start": _when(start, start_prop, zone),
        "end": _when(end, uid_event.get("DTEND") or start_prop, zone),
        "id": str(uid_event.get("UID", "")),
        "title": str(uid_event.get("SUMMARY", "")),
        "description": str(uid_event["DESCRIPTION"]) if "DESCRIPTION" in uid_event else None,
        "locations": locations or None,
        "attendees": [_person(a) for a in _list(uid_event.get("ATTENDEE"))] or None,
        "status": _STATUS_OUT.get(status, "accepted" if not status else None),
        "hosts": hosts or None,
        "calendarEventOwner": {"email": found.owner, "name": None} if found.owner else None,
        "source": SOURCES[app],
    }


def _master_of(data: str) -> Any:
    cal = ics.parse(data)
    events = list(cal.walk("VEVENT"))
    if not events:
        raise NotFound("the calendar resource holds no event")
    uid = str(events[0].get("UID", ""))
    return _master(cal, uid)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _person(address: Any) -> dict[str, Any]:
    email = str(address)
    if email.lower().startswith("mailto:"):
        email = email[len("mailto:") :]
    params = getattr(address, "params", {})
    out: dict[str, Any] = {"email": email}
    if params.get("CN"):
        # A string when given (the document's attendee name is not nullable).
        out["name"] = str(params["CN"])
    partstat = str(params.get("PARTSTAT", "")).upper()
    out["responseStatus"] = _PARTSTAT_OUT.get(partstat)
    if params.get("ROLE"):
        out["optional"] = str(params["ROLE"]).upper() == "OPT-PARTICIPANT"
    return out


def _when(moment: datetime | None, prop: Any, zone: str | None) -> dict[str, Any]:
    value = getattr(prop, "dt", None)
    tz = value.tzinfo if isinstance(value, datetime) else None
    name = tz.key if isinstance(tz, ZoneInfo) else (zone if tz is None else "UTC")
    name = name or "UTC"
    shown = moment.astimezone(_zone(name)) if moment is not None else None
    return {"time": shown.isoformat() if shown else None, "timeZone": name}


def _instant(value: Any, zone: str | None) -> datetime:
    """A DTSTART/DTEND as a UTC instant: dates and floating times in the calendar's zone."""
    try:
        tz: tzinfo = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=tz).astimezone(UTC)
    raise BadRequest(f"the event's time is not a date or date-time: {value!r}")


def _end(event: Any, start: datetime | None, zone: str | None = None) -> datetime | None:
    if "DTEND" in event:
        return _instant(event["DTEND"].dt, zone)
    if start is not None and "DURATION" in event:
        length: timedelta = event["DURATION"].dt
        return start + length
    return start
