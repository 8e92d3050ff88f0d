"""The one builder of a booking's calendar file and add-to-calendar links, read back with
icalendar as a calendar client would."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest

from calgate.calendars.booking_event import Event, Person, data_uri, ics, links

pytestmark = pytest.mark.pure

EVENT = Event(
    uid="abc@calgate",
    title="Intro, with; punctuation",
    start=datetime(2027, 3, 15, 13, 0, tzinfo=UTC),
    end=datetime(2027, 3, 15, 13, 30, tzinfo=UTC),
    description="Line one\nline two " + "é" * 80,
    location="1 Main St, Springfield",
    organizer=Person("Nora York", "nora@example.com"),
    attendees=(Person("Ada", "ada@example.com"), Person(None, "bob@example.com")),
)
STAMP = datetime(2027, 3, 1, tzinfo=UTC)


def _vevent(text: str) -> icalendar.Event:
    return next(iter(icalendar.Calendar.from_ical(text).walk("VEVENT")))


def test_an_invite_carries_method_and_sequence() -> None:
    text = ics(EVENT, stamp=STAMP, method="CANCEL", sequence=2)
    cal = icalendar.Calendar.from_ical(text)
    assert cal["METHOD"] == "CANCEL"
    ev = _vevent(text)
    assert str(ev["UID"]) == "abc@calgate"
    assert int(ev["SEQUENCE"]) == 2
    assert str(ev["SUMMARY"]) == EVENT.title
    assert str(ev["DESCRIPTION"]) == EVENT.description  # escaped and folded, read back whole
    assert ev.decoded("DTSTART") == EVENT.start
    assert [str(a) for a in ev["ATTENDEE"]] == ["mailto:ada@example.com", "mailto:bob@example.com"]
    assert ev["ATTENDEE"][0].params["CN"] == "Ada"
    assert "CN" not in ev["ATTENDEE"][1].params
    assert max(len(line.encode()) for line in text.split("\r\n")) <= 75


def test_a_stored_event_has_no_method() -> None:
    # A CalDAV object carries no METHOD (RFC 4791 4.1).
    text = ics(EVENT, stamp=STAMP)
    assert "METHOD" not in icalendar.Calendar.from_ical(text)
    assert "SEQUENCE" not in _vevent(text)
    assert str(_vevent(text)["STATUS"]) == "CONFIRMED"


def test_links_in_calcoms_order() -> None:
    found = links(EVENT, ics_link="/booking/abc/event.ics")
    assert [link.id for link in found] == [
        "googleCalendar", "microsoftOffice", "microsoftOutlook", "ics", "yahooCalendar",
    ]  # fmt: skip
    google = parse_qs(urlsplit(found[0].link).query)
    assert google["dates"] == ["20270315T130000Z/20270315T133000Z"]
    assert google["text"] == [EVENT.title]
    assert google["location"] == [EVENT.location]
    outlook = parse_qs(urlsplit(found[2].link).query)
    assert outlook["startdt"] == ["2027-03-15T13:00:00Z"]
    assert found[3].link == "/booking/abc/event.ics"


def test_a_data_uri_holds_the_file() -> None:
    text = ics(EVENT, stamp=STAMP)
    uri = data_uri(text)
    assert uri.startswith("data:text/calendar,BEGIN%3AVCALENDAR")
    assert "," not in uri.split(",", 1)[1]
