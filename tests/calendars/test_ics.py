"""Busy time from iCalendar data: RFC 5545 recurrence across DST, exceptions, all-day events in
the calendar's zone, transparent and cancelled events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calgate.calendars import ics

pytestmark = pytest.mark.pure

NY_TZ = """BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:STANDARD
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE"""


def cal(*events: str, zone: str | None = "America/New_York") -> str:
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//calgate tests//EN"]
    if zone:
        head.append(f"X-WR-TIMEZONE:{zone}")
    return "\r\n".join([*head, NY_TZ, *events, "END:VCALENDAR", ""])


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def busy(data: str, start: str, end: str) -> list[tuple[datetime, datetime]]:
    return ics.busy_times(ics.parse(data), z(start), z(end))


WEEKLY = """BEGIN:VEVENT
UID:weekly
DTSTAMP:20260101T000000Z
DTSTART;TZID=America/New_York:20270104T100000
DTEND;TZID=America/New_York:20270104T110000
RRULE:FREQ=WEEKLY;BYDAY=MO
EXDATE;TZID=America/New_York:20270322T100000
END:VEVENT"""


def test_weekly_event_keeps_its_wall_clock_across_dst() -> None:
    found = busy(cal(WEEKLY), "2027-03-01T00:00", "2027-03-30T00:00")
    assert found == [
        (z("2027-03-01T15:00"), z("2027-03-01T16:00")),  # EST
        (z("2027-03-08T15:00"), z("2027-03-08T16:00")),
        (z("2027-03-15T14:00"), z("2027-03-15T15:00")),  # EDT from 14 March
        (z("2027-03-29T14:00"), z("2027-03-29T15:00")),  # 22 March excluded
    ]


def test_moved_and_cancelled_instances() -> None:
    moved = """BEGIN:VEVENT
UID:weekly
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=America/New_York:20270301T100000
DTSTART;TZID=America/New_York:20270302T130000
DTEND;TZID=America/New_York:20270302T140000
END:VEVENT"""
    cancelled = """BEGIN:VEVENT
UID:weekly
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=America/New_York:20270308T100000
STATUS:CANCELLED
DTSTART;TZID=America/New_York:20270308T100000
DTEND;TZID=America/New_York:20270308T110000
END:VEVENT"""
    found = busy(cal(WEEKLY, moved, cancelled), "2027-03-01T00:00", "2027-03-10T00:00")
    assert found == [(z("2027-03-02T18:00"), z("2027-03-02T19:00"))]


def test_all_day_event_covers_the_day_in_the_calendars_zone() -> None:
    all_day = """BEGIN:VEVENT
UID:holiday
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20270310
END:VEVENT"""
    assert busy(cal(all_day), "2027-03-09T00:00", "2027-03-12T00:00") == [
        (z("2027-03-10T05:00"), z("2027-03-11T05:00"))
    ]
    in_utc = busy(cal(all_day, zone=None), "2027-03-09T00:00", "2027-03-12T00:00")
    assert in_utc == [(z("2027-03-10T00:00"), z("2027-03-11T00:00"))]


def test_transparent_and_cancelled_events_are_free() -> None:
    free = """BEGIN:VEVENT
UID:free
DTSTAMP:20260101T000000Z
TRANSP:TRANSPARENT
DTSTART:20270310T150000Z
DTEND:20270310T160000Z
END:VEVENT"""
    off = """BEGIN:VEVENT
UID:off
DTSTAMP:20260101T000000Z
STATUS:CANCELLED
DTSTART:20270310T170000Z
DTEND:20270310T180000Z
END:VEVENT"""
    taken = """BEGIN:VEVENT
UID:taken
DTSTAMP:20260101T000000Z
DTSTART:20270310T190000Z
DURATION:PT45M
END:VEVENT"""
    assert busy(cal(free, off, taken), "2027-03-10T00:00", "2027-03-11T00:00") == [
        (z("2027-03-10T19:00"), z("2027-03-10T19:45"))
    ]


def test_not_icalendar_is_refused() -> None:
    with pytest.raises(ics.InvalidCalendar):
        ics.parse("hello")
