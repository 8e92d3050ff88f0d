"""A recurring series written back to the host's CalDAV calendar (Radicale) as ONE recurring
event, as its emails carry it and as Cal.com writes a recurring booking to Google Calendar: one
resource `<recurringBookingUid>.ics` whose rule a calendar client (recurring-ical-events)
expands to the bookings' own starts across a DST change, under the UID of the emailed invite.
Every change to an occurrence rewrites it: a cancelled one is an EXDATE, a moved one or one with
its own people an override; the series' last occurrence gone, the resource goes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
import pytest
import recurring_ical_events
from sqlalchemy import select
from starlette.testclient import TestClient

from calgate.calendars.outbox import PENDING, PUT, event_ics
from calgate.store.models import Booking, Calendar, CalendarWrite, User
from tests.calendars.servers import Radicale
from tests.calendars.test_meeting_uid import attendees, connect, emailed
from tests.email.mailbox import Mailbox
from tests.email.test_recipients import team_event_type
from tests.email.test_team_verified import team
from tests.support import outbound
from tests.support.clock import at, instant, travel, utc, z
from tests.support.db import rows, statements
from tests.support.waiting import wait_until
from tests.webhooks.conftest import V_BOOKING, event_type

# The SMTP server and the settings that mail through it.
inbox = outbound.inbox
settings = outbound.settings

# Pinned so the series crosses New York's spring DST change (14 March 2027): the host's clock,
# which the series keeps.
NOW = utc(2027, 3, 1, 12)
FIRST = at(date(2027, 3, 8), "10:00", "America/New_York")
WEEKLY_4 = {"frequency": "weekly", "interval": 1, "occurrences": 4}
ADA = {"name": "Ada Lovelace", "email": "ada@example.com", "timeZone": "Europe/Berlin"}
GRACE = {"email": "grace@example.com", "name": "Grace Hopper"}


@pytest.fixture(autouse=True)
def _march_2027() -> Iterator[None]:
    with travel(NOW):
        yield


def book_series(client: TestClient, et: int, start: datetime = FIRST) -> list[dict[str, Any]]:
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={"start": z(start), "eventTypeId": et, "attendee": ADA},
    )
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert isinstance(data, list)
    return list(data)


def starts(occurrences: list[dict[str, Any]]) -> list[datetime]:
    return [instant(o["start"]) for o in occurrences]


def writes(client: TestClient) -> list[tuple[str, str, str]]:
    """Every write-back queued, in order: (op, resource name, status)."""
    columns = (CalendarWrite.op, CalendarWrite.booking_uid, CalendarWrite.status)
    return rows(client, select(*columns).order_by(CalendarWrite.id))


def settled(client: TestClient) -> list[tuple[str, str]]:
    """Once every write queued is delivered: (op, resource name) of each, in order."""

    def delivered() -> list[tuple[str, str, str]] | None:
        found = writes(client)
        return found if all(status == "delivered" for *_, status in found) else None

    done = wait_until(delivered, 30, 0.1, what="every calendar write delivered")
    return [(op, name) for op, name, _ in done]


def resources(server: Radicale, calendar_url: str, user: str) -> dict[str, icalendar.Calendar]:
    return server.events(calendar_url, user)


def expanded(cal: icalendar.Calendar) -> list[datetime]:
    """The starts a calendar client shows for the resource, in UTC."""
    found = recurring_ical_events.of(cal).between(date(2027, 1, 1), date(2028, 1, 1))
    return sorted(instant(e.decoded("DTSTART").isoformat()) for e in found)


def the_series(server: Radicale, calendar_url: str, user: str, name: str) -> icalendar.Calendar:
    """The calendar holds exactly one resource, the series'."""
    found = resources(server, calendar_url, user)
    assert list(found) == [f"{name}.ics"]
    return found[f"{name}.ics"]


def split(cal: icalendar.Calendar) -> tuple[Any, dict[datetime, Any]]:
    """The series' rule and its overrides by RECURRENCE-ID (UTC)."""
    masters = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e]
    assert len(masters) == 1
    overrides = {
        instant(e.decoded("RECURRENCE-ID").isoformat()): e
        for e in cal.walk("VEVENT")
        if "RECURRENCE-ID" in e
    }
    return masters[0], overrides


def test_a_series_is_one_recurring_event_in_the_hosts_calendar(
    client: TestClient, make_account: Any, inbox: Mailbox, caldav_server: Radicale
) -> None:
    host = make_account(time_zone="America/New_York", name="Grace Hopper")
    calendar_url = connect(client, host, caldav_server, "grace")
    et = event_type(client, host, recurrence=WEEKLY_4)
    occurrences = book_series(client, et)
    series = occurrences[0]["recurringBookingUid"]
    booked = starts(occurrences)
    # The host's 10:00 every Monday: 15:00Z before New York's DST change, 14:00Z after.
    assert [s.hour for s in booked] == [15, 14, 14, 14]

    # One write for the whole series, not one per occurrence.
    assert settled(client) == [(PUT, series)]
    cal = the_series(caldav_server, calendar_url, "grace", series)
    assert expanded(cal) == booked
    master, overrides = split(cal)
    assert overrides == {}
    assert master["RRULE"]["FREQ"] == ["WEEKLY"]
    assert master["RRULE"]["COUNT"] == [4]
    assert "EXDATE" not in master
    assert master["DTSTART"].params["TZID"] == "America/New_York"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    assert "METHOD" not in cal  # a stored calendar object (RFC 4791 4.1)
    assert attendees(master) == {"mailto:ada@example.com"}

    # The emailed series invite names the same event: a calendar holding both holds one.
    (to_host,) = inbox.wait_for(host.email)
    (invited,) = emailed(to_host).walk("VEVENT")
    assert str(invited["UID"]) == str(master["UID"])
    assert int(invited["SEQUENCE"]) == int(master["SEQUENCE"]) == 0

    # Every occurrence refers to the series' event.
    for occurrence in occurrences:
        r = client.get(
            f"/v2/bookings/{occurrence['uid']}/references",
            headers={**host.headers, **V_BOOKING},
        )
        assert r.status_code == 200, r.text
        assert [(ref["type"], ref["eventUid"]) for ref in r.json()["data"]] == [
            ("caldav_calendar", series)
        ]

    # The series cancelled at once: one delete.
    r = client.post(f"/v2/bookings/{series}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    assert settled(client) == [(PUT, series), ("delete", series)]
    assert resources(caldav_server, calendar_url, "grace") == {}


def test_each_change_to_an_occurrence_rewrites_the_series(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    host = make_account(time_zone="America/New_York")
    calendar_url = connect(client, host, caldav_server, "lin")
    et = event_type(client, host, recurrence=WEEKLY_4)
    occurrences = book_series(client, et)
    series = occurrences[0]["recurringBookingUid"]
    booked = starts(occurrences)
    settled(client)
    uid = str(split(the_series(caldav_server, calendar_url, "lin", series))[0]["UID"])

    def current() -> tuple[icalendar.Calendar, Any, dict[datetime, Any]]:
        settled(client)
        cal = the_series(caldav_server, calendar_url, "lin", series)
        master, overrides = split(cal)
        assert {str(e["UID"]) for e in cal.walk("VEVENT")} == {uid}
        return cal, master, overrides

    # One occurrence cancelled: its start left out of the rule.
    r = client.post(f"/v2/bookings/{occurrences[1]['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    cal, master, overrides = current()
    assert expanded(cal) == [booked[0], booked[2], booked[3]]
    assert [instant(d.dt.isoformat()) for d in master["EXDATE"].dts] == [booked[1]]
    assert master["RRULE"]["COUNT"] == [4]
    assert overrides == {}

    # One moved: the override at the start the rule gives it, the rule's start gone.
    later = booked[2] + timedelta(hours=2)
    r = client.post(
        f"/v2/bookings/{occurrences[2]['uid']}/reschedule",
        headers=V_BOOKING,
        json={"start": z(later)},
    )
    assert r.status_code == 201, r.text
    moved = r.json()["data"]
    cal, master, overrides = current()
    assert expanded(cal) == [booked[0], later, booked[3]]
    assert list(overrides) == [booked[2]]
    assert instant(overrides[booked[2]].decoded("DTSTART").isoformat()) == later
    assert int(master["SEQUENCE"]) == 2  # two of its bookings ended: cancelled, moved away

    # A guest added to the last one: that occurrence lists them, the others don't.
    r = client.post(
        f"/v2/bookings/{occurrences[3]['uid']}/guests",
        headers={**host.headers, **V_BOOKING},
        json={"guests": [GRACE]},
    )
    assert r.status_code == 200, r.text
    cal, master, overrides = current()
    assert expanded(cal) == [booked[0], later, booked[3]]
    assert sorted(overrides) == [booked[2], booked[3]]
    assert "mailto:grace@example.com" in attendees(overrides[booked[3]])
    assert "mailto:grace@example.com" not in attendees(master)
    assert "mailto:grace@example.com" not in attendees(overrides[booked[2]])

    # The first one's own place: an override too.
    r = client.patch(
        f"/v2/bookings/{occurrences[0]['uid']}/location",
        headers={**host.headers, **V_BOOKING},
        json={"location": {"type": "address", "address": "1 Main St"}},
    )
    assert r.status_code == 200, r.text
    cal, master, overrides = current()
    found = recurring_ical_events.of(cal).between(date(2027, 1, 1), date(2028, 1, 1))
    places = {instant(e.decoded("DTSTART").isoformat()): str(e.get("LOCATION")) for e in found}
    assert places[booked[0]] == "1 Main St"
    assert places[booked[3]] != "1 Main St"

    # The moved one and every later one cancelled: the first is left, alone in the rule.
    r = client.post(
        f"/v2/bookings/{moved['uid']}/cancel",
        headers=V_BOOKING,
        json={"cancelSubsequentBookings": True},
    )
    assert r.status_code == 200, r.text
    cal, master, overrides = current()
    assert expanded(cal) == [booked[0]]
    assert master["RRULE"]["COUNT"] == [1]

    # The last one cancelled: the series leaves the calendar.
    r = client.post(f"/v2/bookings/{occurrences[0]['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    assert settled(client)[-1] == ("delete", series)
    assert resources(caldav_server, calendar_url, "lin") == {}
    # Every write was of the series' one resource.
    assert {name for _, name in settled(client)} == {series}


def test_a_series_invite_the_calendar_app_filed_is_not_doubled(
    client: TestClient, make_account: Any, inbox: Mailbox, caldav_server: Radicale
) -> None:
    """The host's calendar app filed the emailed series invite in the calendar before calgate
    wrote the series there: the write-back takes its place instead of adding a second series."""
    host = make_account(time_zone="America/New_York")
    et = event_type(client, host, recurrence=WEEKLY_4)
    occurrences = book_series(client, et)
    series = occurrences[0]["recurringBookingUid"]
    (to_host,) = inbox.wait_for(host.email)
    filed = emailed(to_host)
    del filed["METHOD"]  # a stored calendar object has none (RFC 4791 4.1)
    calendar_url = connect(client, host, caldav_server, "kim")
    caldav_server.put(calendar_url, "from-mail", filed.to_ical().decode(), "kim")

    r = client.post(f"/v2/bookings/{occurrences[1]['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    settled(client)
    cal = the_series(caldav_server, calendar_url, "kim", series)
    (invited,) = filed.walk("VEVENT")
    assert str(split(cal)[0]["UID"]) == str(invited["UID"])
    booked = starts(occurrences)
    assert expanded(cal) == [booked[0], booked[2], booked[3]]


def test_a_pending_series_is_written_once_confirmed(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    host = make_account(time_zone="America/New_York")
    calendar_url = connect(client, host, caldav_server, "sue")
    policy = {"type": "always", "blockUnconfirmedBookingsInBooker": True}
    et = event_type(client, host, recurrence=WEEKLY_4, confirmationPolicy=policy)
    occurrences = book_series(client, et)
    series = occurrences[0]["recurringBookingUid"]
    assert writes(client) == []

    r = client.post(
        f"/v2/bookings/{occurrences[0]['uid']}/confirm", headers={**host.headers, **V_BOOKING}
    )
    assert r.status_code == 200, r.text
    assert settled(client) == [(PUT, series)]
    cal = the_series(caldav_server, calendar_url, "sue", series)
    assert expanded(cal) == starts(occurrences)

    # A series declined before it was ever written leaves nothing to write.
    later = book_series(client, et, FIRST + timedelta(hours=2))
    r = client.post(
        f"/v2/bookings/{later[0]['uid']}/decline",
        headers={**host.headers, **V_BOOKING},
        json={"reason": "no"},
    )
    assert r.status_code == 200, r.text
    assert settled(client) == [(PUT, series)]


def test_round_robin_hosts_each_hold_their_occurrences(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    """The series keeps its first host while free; an occurrence another host took is in that
    host's calendar and left out of the first host's."""
    owner = make_account(time_zone="America/New_York")
    a = make_account(time_zone="America/New_York")
    b = make_account(time_zone="America/New_York")
    tid = team(client, owner, (a, "MEMBER"), (b, "MEMBER"))
    a_calendar = connect(client, a, caldav_server, "ann")
    b_calendar = connect(client, b, caldav_server, "ben")
    et = team_event_type(
        client,
        owner,
        tid,
        schedulingType="roundRobin",
        hosts=[{"userId": a.id}, {"userId": b.id}],
        recurrence=WEEKLY_4,
    )
    # B is busy at the first start, A at the third: A takes the series, B the third.
    third = at(date(2027, 3, 22), "10:00", "America/New_York")
    for busy, when in ((b, FIRST), (a, third)):
        own = event_type(client, busy, slug="own")
        r = client.post(
            "/v2/bookings",
            headers=V_BOOKING,
            json={"start": z(when), "eventTypeId": own, "attendee": ADA},
        )
        assert r.status_code == 201, r.text
    occurrences = book_series(client, et)
    series = occurrences[0]["recurringBookingUid"]
    assert [o["hosts"][0]["id"] for o in occurrences] == [a.id, a.id, b.id, a.id]
    booked = starts(occurrences)
    settled(client)

    def series_of(calendar_url: str, user: str) -> icalendar.Calendar:
        return next(
            cal
            for name, cal in resources(caldav_server, calendar_url, user).items()
            if name == f"{series}.ics"
        )

    a_series = series_of(a_calendar, "ann")
    assert expanded(a_series) == [booked[0], booked[1], booked[3]]
    assert expanded(series_of(b_calendar, "ben")) == [booked[2]]
    assert str(split(a_series)[0]["UID"]) == str(split(series_of(b_calendar, "ben"))[0]["UID"])

    # B's only occurrence cancelled: the series leaves B's calendar, A's is as it was.
    r = client.post(f"/v2/bookings/{occurrences[2]['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    settled(client)
    assert f"{series}.ics" not in resources(caldav_server, b_calendar, "ben")
    assert expanded(series_of(a_calendar, "ann")) == [booked[0], booked[1], booked[3]]


def test_a_series_written_one_event_per_occurrence_becomes_one(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    """Before series were written as one event, each occurrence was its own `<uid>.ics` (the
    first one's with the series' UID). The series' next change writes it as one and deletes
    those, so the calendar does not show the occurrences twice."""
    host = make_account(time_zone="America/New_York")
    et = event_type(client, host, recurrence=WEEKLY_4)
    occurrences = book_series(client, et)
    series = occurrences[0]["recurringBookingUid"]
    calendar_url = connect(client, host, caldav_server, "old")
    assert writes(client) == []  # booked before the host had a calendar
    db = client.app.state.calgate.db  # type: ignore[attr-defined]

    async def write_each() -> None:
        """What earlier calgate queued for the series: one event per occurrence, each under
        its booking's uid, delivered by the same loop."""
        async with db.transaction() as session:
            calendar_id = await session.scalar(
                select(Calendar.id).where(Calendar.user_id == host.id)
            )
            for one in occurrences:
                booking = await session.scalar(select(Booking).where(Booking.uid == one["uid"]))
                assert booking is not None
                assert calendar_id is not None
                held = Held(booking, await session.get(User, booking.user_id))
                session.add(
                    CalendarWrite(
                        calendar_id=calendar_id,
                        booking_uid=booking.uid,
                        op=PUT,
                        body=event_ics(held, NOW),
                        status=PENDING,
                        not_before=NOW,
                        attempts=0,
                    )
                )

    assert client.portal is not None
    client.portal.call(write_each)
    settled(client)
    per_occurrence = {f"{o['uid']}.ics" for o in occurrences}
    assert set(resources(caldav_server, calendar_url, "old")) == per_occurrence

    r = client.post(f"/v2/bookings/{occurrences[3]['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    done = settled(client)
    cal = the_series(caldav_server, calendar_url, "old", series)
    assert expanded(cal) == starts(occurrences)[:3]
    assert sorted(done[4:]) == sorted([("delete", o["uid"]) for o in occurrences] + [(PUT, series)])


@dataclass(frozen=True)
class Held:
    booking: Booking
    host: User | None


def test_a_series_no_calendar_concerns_is_not_locked_or_read_for_write_back(
    client: TestClient, make_account: Any
) -> None:
    # Most hosts have no calendar connected: a change to their series asks one question, not
    # the series' lock (PostgreSQL) and the reads a write of the series needs.
    host = make_account(time_zone="America/New_York", name="Grace Hopper")
    et = event_type(client, host, recurrence=WEEKLY_4)
    occurrences = book_series(client, et)
    with statements() as ran:
        r = client.post(f"/v2/bookings/{occurrences[1]['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    assert not [s for s in ran if "pg_advisory_xact_lock" in s or "calendar_writes.op" in s]
    assert writes(client) == []
