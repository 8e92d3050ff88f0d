"""Connected calendars over HTTP against real servers on loopback: ICS feeds served by a local
HTTP server and CalDAV accounts on Radicale. Busy time blocks slots and bookings (with the
reason `busy_calendar`), a calendar server that is down leaves the cached view in place."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings
from tests.calendars.servers import Feeds, Radicale
from tests.support.waiting import wait_until

V_BOOKINGS = {"cal-api-version": "2024-08-13"}
V_EVENT_TYPES = {"cal-api-version": "2024-06-14"}
V_SLOTS = {"cal-api-version": "2024-09-04"}
NY = ZoneInfo("America/New_York")


def dst_monday() -> date:
    """The first Monday after the next spring-forward in New York (within the busy horizon)."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    while True:
        noon = datetime.combine(day, time(12), NY)
        before = datetime.combine(day - timedelta(days=1), time(12), NY)
        if noon.utcoffset() != before.utcoffset() and noon.utcoffset() == timedelta(hours=-4):
            break
        day += timedelta(days=1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def weekly_ics(first: date, uid: str = "standup") -> str:
    """A Monday 10:00-11:00 New York meeting from four weeks before ``first``, every week."""
    start = first - timedelta(weeks=4)
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//calgate tests//EN",
            "X-WR-CALNAME:Work",
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=America/New_York:{start:%Y%m%d}T100000",
            f"DTEND;TZID=America/New_York:{start:%Y%m%d}T110000",
            "RRULE:FREQ=WEEKLY;BYDAY=MO",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), NY).astimezone(UTC)


def z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_type(client: TestClient, acct: Any) -> int:
    body = {
        "title": "Intro",
        "slug": f"intro-{uuid.uuid4().hex[:8]}",
        "lengthInMinutes": 60,
        "minimumBookingNotice": 0,
    }
    r = client.post("/v2/event-types", headers={**acct.headers, **V_EVENT_TYPES}, json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def slot_starts(client: TestClient, event_type_id: int, day: date) -> list[str]:
    r = client.get(
        "/v2/slots",
        params={
            "eventTypeId": event_type_id,
            "start": day.isoformat(),
            "end": day.isoformat(),
            "timeZone": "America/New_York",
        },
        headers=V_SLOTS,
    )
    assert r.status_code == 200, r.text
    return [s["start"] for s in r.json()["data"].get(day.isoformat(), [])]


def create_booking(client: TestClient, event_type_id: int, start: datetime) -> Any:
    return client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={
            "start": z(start),
            "eventTypeId": event_type_id,
            "attendee": {"name": "Guest", "email": "guest@example.com", "timeZone": "UTC"},
        },
    )


def test_ics_feed_blocks_slots_and_bookings(
    client: TestClient, make_account: Any, feeds: Feeds
) -> None:
    acct = make_account()
    monday = dst_monday()
    url = feeds.add("/work.ics", weekly_ics(monday))
    r = client.post(
        "/v2/calendars/ics-feed/save", headers=acct.headers, json={"urls": [url], "readOnly": True}
    )
    assert r.status_code == 201, r.text
    saved = r.json()["data"]
    assert saved["type"] == "ics-feed_calendar"
    assert saved["appId"] == "ics-feed"
    assert saved["userId"] == acct.id
    assert saved["invalid"] is False

    r = client.get("/v2/calendars/ics-feed/check", headers=acct.headers)
    assert r.status_code == 200, r.text

    listed = client.get("/v2/calendars", headers=acct.headers).json()["data"]
    [connected] = listed["connectedCalendars"]
    assert connected["credentialId"] == saved["id"]
    assert connected["integration"]["type"] == "ics-feed_calendar"
    assert connected["calendars"] == [
        {
            "externalId": url,
            "integration": "ics-feed_calendar",
            "name": "Work",
            "primary": False,
            "readOnly": True,
            "email": None,
            "isSelected": True,
            "credentialId": saved["id"],
        }
    ]
    assert listed["destinationCalendar"] is None

    # The meeting is at 10:00 New York time: 14:00Z in the DST week.
    r = client.get(
        "/v2/calendars/busy-times",
        headers=acct.headers,
        params={
            "dateFrom": monday.isoformat(),
            "dateTo": (monday + timedelta(days=1)).isoformat(),
            "loggedInUsersTz": "America/New_York",
            "calendarsToLoad[0][credentialId]": saved["id"],
            "calendarsToLoad[0][externalId]": url,
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"] == [
        {"start": z(at(monday, 10)), "end": z(at(monday, 11)), "source": "Work"}
    ]

    et = event_type(client, acct)
    starts = slot_starts(client, et, monday)
    assert not any(s.startswith(f"{monday.isoformat()}T10:00") for s in starts)
    assert any(s.startswith(f"{monday.isoformat()}T11:00") for s in starts)

    refused = create_booking(client, et, at(monday, 10))
    assert refused.status_code == 400, refused.text
    assert "calendar" in refused.text
    assert "busy_calendar" in refused.text
    assert create_booking(client, et, at(monday, 11)).status_code == 201

    # Unselected, the feed no longer counts.
    r = client.delete(
        "/v2/selected-calendars",
        headers=acct.headers,
        params={"integration": "ics-feed_calendar", "externalId": url, "credentialId": saved["id"]},
    )
    assert r.status_code == 200, r.text
    assert create_booking(client, et, at(monday, 10)).status_code == 201


def test_ics_feed_is_read_conditionally(
    client: TestClient, make_account: Any, feeds: Feeds, refresh: Any
) -> None:
    acct = make_account()
    url = feeds.add("/cal.ics", weekly_ics(dst_monday()))
    r = client.post("/v2/calendars/ics-feed/save", headers=acct.headers, json={"urls": [url]})
    assert r.status_code == 201, r.text
    assert feeds.not_modified == 0
    assert refresh() == 1
    assert feeds.not_modified == 1


def test_bad_feeds_are_refused(
    client: TestClient, make_account: Any, feeds: Feeds, settings: Settings
) -> None:
    acct = make_account()
    for body in (
        {"urls": []},
        {"urls": ["ftp://example.com/x.ics"]},
        {"urls": [feeds.url + "/missing.ics"]},
        {"urls": [feeds.add("/notics", "hello")]},
    ):
        r = client.post("/v2/calendars/ics-feed/save", headers=acct.headers, json=body)
        assert r.status_code == 400, (body, r.text)
    r = client.get("/v2/calendars/ics-feed/check", headers=acct.headers)
    assert r.status_code == 400
    # Loopback is refused unless CALGATE_CALENDAR_ALLOW_PRIVATE says otherwise.
    guarded = replace(settings, calendar_allow_private=False)
    with TestClient(create_app(guarded), raise_server_exceptions=False) as other:
        url = feeds.add("/ok.ics", weekly_ics(dst_monday()))
        r = other.post("/v2/calendars/ics-feed/save", headers=acct.headers, json={"urls": [url]})
        assert r.status_code == 400, r.text
        assert "CALGATE_CALENDAR_ALLOW_PRIVATE" in r.text


def test_caldav_account_busy_time_and_outage(
    client: TestClient, make_account: Any, caldav_server: Radicale, refresh: Any
) -> None:
    acct = make_account()
    calendar_url = caldav_server.make_calendar("alice", "work")
    monday = dst_monday()
    caldav_server.put(calendar_url, "standup", weekly_ics(monday), "alice")

    r = client.post(
        "/v2/calendars/caldav/credentials",
        headers=acct.headers,
        json={"username": "alice", "password": "secret", "url": caldav_server.url},
    )
    assert r.status_code == 201, r.text
    credential = r.json()["data"]
    assert credential["type"] == "caldav_calendar"
    assert client.get("/v2/calendars/caldav/check", headers=acct.headers).status_code == 200

    listed = client.get("/v2/calendars", headers=acct.headers).json()["data"]
    [connected] = listed["connectedCalendars"]
    [cal] = connected["calendars"]
    assert cal["externalId"] == calendar_url
    assert cal["isSelected"] is True
    assert cal["readOnly"] is False
    assert connected["primary"]["externalId"] == calendar_url
    assert listed["destinationCalendar"]["externalId"] == calendar_url

    et = event_type(client, acct)
    refused = create_booking(client, et, at(monday, 10))
    assert refused.status_code == 400, refused.text
    assert "busy_calendar" in refused.text
    before = slot_starts(client, et, monday)
    assert not any(s.startswith(f"{monday.isoformat()}T10:00") for s in before)

    # Down: the refresh fails within the timeout, the cached busy time stays in force.
    caldav_server.stop()
    assert refresh() == 0
    assert slot_starts(client, et, monday) == before
    assert create_booking(client, et, at(monday, 10)).status_code == 400
    assert client.get("/v2/calendars/caldav/check", headers=acct.headers).status_code == 400

    caldav_server.start()
    assert refresh() == 1
    assert client.get("/v2/calendars/caldav/check", headers=acct.headers).status_code == 200

    r = client.post(
        "/v2/calendars/caldav/disconnect", headers=acct.headers, json={"id": credential["id"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["id"] == credential["id"]
    assert client.get("/v2/calendars", headers=acct.headers).json()["data"] == {
        "connectedCalendars": [],
        "destinationCalendar": None,
    }
    assert create_booking(client, et, at(monday, 10)).status_code == 201


def test_caldav_password_is_sealed_and_wrong_input_is_refused(
    client: TestClient, make_account: Any, caldav_server: Radicale
) -> None:
    from sqlalchemy import select

    from calgate.store.models import CalendarCredential

    acct = make_account()
    caldav_server.make_calendar("bob", "home")
    r = client.post(
        "/v2/calendars/caldav/credentials",
        headers=acct.headers,
        json={"username": "bob", "password": "hunter2-secret", "url": caldav_server.url},
    )
    assert r.status_code == 201, r.text

    async def stored() -> str | None:
        db = client.app.state.calgate.db  # type: ignore[attr-defined]
        async with db.session() as session:
            value = await session.scalar(select(CalendarCredential.password_enc))
            return str(value) if value is not None else None

    assert client.portal is not None
    sealed = client.portal.call(stored)
    assert sealed is not None
    assert "hunter2" not in sealed

    for path, body in (
        ("/v2/calendars/caldav/credentials", {"username": "bob", "password": "x"}),
        ("/v2/calendars/nope/credentials", {"username": "bob", "password": "x"}),
        ("/v2/calendars/caldav/credentials", {"username": "bob"}),
    ):
        r = client.post(path, headers=acct.headers, json=body)
        assert r.status_code in (400, 404), (path, r.text)
    r = client.post("/v2/calendars/caldav/disconnect", headers=acct.headers, json={"id": 999})
    assert r.status_code == 404
    r = client.put(
        "/v2/destination-calendars",
        headers=acct.headers,
        json={"integration": "apple_calendar", "externalId": "nope"},
    )
    assert r.status_code == 404


def test_rotate_secrets_covers_calendar_passwords(
    client: TestClient, make_account: Any, caldav_server: Radicale, refresh: Any
) -> None:
    from calgate.gateway.rotate import rotate
    from calgate.security.crypto import Keyring, default_key_id
    from tests.conftest import TEST_SECRET

    acct = make_account()
    caldav_server.make_calendar("carol", "main")
    r = client.post(
        "/v2/calendars/caldav/credentials",
        headers=acct.headers,
        json={"username": "carol", "password": "pw", "url": caldav_server.url},
    )
    assert r.status_code == 201, r.text
    current = (default_key_id(TEST_SECRET), TEST_SECRET)
    runtime = client.app.state.calgate  # type: ignore[attr-defined]

    async def go() -> dict[str, Any]:
        return (await rotate(runtime.db, Keyring([("new", "another-secret"), current]))).to_json()

    assert client.portal is not None
    report = client.portal.call(go)
    assert report["rotated"]["calendar_credentials.password"] == 1
    assert report["remaining"] == 0
    # The server, whose keyring still holds the old key alone, now fails to read the account:
    # proof the stored value moved to the new key.
    assert refresh() == 0


def test_done_means_scenario_with_write_back(
    client: TestClient, make_account: Any, caldav_server: Radicale, refresh: Any
) -> None:
    """Issue 15's "Done means": a recurring event in a DST week refuses a booking with a
    calendar reason; a booking appears in the CalDAV calendar and leaves it on cancel; with
    the server stopped, slots answer from cache and the write happens once it is back."""
    acct = make_account()
    calendar_url = caldav_server.make_calendar("dana", "work")
    monday = dst_monday()
    caldav_server.put(calendar_url, "standup", weekly_ics(monday), "dana")
    r = client.post(
        "/v2/calendars/caldav/credentials",
        headers=acct.headers,
        json={"username": "dana", "password": "pw", "url": caldav_server.url},
    )
    assert r.status_code == 201, r.text
    r = client.put(
        "/v2/destination-calendars",
        headers=acct.headers,
        json={"integration": "caldav_calendar", "externalId": calendar_url},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["externalId"] == calendar_url
    et = event_type(client, acct)

    refused = create_booking(client, et, at(monday, 10))
    assert refused.status_code == 400
    assert "busy_calendar" in refused.text

    booked = create_booking(client, et, at(monday, 11))
    assert booked.status_code == 201, booked.text
    uid = booked.json()["data"]["uid"]
    wait_until(lambda: caldav_server.get(calendar_url, uid, "dana").status_code == 200, timeout=20)
    # Unfolded (RFC 5545 3.1: long lines continue after CRLF + space).
    event = caldav_server.get(calendar_url, uid, "dana").text.replace("\r\n ", "")
    assert f"UID:{booked.json()['data']['icsUid']}" in event
    assert "guest@example.com" in event

    r = client.post(f"/v2/bookings/{uid}/cancel", headers=V_BOOKINGS, json={})
    assert r.status_code == 200, r.text
    wait_until(lambda: caldav_server.get(calendar_url, uid, "dana").status_code == 404, timeout=20)

    # Server down: slots answer from the cache, the booking's write waits for the server.
    before = slot_starts(client, et, monday)
    caldav_server.stop()
    assert refresh() == 0
    assert slot_starts(client, et, monday) == before
    later = create_booking(client, et, at(monday, 13))
    assert later.status_code == 201, later.text
    later_uid = later.json()["data"]["uid"]
    caldav_server.start()
    wait_until(
        lambda: caldav_server.get(calendar_url, later_uid, "dana").status_code == 200,
        timeout=30,
        what="the write-back after the server is back",
    )
