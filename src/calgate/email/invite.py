"""The `.ics` invite a booking email carries (RFC 5545/5546, built with icalendar).

One UID for the life of a meeting: a reschedule is a new booking on the wire, but for the
attendee's calendar it is the same event moved, so the UID is the first booking's and SEQUENCE
counts the changes (each reschedule and the cancel raise it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import icalendar


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    method: str  # REQUEST | CANCEL
    title: str
    description: str | None
    location: str | None
    start: datetime
    end: datetime
    organizer: Person | None
    attendees: tuple[Person, ...]
    url: str | None
    stamp: datetime


def ics(invite: Invite) -> str:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//calgate//calgate//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", invite.method)
    event = icalendar.Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", invite.stamp)
    event.add("dtstart", invite.start)
    event.add("dtend", invite.end)
    event.add("summary", invite.title)
    if invite.description:
        event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    if invite.url:
        event.add("url", invite.url)
    event.add("status", "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED")
    if invite.organizer is not None:
        organizer = icalendar.vCalAddress(f"mailto:{invite.organizer.email}")
        organizer.params["cn"] = icalendar.vText(invite.organizer.name)
        event.add("organizer", organizer)
    for person in invite.attendees:
        attendee = icalendar.vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = icalendar.vText(person.name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText("ACCEPTED")
        event.add("attendee", attendee)
    cal.add_component(event)
    return bytes(cal.to_ical()).decode()
