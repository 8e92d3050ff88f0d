"""Cal.com's unified calendar event endpoints on a CalDAV calendar (Radicale): an event read
from the server and updated there, found by UID whatever its resource is named; only the
owner's calendars are searched; bad input and a server that is down answer in the envelope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx2
from starlette.testclient import TestClient

from tests.api.test_calcom_document import validate
from tests.calendars.servers import Radicale
from tests.calendars.test_connected import at, create_booking, dst_monday, event_type, z
from tests.support.waiting import wait_until

UID = "planning-42@example.org"


def planning_ics(day: date) -> str:
    """A New York meeting made by another client: its resource is not named after its UID."""
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//other client//EN",
            "BEGIN:VEVENT",
            f"UID:{UID}",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=America/New_York:{day:%Y%m%d}T090000",
            f"DTEND;TZID=America/New_York:{day:%Y%m%d}T093000",
            "SUMMARY:Planning",
            "DESCRIPTION:Quarterly planning",
            "LOCATION:https://meet.example.org/planning",
            "ORGANIZER;CN=Frank:mailto:frank@example.com",
            "ATTENDEE;CN=Gina;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:gina@example.com",
            "ATTENDEE;PARTSTAT=NEEDS-ACTION;ROLE=OPT-PARTICIPANT:mailto:hal@example.com",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


def connect(client: TestClient, acct: Any, server: Radicale, user: str) -> str:
    url = server.make_calendar(user, "work")
    r = client.post(
        "/v2/calendars/caldav/credentials",
        headers=acct.headers,
        json={"username": user, "password": "pw", "url": server.url},
    )
    assert r.status_code == 201, r.text
    return url


def event_path(uid: str, *, patch: bool = False, calendar: str = "caldav") -> str:
    kind = "events" if patch else "event"
    return f"/v2/calendars/{calendar}/{kind}/{httpx2.URL(uid).raw_path.decode()}"


def test_read_and_update_an_event_on_the_caldav_server(
    client: TestClient, make_account: Any, caldav_server: Radicale, refresh: Any
) -> None:
    acct = make_account()
    calendar_url = connect(client, acct, caldav_server, "frank")
    monday = dst_monday()
    caldav_server.put(calendar_url, "made-elsewhere", planning_ics(monday), "frank")

    r = client.get(event_path(UID), headers=acct.headers)
    assert r.status_code == 200, r.text
    event = r.json()["data"]
    # Cal.com's shape; its `source` enum has no generic CalDAV, calgate's own value here.
    assert event["source"] == "caldav"
    validate({**r.json(), "data": {**event, "source": "apple"}}, "GetUnifiedCalendarEventOutput")
    assert event["id"] == UID
    assert event["title"] == "Planning"
    assert event["description"] == "Quarterly planning"
    assert event["source"] == "caldav"
    assert event["status"] == "accepted"
    assert event["start"]["timeZone"] == "America/New_York"
    assert datetime.fromisoformat(event["start"]["time"]) == at(monday, 9)
    assert datetime.fromisoformat(event["end"]["time"]) == at(monday, 9) + timedelta(minutes=30)
    assert event["locations"] == [
        {"type": "video", "url": "https://meet.example.org/planning", "label": None}
    ]
    assert event["hosts"] == [
        {"email": "frank@example.com", "name": "Frank", "responseStatus": None}
    ]
    assert [(a["email"], a["responseStatus"], a["optional"]) for a in event["attendees"]] == [
        ("gina@example.com", "accepted", False),
        ("hal@example.com", "needsAction", True),
    ]

    # Moved to 14:00 New York time: keeps its half hour; attendees replaced as a whole.
    r = client.patch(
        event_path(UID, patch=True),
        headers=acct.headers,
        json={
            "title": "Planning (moved)",
            "start": {"time": z(at(monday, 14)), "timeZone": "America/New_York"},
            "attendees": [{"email": "ivy@example.com", "name": "Ivy"}],
        },
    )
    assert r.status_code == 200, r.text
    updated = r.json()["data"]
    validate({**r.json(), "data": {**updated, "source": "apple"}}, "GetUnifiedCalendarEventOutput")
    assert updated["title"] == "Planning (moved)"
    assert datetime.fromisoformat(updated["start"]["time"]) == at(monday, 14)
    assert datetime.fromisoformat(updated["end"]["time"]) == at(monday, 14) + timedelta(minutes=30)
    assert updated["start"]["timeZone"] == "America/New_York"
    assert [a["email"] for a in updated["attendees"]] == ["ivy@example.com"]
    assert updated["description"] == "Quarterly planning"
    stored = caldav_server.get(calendar_url, "made-elsewhere", "frank").text
    unfolded = stored.replace("\r\n ", "")
    assert "SUMMARY:Planning (moved)" in unfolded
    assert "gina@example.com" not in unfolded
    assert "SEQUENCE:1" in unfolded
    assert "BEGIN:VTIMEZONE" in unfolded

    # The calendar's busy time follows on the next refresh.
    assert refresh() == 1
    r = client.get(
        "/v2/calendars/busy-times",
        headers=acct.headers,
        params={
            "dateFrom": monday.isoformat(),
            "dateTo": (monday + timedelta(days=1)).isoformat(),
            "loggedInUsersTz": "America/New_York",
            "credentialId": client.get("/v2/calendars", headers=acct.headers).json()["data"][
                "connectedCalendars"
            ][0]["credentialId"],
            "externalId": calendar_url,
        },
    )
    assert r.status_code == 200, r.text
    assert [b["start"] for b in r.json()["data"]] == [z(at(monday, 14))]

    r = client.patch(
        event_path(UID, patch=True), headers=acct.headers, json={"status": "cancelled"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["status"] == "cancelled"

    # A booking's written-back event is read by the booking's uid.
    et = event_type(client, acct)
    booked = create_booking(client, et, at(monday + timedelta(days=1), 11))
    assert booked.status_code == 201, booked.text
    uid = booked.json()["data"]["uid"]
    wait_until(lambda: caldav_server.get(calendar_url, uid, "frank").status_code == 200, timeout=20)
    r = client.get(event_path(uid), headers=acct.headers)
    assert r.status_code == 200, r.text
    assert [a["email"] for a in r.json()["data"]["attendees"]] == ["guest@example.com"]


def test_only_the_owner_and_clear_refusals(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    owner, other = make_account(), make_account()
    calendar_url = connect(client, owner, caldav_server, "owner")
    caldav_server.put(calendar_url, "made-elsewhere", planning_ics(dst_monday()), "owner")

    # Someone without a CalDAV calendar, and someone with their own: neither finds it.
    assert client.get(event_path(UID), headers=other.headers).status_code == 404
    connect(client, other, caldav_server, "other")
    r = client.get(event_path(UID), headers=other.headers)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NotFoundException"
    r = client.patch(event_path(UID, patch=True), headers=other.headers, json={"title": "Mine"})
    assert r.status_code == 404
    assert client.get(event_path("no-such-event"), headers=owner.headers).status_code == 404
    assert client.get(event_path(UID), headers={}).status_code == 401

    r = client.get(event_path(UID, calendar="google"), headers=owner.headers)
    assert r.status_code == 400, r.text
    start = datetime.now(UTC) + timedelta(days=2)
    for body in (
        {"status": "declined"},
        {"status": "maybe"},
        {"start": {"time": z(start)}, "end": {"time": z(start - timedelta(hours=1))}},
        {"start": {"time": z(start), "timeZone": "Mars/Olympus"}},
        {"colour": "red"},
        {"attendees": [{"name": "no email"}]},
    ):
        r = client.patch(event_path(UID, patch=True), headers=owner.headers, json=body)
        assert r.status_code == 400, (body, r.text)
    unchanged = client.get(event_path(UID), headers=owner.headers).json()["data"]
    assert unchanged["title"] == "Planning"

    # Down: a clear 503 within the calendar timeout, not a hang or a 500.
    caldav_server.stop()
    r = client.get(event_path(UID), headers=owner.headers)
    assert r.status_code == 503, r.text
    assert "pw" not in r.json()["error"]["message"]
