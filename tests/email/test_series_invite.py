"""A series' invite read back as a calendar client reads it (icalendar, recurring-ical-events):
the rule lands on each occurrence's own start across a DST change, a start the person doesn't
have is left out, and an occurrence that moved or has its own room is an override of it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events

from calgate.calendars.booking_event import Event, ics
from calgate.calendars.series import Occurrence, Series, events
from calgate.core.recurrence import Recurrence, occurrence_starts
from calgate.store.models import Booking, BookingStatus
from tests.support.clock import at, utc

pytestmark = pytest.mark.pure

ZONE = "America/New_York"
# Weekly at 10:00 New York from 8 March 2027: DST starts on the 14th.
SLOTS = tuple(
    occurrence_starts(at(date(2027, 3, 8), "10:00", ZONE), Recurrence("weekly", 1, 4), 4, ZONE)
)
ROOM = "https://meet.example.com/series"


def _occurrence(
    n: int, slot: datetime, *, moved: timedelta = timedelta(), room: str = ROOM
) -> Occurrence:
    start = slot + moved
    booking = Booking(
        id=n,
        uid=f"b{n}",
        start_time=start,
        end_time=start + timedelta(minutes=30),
        location=room,
        status=BookingStatus.ACCEPTED,
    )
    return Occurrence(booking, slot, frozenset({"host@example.com"}))


def _series(occurrences: tuple[Occurrence, ...]) -> Series:
    return Series("s1@calgate", "s1", Recurrence("weekly", 1, 4), ZONE, SLOTS, occurrences, 0)


BASE = Event(uid="", title="Intro", start=SLOTS[0], end=SLOTS[0] + timedelta(minutes=30))


def _base(_: Occurrence) -> Event:
    return BASE


def _expanded(text: str) -> list[tuple[datetime, str]]:
    cal = icalendar.Calendar.from_ical(text)
    found = recurring_ical_events.of(cal).between(date(2027, 1, 1), date(2028, 1, 1))
    return sorted((e.decoded("DTSTART"), str(e["LOCATION"])) for e in found)


def test_the_rule_lands_on_each_start_across_dst() -> None:
    held = tuple(_occurrence(n, slot) for n, slot in enumerate(SLOTS))
    text = ics(events(_series(held), held, _base), stamp=utc(2027, 3, 1), method="REQUEST")
    assert [start for start, _ in _expanded(text)] == list(SLOTS)
    # 15:00Z before New York's change, 14:00Z after: the zone's rule, not a fixed offset.
    assert [s.hour for s in SLOTS] == [15, 14, 14, 14]
    (vevent,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert "EXDATE" not in vevent


def test_left_out_moved_and_own_room_occurrences() -> None:
    first = _occurrence(1, SLOTS[0])
    own_room = _occurrence(3, SLOTS[2], room="https://meet.example.com/third")
    moved = _occurrence(4, SLOTS[3], moved=timedelta(hours=2))
    held = (first, own_room, moved)  # the second is not this person's
    text = ics(events(_series(held), held, _base), stamp=utc(2027, 3, 1), method="REQUEST")
    cal = icalendar.Calendar.from_ical(text)
    master, *overrides = cal.walk("VEVENT")
    assert master["RRULE"]["COUNT"] == [4]
    assert [d.dt for d in master["EXDATE"].dts] == [SLOTS[1]]
    assert sorted(o.decoded("RECURRENCE-ID") for o in overrides) == [SLOTS[2], SLOTS[3]]
    assert {str(o["UID"]) for o in cal.walk("VEVENT")} == {"s1@calgate"}
    assert _expanded(text) == [
        (SLOTS[0], ROOM),
        (SLOTS[2], "https://meet.example.com/third"),
        (SLOTS[3] + timedelta(hours=2), ROOM),
    ]


def test_the_series_cancel_is_its_rule_alone() -> None:
    held = (_occurrence(1, SLOTS[1]), _occurrence(2, SLOTS[2], moved=timedelta(hours=1)))
    text = ics(
        events(_series(held), held, _base, cancelled=True), stamp=utc(2027, 3, 1), method="CANCEL"
    )
    (vevent,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert "RECURRENCE-ID" not in vevent
    assert vevent.decoded("DTSTART") == SLOTS[1]
