"""One meeting, one UID: the email invite (a real SMTP server), the booking page's download,
the `/calendar-links` ICS and the event written back to a CalDAV calendar (Radicale) all name
the meeting by the booking's `icsUid` (Cal.com's iCalUID), with one SEQUENCE. A reschedule
keeps the UID one SEQUENCE further, so a calendar replaces the old time instead of adding the
new one; a cancel removes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote

import httpx2
import icalendar
from sqlalchemy import select
from starlette.testclient import TestClient

from calgate.store.models import CalendarWrite
from tests.calendars.servers import Radicale
from tests.email.mailbox import Mailbox
from tests.support import outbound
from tests.support.db import rows
from tests.support.waiting import wait_until
from tests.webhooks.conftest import V_BOOKING, book, event_type, next_monday

ADA = {"name": "Ada Lovelace", "email": "ada@example.com", "timeZone": "UTC"}
BOB = {"name": "Bob Byron", "email": "bob@example.com", "timeZone": "UTC"}


# The CalDAV and SMTP servers listen on loopback; the outbox loop runs fast.
inbox = outbound.inbox
settings = outbound.settings


def connect(client: TestClient, host: Any, server: Radicale, user: str) -> str:
    """The host's CalDAV account; its calendar becomes the write-back destination."""
    calendar_url = server.make_calendar(user, "work")
    r = client.post(
        "/v2/calendars/caldav/credentials",
        headers=host.headers,
        json={"username": user, "password": "pw", "url": server.url},
    )
    assert r.status_code == 201, r.text
    r = client.put(
        "/v2/destination-calendars",
        headers=host.headers,
        json={"integration": "caldav_calendar", "externalId": calendar_url},
    )
    assert r.status_code == 200, r.text
    return calendar_url


def vevent(cal: icalendar.Calendar) -> Any:
    [event] = cal.walk("VEVENT")
    return event


def emailed(message: EmailMessage) -> icalendar.Calendar:
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            return icalendar.Calendar.from_ical(part.get_payload(decode=True))
    raise AssertionError("no text/calendar attachment")


def downloaded(client: TestClient, uid: str) -> icalendar.Calendar:
    r = client.get(f"/booking/{uid}/event.ics")
    assert r.status_code == 200, r.text
    return icalendar.Calendar.from_ical(r.text)


def linked(client: TestClient, host: Any, uid: str) -> icalendar.Calendar:
    r = client.get(f"/v2/bookings/{uid}/calendar-links", headers={**host.headers, **V_BOOKING})
    assert r.status_code == 200, r.text
    link = next(item["link"] for item in r.json()["data"] if item["id"] == "ics")
    assert link.startswith("data:text/calendar,")
    return icalendar.Calendar.from_ical(unquote(link.split(",", 1)[1]))


def meeting(server: Radicale, calendar_url: str, user: str, uid: str) -> dict[str, Any]:
    """The calendar's events with this UID, by resource name."""
    return {
        name: vevent(cal)
        for name, cal in server.events(calendar_url, user).items()
        if str(vevent(cal)["UID"]) == uid
    }


def attendees(event: Any) -> set[str]:
    found = event.get("ATTENDEE", [])
    return {str(a) for a in (found if isinstance(found, list) else [found])}


def identity(event: Any) -> tuple[str, int]:
    return str(event["UID"]), int(event.get("SEQUENCE", 0))


def test_every_surface_names_the_meeting_alike_through_a_reschedule_and_a_cancel(
    client: TestClient, make_account: Any, inbox: Mailbox, caldav_server: Radicale
) -> None:
    host = make_account(time_zone="UTC", name="Grace Hopper")
    calendar_url = connect(client, host, caldav_server, "grace")
    et = event_type(client, host)
    start = next_monday() + timedelta(hours=9)
    first = book(client, et, start, attendee=ADA)
    uid = first["icsUid"]
    assert uid.endswith("@calgate")
    assert uid != f"{first['uid']}@calgate"

    to_ada = inbox.wait_for("ada@example.com")[0]
    to_host = inbox.wait_for(host.email)[0]
    assert identity(vevent(emailed(to_ada))) == (uid, 0)
    assert identity(vevent(emailed(to_host))) == (uid, 0)
    assert identity(vevent(downloaded(client, first["uid"]))) == (uid, 0)
    assert identity(vevent(linked(client, host, first["uid"]))) == (uid, 0)
    wait_until(
        lambda: meeting(caldav_server, calendar_url, "grace", uid),
        20,
        0.1,
        what="the write-back of the booking",
    )
    written = meeting(caldav_server, calendar_url, "grace", uid)
    # Still stored under the booking uid, where updates and deletes find it.
    assert list(written) == [f"{first['uid']}.ics"]
    assert identity(written[f"{first['uid']}.ics"]) == (uid, 0)

    # The reschedule is a new booking of the same meeting: same UID, one SEQUENCE more.
    later = start + timedelta(hours=2)
    r = client.post(
        f"/v2/bookings/{first['uid']}/reschedule",
        headers=V_BOOKING,
        json={"start": later.isoformat(), "reschedulingReason": "clash"},
    )
    assert r.status_code == 201, r.text
    moved = r.json()["data"]
    assert moved["uid"] != first["uid"]
    assert moved["icsUid"] == uid
    for to in ("ada@example.com", host.email):
        event = vevent(emailed(inbox.wait_for(to, 2)[-1]))
        assert identity(event) == (uid, 1)
        assert event.decoded("DTSTART") == later
    assert identity(vevent(linked(client, host, moved["uid"]))) == (uid, 1)
    page = vevent(downloaded(client, moved["uid"]))
    assert identity(page) == (uid, 1)
    assert page.decoded("DTSTART") == later
    # The old booking's link gives the meeting as it now is, not a cancelled copy of it.
    old_page = vevent(downloaded(client, first["uid"]))
    assert identity(old_page) == (uid, 1)
    assert old_page.decoded("DTSTART") == later
    assert str(old_page["STATUS"]) == "CONFIRMED"

    def moved_in_calendar() -> dict[str, Any] | None:
        found = meeting(caldav_server, calendar_url, "grace", uid)
        return found if list(found) == [f"{moved['uid']}.ics"] else None

    [stored] = wait_until(moved_in_calendar, 20, 0.1, what="the rescheduled write-back").values()
    assert identity(stored) == (uid, 1)
    assert stored.decoded("DTSTART") == later
    assert len(caldav_server.events(calendar_url, "grace")) == 1

    r = client.post(f"/v2/bookings/{moved['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    for to in ("ada@example.com", host.email):
        cancel = emailed(inbox.wait_for(to, 3)[-1])
        assert cancel["METHOD"] == "CANCEL"
        assert identity(vevent(cancel)) == (uid, 2)
    page = vevent(downloaded(client, moved["uid"]))
    assert identity(page) == (uid, 2)
    assert str(page["STATUS"]) == "CANCELLED"
    wait_until(
        lambda: not caldav_server.events(calendar_url, "grace"),
        20,
        0.1,
        what="the write-back's delete",
    )


def test_every_seat_holder_gets_the_meetings_uid(
    client: TestClient, make_account: Any, inbox: Mailbox, caldav_server: Radicale
) -> None:
    host = make_account(time_zone="UTC")
    calendar_url = connect(client, host, caldav_server, "sam")
    seats = {"seatsPerTimeSlot": 3, "showAttendeeInfo": False, "showAvailabilityCount": True}
    et = event_type(client, host, seats=seats)
    start = next_monday() + timedelta(hours=10)
    ada = book(client, et, start, attendee=ADA)
    bob = book(client, et, start, attendee=BOB)
    assert ada["uid"] == bob["uid"]
    uid = ada["icsUid"]
    assert bob["icsUid"] == uid

    for to in ("ada@example.com", "bob@example.com"):
        assert identity(vevent(emailed(inbox.wait_for(to)[0]))) == (uid, 0)
    for message in inbox.wait_for(host.email, 2):
        assert identity(vevent(emailed(message))) == (uid, 0)
    assert identity(vevent(downloaded(client, ada["uid"]))) == (uid, 0)
    assert identity(vevent(linked(client, host, ada["uid"]))) == (uid, 0)

    def both_seats() -> Any:
        found = meeting(caldav_server, calendar_url, "sam", uid)
        people = {a for e in found.values() for a in attendees(e)}
        return found if {"mailto:ada@example.com", "mailto:bob@example.com"} <= people else None

    assert list(wait_until(both_seats, 20, 0.1, what="the write-back with both seats")) == [
        f"{ada['uid']}.ics"
    ]


def test_an_event_written_under_the_booking_uid_is_replaced(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    """Events written back before they carried the meeting's UID had the booking uid as their
    UID. A CalDAV server refuses a PUT that changes a resource's UID (RFC 4791
    no-uid-conflict), so the next write replaces the resource instead."""
    host = make_account(time_zone="UTC")
    calendar_url = connect(client, host, caldav_server, "lee")
    et = event_type(client, host)
    booked = book(client, et, next_monday() + timedelta(hours=11), attendee=ADA)
    uid, name = booked["icsUid"], booked["uid"]
    wait_until(lambda: meeting(caldav_server, calendar_url, "lee", uid), 20, 0.1)

    # The resource as older calgate wrote it.
    r = httpx2.delete(f"{calendar_url}{name}.ics", auth=("lee", "secret"))
    assert r.status_code in (200, 204), r.text
    caldav_server.put(calendar_url, name, _legacy(name, booked["start"]), "lee")
    r = httpx2.put(
        f"{calendar_url}{name}.ics",
        content=_legacy(uid, booked["start"]).encode(),
        headers={"Content-Type": "text/calendar"},
        auth=("lee", "secret"),
    )
    assert r.status_code == 409  # what the write-back meets

    r = client.post(
        f"/v2/bookings/{name}/guests",
        headers={**host.headers, **V_BOOKING},
        json={"guests": [{"email": "grace@example.com", "name": "Grace Hopper"}]},
    )
    assert r.status_code == 200, r.text

    def rewritten() -> Any:
        found = meeting(caldav_server, calendar_url, "lee", uid)
        event = found.get(f"{name}.ics")
        return (
            found if event is not None and "mailto:grace@example.com" in attendees(event) else None
        )

    wait_until(rewritten, 20, 0.1, what="the write-back replacing the old event")
    assert list(caldav_server.events(calendar_url, "lee")) == [f"{name}.ics"]

    r = client.post(f"/v2/bookings/{name}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    wait_until(lambda: not caldav_server.events(calendar_url, "lee"), 20, 0.1)


def test_an_invite_a_calendar_client_filed_is_not_doubled(
    client: TestClient, make_account: Any, inbox: Mailbox, caldav_server: Radicale
) -> None:
    """The host's calendar app filed the emailed invite in the calendar before calgate wrote
    the booking there: the write-back takes its place instead of adding a second event."""
    host = make_account(time_zone="UTC")
    et = event_type(client, host)
    booked = book(client, et, next_monday() + timedelta(hours=12), attendee=ADA)
    uid, name = booked["icsUid"], booked["uid"]
    invite = emailed(inbox.wait_for(host.email)[0])
    del invite["METHOD"]  # a stored calendar object has none (RFC 4791 4.1)
    calendar_url = connect(client, host, caldav_server, "kim")
    r = httpx2.put(
        f"{calendar_url}from-mail.ics",
        content=invite.to_ical(),
        headers={"Content-Type": "text/calendar"},
        auth=("kim", "secret"),
    )
    assert r.status_code == 201, r.text

    r = client.patch(
        f"/v2/bookings/{name}/location",
        headers={**host.headers, **V_BOOKING},
        json={"location": {"type": "address", "address": "1 Main St"}},
    )
    assert r.status_code == 200, r.text

    def written() -> Any:
        found = meeting(caldav_server, calendar_url, "kim", uid)
        return found if list(found) == [f"{name}.ics"] else None

    [event] = wait_until(
        written, 20, 0.1, what="the write-back in place of the filed invite"
    ).values()
    assert str(event["LOCATION"]) == "1 Main St"
    assert list(caldav_server.events(calendar_url, "kim")) == [f"{name}.ics"]


def _legacy(uid: str, start: str) -> str:
    begin = datetime.fromisoformat(start.replace("Z", "+00:00"))
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//calgate//calgate//EN",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{begin:%Y%m%dT%H%M%SZ}",
            f"DTEND:{begin + timedelta(minutes=30):%Y%m%dT%H%M%SZ}",
            "SUMMARY:Intro",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


def test_writes_to_one_event_are_delivered_in_order(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    """A booking made, joined by a guest and cancelled while the calendar server is down: once
    it is back the three writes go out one after the other, so the cancel's delete comes last
    and the calendar does not keep the cancelled meeting."""
    host = make_account(time_zone="UTC")
    calendar_url = connect(client, host, caldav_server, "max")
    et = event_type(client, host)
    caldav_server.stop()
    booked = book(client, et, next_monday() + timedelta(hours=13), attendee=ADA)
    name = booked["uid"]
    r = client.post(
        f"/v2/bookings/{name}/guests",
        headers={**host.headers, **V_BOOKING},
        json={"guests": [{"email": "grace@example.com", "name": "Grace Hopper"}]},
    )
    assert r.status_code == 200, r.text
    r = client.post(f"/v2/bookings/{name}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200, r.text
    caldav_server.start()

    def delivered() -> list[tuple[int, str, str]] | None:
        found = writes(client)
        return found if found and all(s == "delivered" for _, _, s in found) else None

    done = wait_until(delivered, 60, 0.2, what="the three writes delivered")
    assert [op for _, op, _ in done] == ["put", "put", "delete"]
    assert caldav_server.events(calendar_url, "max") == {}


def writes(client: TestClient) -> list[tuple[int, str, str]]:
    columns = (CalendarWrite.id, CalendarWrite.op, CalendarWrite.status)
    return rows(client, select(*columns).order_by(CalendarWrite.id))
