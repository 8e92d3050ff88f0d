"""Bookings over HTTP, legacy shapes (no `cal-api-version`) and `cal-api-version: 2024-08-13`:
create, get, list, cancel, reschedule, confirm, decline, mark absent, seats and limits."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.api import assert_error
from tests.support.clock import at, travel, z, zms

V_BOOKINGS = {"cal-api-version": "2024-08-13"}
V_EVENT_TYPES = {"cal-api-version": "2024-06-14"}
V_SLOTS = {"cal-api-version": "2024-09-04"}


def monday(weeks: int = 0) -> date:
    """A Monday at least two weeks ahead (plus `weeks`)."""
    earliest = datetime.now(UTC).date() + timedelta(days=14)
    return earliest + timedelta(days=(7 - earliest.weekday()) % 7 + 7 * weeks)


def make_event_type(client: TestClient, acct: Any, **fields: Any) -> int:
    body: dict[str, Any] = {
        "title": "Intro",
        "slug": f"intro-{uuid.uuid4().hex[:8]}",
        "lengthInMinutes": 30,
        "minimumBookingNotice": 0,
        **fields,
    }
    r = client.post("/v2/event-types", headers={**acct.headers, **V_EVENT_TYPES}, json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def create(
    client: TestClient,
    event_type_id: int,
    start: datetime,
    email: str = "guest@example.com",
    name: str = "Guest",
    **extra: Any,
) -> Any:
    return client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={
            "start": z(start),
            "eventTypeId": event_type_id,
            "attendee": {"name": name, "email": email, "timeZone": "America/New_York"},
            **extra,
        },
    )


def book(client: TestClient, event_type_id: int, start: datetime, **kw: Any) -> dict[str, Any]:
    r = create(client, event_type_id, start, **kw)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def create_legacy(client: TestClient, event_type_id: int, start: datetime, **extra: Any) -> Any:
    return client.post(
        "/v2/bookings",
        json={
            "eventTypeId": event_type_id,
            "start": z(start),
            "timeZone": "America/New_York",
            "language": "en",
            "responses": {"name": "Guest Name", "email": "guest@example.com"},
            "metadata": {},
            **extra,
        },
    )


def get(client: TestClient, uid: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = client.get(f"/v2/bookings/{uid}", headers=V_BOOKINGS if headers is None else headers)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def slot_times(client: TestClient, event_type_id: int, day: date) -> list[str]:
    start = datetime.combine(day, time(), UTC)
    r = client.get(
        "/v2/slots/available",
        params={"eventTypeId": event_type_id, "startTime": z(start),
                "endTime": z(start + timedelta(days=1))},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    return [s["time"] for items in r.json()["data"]["slots"].values() for s in items]


# -- create and get ----------------------------------------------------------------------------


def test_create_legacy_matches_skill_document(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="America/New_York", name="Host Person")
    et = make_event_type(client, acct, title="30 min meeting")
    start = at(monday(), "12:00", "America/New_York")
    r = create_legacy(client, et, start)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "success"
    data = body["data"]
    assert isinstance(data["id"], int)
    assert isinstance(data["uid"], str)
    assert data["uid"]
    assert data["title"] == "30 min meeting between Host Person and Guest Name"
    assert data["startTime"] == zms(start)
    assert data["endTime"] == zms(start + timedelta(minutes=30))
    assert data["status"] == "ACCEPTED"
    assert "location" in data
    assert data["eventTypeId"] == et
    assert data["userId"] == acct.id
    assert [(a["name"], a["email"], a["timeZone"]) for a in data["attendees"]] == [
        ("Guest Name", "guest@example.com", "America/New_York")
    ]
    assert data["responses"]["name"] == "Guest Name"
    assert data["responses"]["email"] == "guest@example.com"
    # Get by uid, legacy shape, no credentials needed.
    again = get(client, data["uid"], headers={})
    assert again["uid"] == data["uid"]
    assert again["startTime"] == data["startTime"]
    assert again["status"] == "ACCEPTED"


def test_create_2024_08_13_shape(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="Europe/Rome", name="Hostess")
    et = make_event_type(client, acct, title="Demo", slug="demo")
    start = at(monday(), "10:00", "Europe/Rome")
    r = create(
        client,
        et,
        start,
        email="Booker@Example.com",
        name="Booker",
        guests=["friend@example.com"],
        metadata={"crm": "42"},
        bookingFieldsResponses={"notes": "see you"},
    )
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["status"] == "accepted"
    assert data["title"] == "Demo between Hostess and Booker"
    assert data["start"] == zms(start)
    assert data["end"] == zms(start + timedelta(minutes=30))
    assert data["duration"] == 30
    assert data["eventTypeId"] == et
    assert data["eventType"] == {"id": et, "slug": "demo"}
    assert data["hosts"] == [
        {
            "id": acct.id,
            "name": "Hostess",
            "email": acct.email,
            "displayEmail": acct.email,
            "username": acct.username,
            "timeZone": "Europe/Rome",
        }
    ]
    assert len(data["attendees"]) == 1
    attendee = data["attendees"][0]
    assert attendee["name"] == "Booker"
    assert attendee["email"] == "booker@example.com"
    assert attendee["timeZone"] == "America/New_York"
    assert attendee["absent"] is False
    assert data["guests"] == ["friend@example.com"]
    assert data["metadata"] == {"crm": "42"}
    assert data["absentHost"] is False
    assert data["bookingFieldsResponses"]["notes"] == "see you"
    assert data["createdAt"].endswith("Z")
    assert get(client, data["uid"]) == data


def test_create_by_username_and_slug(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    make_event_type(client, acct, slug="by-slug")
    start = at(monday(), "09:00")
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={"start": z(start), "eventTypeSlug": "by-slug", "username": acct.username,
              "attendee": {"name": "G", "email": "g@example.com", "timeZone": "UTC"}},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["data"]["eventType"]["slug"] == "by-slug"
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={"start": z(start), "eventTypeSlug": "missing", "username": acct.username,
              "attendee": {"name": "G", "email": "g@example.com", "timeZone": "UTC"}},
    )  # fmt: skip
    assert_error(r, 404, "NotFoundException")


def test_unknown_booking_is_404(client: TestClient) -> None:
    for headers in ({}, V_BOOKINGS):
        r = client.get("/v2/bookings/does-not-exist", headers=headers)
        body = assert_error(r, 404, "NotFoundException")
        assert body["path"] == "/v2/bookings/does-not-exist"
    assert_error(client.post("/v2/bookings/nope/cancel", json={}), 404, "NotFoundException")
    assert_error(
        client.post("/v2/bookings/nope/reschedule", json={"start": z(at(monday(), "10:00"))}),
        404,
        "NotFoundException",
    )


# -- availability is enforced ------------------------------------------------------------------


def test_taken_slot_is_refused(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    start = at(monday(), "10:00")
    book(client, et, start)
    for r in (
        create(client, et, start, email="second@example.com"),
        create(client, et, start + timedelta(minutes=15), email="third@example.com"),
        create_legacy(client, et, start),
    ):
        assert_error(r, 400, "BadRequestException", reason="slot_unavailable")
    listed = client.get("/v2/bookings", headers={**acct.headers, **V_BOOKINGS}).json()
    assert listed["pagination"]["totalItems"] == 1


def test_outside_working_hours_is_refused(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="America/New_York")
    et = make_event_type(client, acct)
    day = monday()
    for start in (
        at(day, "08:30", "America/New_York"),  # before hours
        at(day, "16:45", "America/New_York"),  # would end after 17:00
        at(day, "17:00", "America/New_York"),
        at(day + timedelta(days=5), "10:00", "America/New_York"),  # Saturday
    ):
        assert_error(
            create(client, et, start), 400, "BadRequestException", reason="outside_availability"
        )
        assert_error(
            create_legacy(client, et, start),
            400,
            "BadRequestException",
            reason="outside_availability",
        )
    assert create(client, et, at(day, "16:30", "America/New_York")).status_code == 201


def test_minimum_notice_is_enforced(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, minimumBookingNotice=525_600)
    assert_error(
        create(client, et, at(monday(), "10:00")),
        400,
        "BadRequestException",
        reason="minimum_booking_notice",
    )


def test_booking_in_the_past_is_refused(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    today = datetime.now(UTC).date()
    last_week_monday = today - timedelta(days=today.weekday() + 7)
    assert_error(
        create(client, et, at(last_week_monday, "10:00")),
        400,
        "BadRequestException",
        reason="in_the_past",
    )


def test_booking_limit_per_day(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, bookingLimitsCount={"day": 2})
    day = monday()
    book(client, et, at(day, "10:00"))
    book(client, et, at(day, "11:00"))
    assert_error(
        create(client, et, at(day, "14:00")),
        400,
        "BadRequestException",
        reason="booking_limit_reached",
    )
    book(client, et, at(day + timedelta(days=1), "14:00"))
    # A cancelled booking no longer counts.
    first = client.get(
        "/v2/bookings", headers={**acct.headers, **V_BOOKINGS}, params={"take": 1}
    ).json()["data"][0]
    r = client.post(f"/v2/bookings/{first['uid']}/cancel", headers=V_BOOKINGS, json={})
    assert r.status_code == 200, r.text
    book(client, et, at(day, "14:00"))


# -- cancel ------------------------------------------------------------------------------------


def test_cancel_2024_08_13(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    start = at(day, "10:00")
    booking = book(client, et, start)
    assert zms(start) not in slot_times(client, et, day)
    r = client.post(
        f"/v2/bookings/{booking['uid']}/cancel",
        headers=V_BOOKINGS,
        json={"cancellationReason": "Reason for cancellation"},
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["uid"] == booking["uid"]
    assert data["status"] == "cancelled"
    assert data["cancellationReason"] == "Reason for cancellation"
    assert get(client, booking["uid"])["status"] == "cancelled"
    assert zms(start) in slot_times(client, et, day)
    # Cancelling twice is refused; the slot can be booked again.
    r = client.post(f"/v2/bookings/{booking['uid']}/cancel", headers=V_BOOKINGS, json={})
    assert_error(r, 400, "BadRequestException")
    book(client, et, start, email="next@example.com")


def test_cancel_legacy_shape(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    created = create_legacy(client, et, at(monday(), "10:00")).json()["data"]
    r = client.post(
        f"/v2/bookings/{created['uid']}/cancel",
        headers=acct.headers,
        json={"cancellationReason": "Reason for cancellation"},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "status": "success",
        "data": {"bookingId": created["id"], "bookingUid": created["uid"],
                 "onlyRemovedAttendee": False},
    }  # fmt: skip
    legacy = get(client, created["uid"], headers={})
    assert legacy["status"] == "CANCELLED"
    assert legacy["cancellationReason"] == "Reason for cancellation"
    current = get(client, created["uid"])
    assert current["cancelledByEmail"] == acct.email


# -- reschedule --------------------------------------------------------------------------------


def test_reschedule_moves_booking_and_frees_old_slot(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    old_start, new_start = at(day, "10:00"), at(day + timedelta(days=1), "15:00")
    old = book(client, et, old_start, guests=["friend@example.com"])
    r = client.post(
        f"/v2/bookings/{old['uid']}/reschedule",
        headers=V_BOOKINGS,
        json={"start": z(new_start), "reschedulingReason": "conflict"},
    )
    assert r.status_code == 201, r.text
    new = r.json()["data"]
    assert new["uid"] != old["uid"]
    assert new["rescheduledFromUid"] == old["uid"]
    assert new["start"] == zms(new_start)
    assert new["end"] == zms(new_start + timedelta(minutes=30))
    assert new["status"] == "accepted"
    assert new["reschedulingReason"] == "conflict"
    assert new["attendees"][0]["email"] == "guest@example.com"
    assert new["guests"] == ["friend@example.com"]
    before = get(client, old["uid"])
    assert before["status"] == "cancelled"
    assert before["rescheduledToUid"] == new["uid"]
    assert zms(old_start) in slot_times(client, et, day)
    assert zms(new_start) not in slot_times(client, et, day + timedelta(days=1))
    # The old booking can't be rescheduled again.
    r = client.post(
        f"/v2/bookings/{old['uid']}/reschedule",
        headers=V_BOOKINGS,
        json={"start": z(at(day, "12:00"))},
    )
    assert_error(r, 400, "BadRequestException")


def test_reschedule_to_taken_slot_keeps_original(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    mine = book(client, et, at(day, "10:00"))
    book(client, et, at(day, "11:00"), email="other@example.com")
    taken, saturday = at(day, "11:00"), at(day + timedelta(days=5), "11:00")
    for start, reason in ((taken, "slot_unavailable"), (saturday, "outside_availability")):
        r = client.post(
            f"/v2/bookings/{mine['uid']}/reschedule", headers=V_BOOKINGS, json={"start": z(start)}
        )
        assert_error(r, 400, "BadRequestException", reason=reason)
    assert get(client, mine["uid"])["status"] == "accepted"
    assert zms(at(day, "10:00")) not in slot_times(client, et, day)


def test_reschedule_may_overlap_its_own_old_time(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, lengthInMinutes=60, slotInterval=30)
    day = monday()
    old = book(client, et, at(day, "10:00"))
    r = client.post(
        f"/v2/bookings/{old['uid']}/reschedule",
        headers=V_BOOKINGS,
        json={"start": z(at(day, "10:30"))},
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["start"] == zms(at(day, "10:30"))
    assert get(client, old["uid"])["status"] == "cancelled"


def test_reschedule_within_a_full_day_ignores_the_booking_itself(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, bookingLimitsCount={"day": 1})
    day = monday()
    old = book(client, et, at(day, "10:00"))
    assert_error(
        create(client, et, at(day, "14:00"), email="x@example.com"),
        400,
        "BadRequestException",
        reason="booking_limit_reached",
    )
    r = client.post(
        f"/v2/bookings/{old['uid']}/reschedule",
        headers=V_BOOKINGS,
        json={"start": z(at(day, "14:00"))},
    )
    assert r.status_code == 201, r.text


def test_variable_length_booking(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, lengthInMinutesOptions=[30, 60])
    day = monday()
    data = book(client, et, at(day, "10:00"), lengthInMinutes=60)
    assert data["duration"] == 60
    assert data["end"] == zms(at(day, "11:00"))
    free = slot_times(client, et, day)
    assert zms(at(day, "10:30")) not in free
    assert zms(at(day, "11:00")) in free
    # A 60-minute meeting must still end by 17:00.
    assert_error(
        create(client, et, at(day, "16:30"), lengthInMinutes=60),
        400,
        "BadRequestException",
        reason="outside_availability",
    )


def test_reschedule_legacy_via_reschedule_uid(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    old = create_legacy(client, et, at(day, "10:00")).json()["data"]
    r = create_legacy(
        client, et, at(day, "13:00"), rescheduleUid=old["uid"], reschedulingReason="moved"
    )
    assert r.status_code == 201, r.text
    new = r.json()["data"]
    assert new["uid"] != old["uid"]
    assert new["startTime"] == zms(at(day, "13:00"))
    assert new["fromReschedule"] == old["uid"]
    assert new["status"] == "ACCEPTED"
    previous = get(client, old["uid"], headers={})
    assert previous["status"] == "CANCELLED"
    assert previous["rescheduled"] is True
    assert zms(at(day, "10:00")) in slot_times(client, et, day)


# -- confirmation --------------------------------------------------------------------------------


def _confirming_event_type(client: TestClient, acct: Any) -> int:
    return make_event_type(
        client,
        acct,
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": True},
    )


def test_confirm_flow(client: TestClient, make_account: Any) -> None:
    host, stranger = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    et = _confirming_event_type(client, host)
    day = monday()
    booking = book(client, et, at(day, "10:00"))
    assert booking["status"] == "pending"
    assert get(client, booking["uid"], headers={})["status"] == "PENDING"
    assert zms(at(day, "10:00")) not in slot_times(client, et, day)
    hv = {**host.headers, **V_BOOKINGS}
    unconfirmed = client.get("/v2/bookings", headers=hv, params={"status": "unconfirmed"})
    assert [b["uid"] for b in unconfirmed.json()["data"]] == [booking["uid"]]
    # Only the host may confirm; to anyone else the booking does not exist.
    r = client.post(f"/v2/bookings/{booking['uid']}/confirm", headers=stranger.headers)
    assert_error(r, 404, "NotFoundException")
    assert_error(client.post(f"/v2/bookings/{booking['uid']}/confirm"), 401)
    r = client.post(f"/v2/bookings/{booking['uid']}/confirm", headers=hv)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["status"] == "accepted"
    assert get(client, booking["uid"])["status"] == "accepted"
    assert zms(at(day, "10:00")) not in slot_times(client, et, day)
    assert_error(
        client.post(f"/v2/bookings/{booking['uid']}/confirm", headers=hv),
        400,
        "BadRequestException",
    )
    r = client.post(f"/v2/bookings/{booking['uid']}/decline", headers=hv, json={})
    assert_error(r, 400, "BadRequestException")
    assert (
        client.get("/v2/bookings", headers=hv, params={"status": "unconfirmed"}).json()["data"]
        == []
    )


def test_decline_flow_frees_the_slot(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="UTC")
    et = _confirming_event_type(client, host)
    day = monday()
    booking = book(client, et, at(day, "10:00"))
    r = client.post(
        f"/v2/bookings/{booking['uid']}/decline",
        headers=host.headers,
        json={"reason": "Not available"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["status"] == "REJECTED"
    legacy = get(client, booking["uid"], headers={})
    assert legacy["status"] == "REJECTED"
    assert legacy["rejectionReason"] == "Not available"
    assert get(client, booking["uid"])["status"] == "rejected"
    assert zms(at(day, "10:00")) in slot_times(client, et, day)
    assert book(client, et, at(day, "10:00"), email="next@example.com")["status"] == "pending"
    r = client.post(f"/v2/bookings/{booking['uid']}/confirm", headers=host.headers)
    assert_error(r, 400, "BadRequestException")


def test_legacy_requires_confirmation_event_type(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="UTC")
    r = client.post(
        "/v2/event-types",
        headers=host.headers,
        json={"title": "Vetted", "slug": "vetted", "length": 30, "minimumBookingNotice": 0,
              "requiresConfirmation": True},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    created = create_legacy(client, r.json()["data"]["id"], at(monday(), "10:00"))
    assert created.status_code == 201, created.text
    assert created.json()["data"]["status"] == "PENDING"
    uid = created.json()["data"]["uid"]
    confirmed = client.post(f"/v2/bookings/{uid}/confirm", headers=host.headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["data"]["status"] == "ACCEPTED"


# -- mark absent -------------------------------------------------------------------------------


def test_mark_absent(client: TestClient, make_account: Any) -> None:
    host, stranger = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    et = make_event_type(client, host)
    booking = book(client, et, at(monday(), "10:00"), email="late@example.com")
    path = f"/v2/bookings/{booking['uid']}/mark-absent"
    body = {"host": False, "attendees": [{"email": "late@example.com", "absent": True}]}
    assert_error(client.post(path, json=body, headers=V_BOOKINGS), 401)
    assert_error(client.post(path, json=body, headers={**stranger.headers, **V_BOOKINGS}), 404)
    r = client.post(path, json=body, headers={**host.headers, **V_BOOKINGS})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["absentHost"] is False
    assert data["attendees"][0]["absent"] is True
    r = client.post(
        path,
        json={"host": True, "attendees": [{"email": "nobody@example.com", "absent": True}]},
        headers={**host.headers, **V_BOOKINGS},
    )
    assert_error(r, 400, "BadRequestException")
    assert get(client, booking["uid"])["absentHost"] is False  # refused request changed nothing
    # Legacy body: noShowHost / attendees[].noShow.
    r = client.post(
        path,
        json={"noShowHost": True, "attendees": [{"email": "late@example.com", "noShow": False}]},
        headers=host.headers,
    )
    assert r.status_code == 200, r.text
    after = get(client, booking["uid"])
    assert after["absentHost"] is True
    assert after["attendees"][0]["absent"] is False


# -- seats -------------------------------------------------------------------------------------


def _seated(client: TestClient, acct: Any, seats: int) -> int:
    return make_event_type(
        client,
        acct,
        seats={"seatsPerTimeSlot": seats, "showAttendeeInfo": True, "showAvailabilityCount": True},
    )


def test_seats_fill_one_booking_until_full(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = _seated(client, acct, 2)
    day = monday()
    start = at(day, "10:00")
    first = book(client, et, start, email="one@example.com", name="One")
    second = book(client, et, start, email="two@example.com", name="Two")
    assert second["uid"] == first["uid"]
    assert sorted(a["email"] for a in get(client, first["uid"])["attendees"]) == [
        "one@example.com",
        "two@example.com",
    ]
    assert_error(
        create(client, et, start, email="three@example.com"),
        400,
        "BadRequestException",
        reason="slot_unavailable",
    )
    assert zms(start) not in slot_times(client, et, day)
    hv = {**acct.headers, **V_BOOKINGS}
    assert client.get("/v2/bookings", headers=hv).json()["pagination"]["totalItems"] == 1


def test_seat_cancellation_frees_one_seat(client: TestClient, make_account: Any) -> None:
    # Cal.com's CreateSeatedBookingOutput_2024_08_13 carries `seatUid` (required), which is how
    # an attendee later cancels only their seat (CancelSeatedBookingInput_2024_08_13).
    acct = make_account(time_zone="UTC")
    et = _seated(client, acct, 2)
    day = monday()
    start = at(day, "10:00")
    first = book(client, et, start, email="one@example.com")
    second = book(client, et, start, email="two@example.com")
    assert isinstance(second.get("seatUid"), str), second
    assert second["seatUid"] != first.get("seatUid")
    r = client.post(
        f"/v2/bookings/{second['uid']}/cancel",
        headers=V_BOOKINGS,
        json={"seatUid": second["seatUid"]},
    )
    assert r.status_code == 200, r.text
    still = get(client, first["uid"])
    assert still["status"] == "accepted"
    assert [a["email"] for a in still["attendees"]] == ["one@example.com"]
    assert zms(start) in slot_times(client, et, day)


# -- lists -------------------------------------------------------------------------------------


def _five_bookings(client: TestClient, acct: Any) -> tuple[int, list[str]]:
    et = make_event_type(client, acct)
    day = monday()
    uids = [
        book(client, et, at(day, f"{9 + i}:00"), email=f"g{i}@example.com", name=f"Guest {i}")[
            "uid"
        ]
        for i in range(5)
    ]
    return et, uids


def test_list_legacy_pagination_and_shape(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    _, uids = _five_bookings(client, acct)
    r = client.get("/v2/bookings", headers=acct.headers, params={"take": 2})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert set(data) >= {"bookings", "totalCount", "nextCursor"}
    assert data["totalCount"] == 5
    assert [b["uid"] for b in data["bookings"]] == uids[:2]
    first = data["bookings"][0]
    assert first["status"] == "ACCEPTED"
    assert first["startTime"].endswith(":00.000Z")
    seen = [b["uid"] for b in data["bookings"]]
    cursor = data["nextCursor"]
    while cursor is not None:
        page = client.get(
            "/v2/bookings", headers=acct.headers, params={"take": 2, "cursor": cursor}
        ).json()["data"]
        assert page["totalCount"] == 5
        seen += [b["uid"] for b in page["bookings"]]
        cursor = page["nextCursor"]
        assert len(seen) <= 5
    assert seen == uids
    # `limit` is the legacy alias of `take`; query numbers are coerced (take=5.0 is 5).
    limited = client.get("/v2/bookings", headers=acct.headers, params={"limit": 3}).json()["data"]
    assert len(limited["bookings"]) == 3
    coerced = client.get("/v2/bookings", headers=acct.headers, params={"take": "5.0"})
    assert coerced.status_code == 200, coerced.text
    assert coerced.json()["data"]["nextCursor"] is None


def test_list_legacy_status_filters(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    _, uids = _five_bookings(client, acct)
    client.post(f"/v2/bookings/{uids[1]}/cancel", json={"cancellationReason": "x"})

    def listed(**params: Any) -> list[str]:
        r = client.get("/v2/bookings", headers=acct.headers, params=params)
        assert r.status_code == 200, r.text
        return [b["uid"] for b in r.json()["data"]["bookings"]]

    assert listed(status="upcoming") == [u for u in uids if u != uids[1]]
    assert listed(status="cancelled") == [uids[1]]
    assert listed(**{"filters[status]": "cancelled"}) == [uids[1]]
    assert listed(status="past") == []
    assert listed(status="accepted") == [u for u in uids if u != uids[1]]
    assert listed(status="upcoming,cancelled") == uids
    cancelled = client.get(
        "/v2/bookings", headers=acct.headers, params={"status": "cancelled"}
    ).json()["data"]["bookings"][0]
    assert cancelled["status"] == "CANCELLED"


def test_past_bookings(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    today = datetime.now(UTC).date()
    then = today - timedelta(days=today.weekday() + 21)  # a Monday three weeks ago
    with travel(datetime.combine(then - timedelta(days=7), time(12), UTC)):
        past = book(client, et, at(then, "10:00"))
    future = book(client, et, at(monday(), "10:00"))
    hv = {**acct.headers, **V_BOOKINGS}

    def listed(status: str) -> list[str]:
        r = client.get("/v2/bookings", headers=hv, params={"status": status})
        assert r.status_code == 200, r.text
        return [b["uid"] for b in r.json()["data"]]

    assert listed("past") == [past["uid"]]
    assert listed("upcoming") == [future["uid"]]
    assert listed("past,upcoming") == [past["uid"], future["uid"]]


def test_list_2024_08_13_pagination(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    _, uids = _five_bookings(client, acct)
    hv = {**acct.headers, **V_BOOKINGS}
    r = client.get("/v2/bookings", headers=hv, params={"take": 2, "skip": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    assert [b["uid"] for b in body["data"]] == uids[2:4]
    assert body["pagination"] == {
        "totalItems": 5,
        "remainingItems": 1,
        "returnedItems": 2,
        "itemsPerPage": 2,
        "currentPage": 2,
        "totalPages": 3,
        "hasNextPage": True,
        "hasPreviousPage": True,
    }
    last = client.get("/v2/bookings", headers=hv, params={"take": 2, "skip": 4}).json()
    assert [b["uid"] for b in last["data"]] == uids[4:]
    assert last["pagination"]["hasNextPage"] is False
    assert last["pagination"]["remainingItems"] == 0
    everything = client.get("/v2/bookings", headers=hv).json()
    assert [b["uid"] for b in everything["data"]] == uids
    assert everything["pagination"]["hasPreviousPage"] is False
    assert everything["data"][0]["hosts"][0]["id"] == acct.id


def test_list_2024_08_13_filters_and_sort(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et, uids = _five_bookings(client, acct)
    other_et = make_event_type(client, acct)
    tuesday = monday() + timedelta(days=1)
    other = book(client, other_et, at(tuesday, "09:00"), email="G1@example.com")["uid"]
    hv = {**acct.headers, **V_BOOKINGS}

    def listed(**params: Any) -> list[str]:
        r = client.get("/v2/bookings", headers=hv, params=params)
        assert r.status_code == 200, r.text
        return [b["uid"] for b in r.json()["data"]]

    assert listed(attendeeEmail="g1@example.com") == [uids[1], other]
    assert listed(attendeeName="guest 3") == [uids[3]]
    assert listed(eventTypeId=other_et) == [other]
    assert listed(eventTypeIds=f"{et},{other_et}") == [*uids, other]
    assert listed(bookingUid=uids[2]) == [uids[2]]
    assert listed(sortStart="desc") == [other, *reversed(uids)]
    day = monday()
    assert listed(afterStart=z(at(day, "11:00")), beforeEnd=z(at(day, "13:00"))) == uids[2:4]
    assert listed(afterStart=z(at(tuesday, "00:00"))) == [other]


def test_list_is_per_user(client: TestClient, make_account: Any) -> None:
    alice, bob = make_account(time_zone="UTC"), make_account(time_zone="UTC")
    et = make_event_type(client, alice)
    hosted = book(client, et, at(monday(), "10:00"))["uid"]
    # Bob booked a meeting with Alice as a guest: it is in both lists, the other only in hers.
    attending = book(client, et, at(monday(), "11:00"), email=bob.email)["uid"]

    def uids(acct: Any) -> list[str]:
        r = client.get("/v2/bookings", headers={**acct.headers, **V_BOOKINGS})
        assert r.status_code == 200, r.text
        return [b["uid"] for b in r.json()["data"]]

    assert uids(alice) == [hosted, attending]
    assert uids(bob) == [attending]
    assert_error(client.get("/v2/bookings"), 401, "UnauthorizedException")
    assert_error(client.get("/v2/bookings", headers=V_BOOKINGS), 401, "UnauthorizedException")


# -- reservations and bookings -------------------------------------------------------------------


def test_reserved_slot_can_be_booked_with_its_reservation(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    start = at(day, "10:00")
    r = client.post(
        "/v2/slots/reservations", headers=V_SLOTS, json={"eventTypeId": et, "slotStart": z(start)}
    )
    assert r.status_code == 201, r.text
    uid = r.json()["data"]["reservationUid"]
    assert_error(create(client, et, start), 400, "BadRequestException", reason="slot_unavailable")
    booked = book(client, et, start, reservationUid=uid)
    assert booked["start"] == zms(start)
    # Booking consumed the reservation.
    assert_error(client.get(f"/v2/slots/reservations/{uid}", headers=V_SLOTS), 404)


def test_host_can_book_over_own_reservation(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    start = at(monday(), "10:00")
    r = client.post(
        "/v2/slots/reservations",
        headers={**acct.headers, **V_SLOTS},
        json={"eventTypeId": et, "slotStart": z(start)},
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/v2/bookings",
        headers={**acct.headers, **V_BOOKINGS},
        json={"start": z(start), "eventTypeId": et,
              "attendee": {"name": "G", "email": "g@example.com", "timeZone": "UTC"}},
    )  # fmt: skip
    assert r.status_code == 201, r.text


# -- invalid input -----------------------------------------------------------------------------

_ATTENDEE = {"name": "G", "email": "g@example.com", "timeZone": "UTC"}


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (V_BOOKINGS, {"start": None}, 400),
        (V_BOOKINGS, {"start": "soon", "attendee": _ATTENDEE}, 400),
        (V_BOOKINGS, {"start": "2026-02-30T10:00:00Z", "attendee": _ATTENDEE}, 400),
        (V_BOOKINGS, {"attendee": {**_ATTENDEE, "timeZone": "Mars/Base"}}, 400),
        (V_BOOKINGS, {"attendee": {**_ATTENDEE, "email": "not-an-email"}}, 400),
        (V_BOOKINGS, {"attendee": {"name": "G", "email": "g@example.com"}}, 400),
        (V_BOOKINGS, {"attendee": None}, 400),
        (V_BOOKINGS, {"eventTypeId": None}, 400),
        (V_BOOKINGS, {"eventTypeId": "abc"}, 400),
        (V_BOOKINGS, {"eventTypeId": 999_999}, 404),
        (V_BOOKINGS, {"lengthInMinutes": 45}, 400),
        (V_BOOKINGS, {"guests": ["not-an-email"]}, 400),
        (V_BOOKINGS, {"surprise": True}, 400),
        ({}, {"legacy": True}, 201),
        ({}, {"legacy": True, "timeZone": "Not/AZone"}, 400),
        ({}, {"legacy": True, "responses": {"name": "G"}}, 400),
        ({}, {"legacy": True, "responses": {"name": "G", "email": "bad"}}, 400),
        ({}, {"legacy": True, "responses": None}, 400),
        ({}, {"legacy": True, "start": "yesterday-ish"}, 400),
        ({}, {"legacy": True, "eventTypeId": 999_999}, 404),
        ({}, {"legacy": True, "rescheduleUid": "no-such-booking"}, 404),
    ],
)
def test_invalid_create_is_4xx_envelope(
    client: TestClient,
    make_account: Any,
    headers: dict[str, str],
    body: dict[str, Any],
    status: int,
) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    body = dict(body)
    start = z(at(monday(), "10:00"))
    if body.pop("legacy", False):
        base: dict[str, Any] = {
            "eventTypeId": et,
            "start": start,
            "timeZone": "UTC",
            "language": "en",
            "responses": {"name": "G", "email": "g@example.com"},
        }
    else:
        base = {"eventTypeId": et, "start": start, "attendee": _ATTENDEE}
    payload = {**base, **body}
    payload = {k: v for k, v in payload.items() if v is not None}
    r = client.post("/v2/bookings", headers=headers, json=payload)
    if status == 201:
        assert r.status_code == 201, r.text
        return
    assert_error(r, status)


def test_malformed_bodies(client: TestClient, make_account: Any) -> None:
    for content in (b"{not json", b"[1, 2]", b'"text"'):
        r = client.post(
            "/v2/bookings",
            content=content,
            headers={**V_BOOKINGS, "Content-Type": "application/json"},
        )
        assert_error(r, 400, "BadRequestException")
        r = client.post(
            "/v2/bookings", content=content, headers={"Content-Type": "application/json"}
        )
        assert_error(r, 400, "BadRequestException")


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"take": "0"},
        {"take": "abc"},
        {"take": "1000"},
        {"take": "2.5"},
        {"skip": "-1"},
        {"cursor": "abc"},
        {"sortStart": "up"},
        {"afterStart": "whenever"},
        {"eventTypeIds": "1,x"},
    ],
)
def test_invalid_list_queries_are_400(
    client: TestClient, make_account: Any, params: dict[str, str]
) -> None:
    acct = make_account(time_zone="UTC")
    for current in (False, True):
        if "skip" in params and not current:
            continue  # `skip` is a 2024-08-13 parameter
        if "cursor" in params and current:
            continue  # `cursor` is the legacy one
        headers = {**acct.headers, **(V_BOOKINGS if current else {})}
        assert_error(client.get("/v2/bookings", headers=headers, params=params), 400)


def test_invalid_action_bodies(client: TestClient, make_account: Any) -> None:
    host = make_account(time_zone="UTC")
    et = make_event_type(client, host)
    uid = book(client, et, at(monday(), "10:00"))["uid"]
    hv = {**host.headers, **V_BOOKINGS}
    cases = [
        (f"/v2/bookings/{uid}/reschedule", {}),
        (f"/v2/bookings/{uid}/reschedule", {"start": "later"}),
        (f"/v2/bookings/{uid}/cancel", {"cancellationReason": 5}),
        (f"/v2/bookings/{uid}/mark-absent", {"attendees": [{"email": "x"}]}),
        (f"/v2/bookings/{uid}/decline", {"reason": ["no"]}),
    ]
    for path, body in cases:
        assert_error(client.post(path, headers=hv, json=body), 400)
    assert get(client, uid)["status"] == "accepted"
    for action in ("confirm", "decline", "mark-absent"):
        r = client.post(f"/v2/bookings/missing/{action}", headers=hv, json={})
        assert_error(r, 404, "NotFoundException")


def test_uids_are_letters_and_digits() -> None:
    """Booking, seat and series uids go into shells and CLI arguments: never a "-" or "_"
    (a leading "-" reads as an option), 22 characters as Cal.com's."""
    from calgate.services.bookings import new_uid

    uids = {new_uid() for _ in range(2000)}
    assert len(uids) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9]{22}", u) for u in uids)
