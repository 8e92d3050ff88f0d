"""Cal.com parity of bookings and event types (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tests.api.test_bookings import (
    V_BOOKINGS,
    V_EVENT_TYPES,
    assert_error,
    at,
    book,
    create,
    create_legacy,
    get,
    make_event_type,
    monday,
    z,
)

# -- null vs absent ----------------------------------------------------------------------------

# Optional fields Cal.com leaves out when they have no value (undefined, not null).
BOOKING_OPTIONAL = {
    "cancellationReason",
    "cancelledByEmail",
    "reschedulingReason",
    "rescheduledByEmail",
    "rescheduledFromUid",
    "rescheduledToUid",
    "meetingUrl",
    "rating",
}
EVENT_TYPE_OPTIONAL = {
    "lengthInMinutesOptions",
    "bookerLayouts",
    "bookingLimitsCount",
    "bookingLimitsDuration",
    "bookingWindow",
    "confirmationPolicy",
    "color",
    "seats",
    "customName",
}


def test_empty_optional_booking_fields_are_absent(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    booking = book(client, et, at(monday(), "10:00"))
    assert not BOOKING_OPTIONAL & booking.keys()
    assert all("phoneNumber" not in a for a in booking["attendees"])
    assert None not in (booking[k] for k in booking if k in BOOKING_OPTIONAL)
    fetched = get(client, booking["uid"])
    assert not BOOKING_OPTIONAL & fetched.keys()
    # Required fields stay, with null where the document allows it.
    assert "location" in fetched
    assert "eventTypeId" in fetched
    # Once set, an optional field is present with its value.
    r = client.post(
        f"/v2/bookings/{booking['uid']}/cancel",
        headers=V_BOOKINGS,
        json={"cancellationReason": "Clash"},
    )
    assert r.status_code == 200, r.text
    cancelled = get(client, booking["uid"])
    assert cancelled["cancellationReason"] == "Clash"
    listed = client.get("/v2/bookings", headers={**acct.headers, **V_BOOKINGS}).json()["data"]
    assert listed
    assert all("rescheduledToUid" not in b for b in listed)


def test_empty_optional_event_type_fields_are_absent(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    headers = {**acct.headers, **V_EVENT_TYPES}
    data = client.get(f"/v2/event-types/{et}", headers=headers).json()["data"]
    assert not EVENT_TYPE_OPTIONAL & data.keys()
    assert None not in (data[k] for k in data if k in EVENT_TYPE_OPTIONAL)
    # Still present when set.
    r = client.patch(
        f"/v2/event-types/{et}",
        headers=headers,
        json={"seats": {"seatsPerTimeSlot": 3, "showAttendeeInfo": False,
                        "showAvailabilityCount": True},
              "customName": "Call with {Scheduler}"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["data"]["seats"]["seatsPerTimeSlot"] == 3
    assert r.json()["data"]["customName"] == "Call with {Scheduler}"
    listed = client.get("/v2/event-types", headers=headers).json()["data"]
    assert listed
    assert all("bookingWindow" not in e for e in listed)


# -- documented event-type fields and their effects --------------------------------------------

REFERENCE = Path(__file__).parents[2] / ".." / "shared" / "reference"


def calcom_document() -> dict[str, Any]:
    """Cal.com's published OpenAPI document (a sibling of the clone, as in CI)."""
    document: dict[str, Any] = json.loads(
        (REFERENCE / "calcom-api-v2-openapi.json").read_text(encoding="utf-8")
    )
    return document


def document_example(schema_name: str) -> dict[str, Any]:
    """The document's example body of a schema: every property that carries an example."""
    props = calcom_document()["components"]["schemas"][schema_name]["properties"]
    return {name: p["example"] for name, p in props.items() if "example" in p}


def test_document_example_event_type_bodies_are_accepted(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    headers = {**acct.headers, **V_EVENT_TYPES}
    body = document_example("CreateEventTypeInput_2024_06_14")
    assert {"disableCancelling", "disableRescheduling", "customName"} <= body.keys()
    r = client.post("/v2/event-types", headers=headers, json=body)
    assert r.status_code == 201, r.text
    created = r.json()["data"]
    assert created["disableCancelling"] == {"disabled": True}
    assert created["disableRescheduling"] == {"disabled": False, "minutesBefore": 60}
    update = document_example("UpdateEventTypeInput_2024_06_14")
    update["slug"] = "flan-again"
    r = client.patch(f"/v2/event-types/{created['id']}", headers=headers, json=update)
    assert r.status_code == 200, r.text
    extra = {
        "bookerActiveBookingsLimit": {"maximumActiveBookings": 3, "offerReschedule": True},
        "calVideoSettings": {"disableRecordingForGuests": True, "sendTranscriptionEmails": False},
    }
    r = client.patch(f"/v2/event-types/{created['id']}", headers=headers, json=extra)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["bookerActiveBookingsLimit"] == extra["bookerActiveBookingsLimit"]
    assert data["calVideoSettings"] == extra["calVideoSettings"]
    # The limit switched off is no limit: absent again.
    r = client.patch(
        f"/v2/event-types/{created['id']}",
        headers=headers,
        json={"bookerActiveBookingsLimit": {"disabled": True}},
    )
    assert r.status_code == 200, r.text
    assert "bookerActiveBookingsLimit" not in r.json()["data"]
    r = client.patch(
        f"/v2/event-types/{created['id']}",
        headers=headers,
        json={"disableRescheduling": {"minutesBefore": "soon"}},
    )
    assert_error(r, 400)


def test_disable_cancelling_refuses_cancel(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, disableCancelling={"disabled": True})
    booking = book(client, et, at(monday(), "10:00"))
    for headers in (V_BOOKINGS, {**acct.headers, **V_BOOKINGS}):
        r = client.post(f"/v2/bookings/{booking['uid']}/cancel", headers=headers, json={})
        body = assert_error(r, 400)
        assert "Cancelling is disabled" in body["error"]["message"]
    assert get(client, booking["uid"])["status"] == "accepted"


def test_disable_rescheduling_always_and_within_window(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    day = monday()
    always = make_event_type(client, acct, disableRescheduling={"disabled": True})
    booking = book(client, always, at(day, "10:00"))
    r = client.post(
        f"/v2/bookings/{booking['uid']}/reschedule",
        headers=V_BOOKINGS,
        json={"start": z(at(day, "11:00"))},
    )
    assert "Rescheduling is disabled" in assert_error(r, 400)["error"]["message"]
    # Legacy rescheduling (rescheduleUid on create) obeys the same rule.
    r = create_legacy(client, always, at(day, "11:00"), rescheduleUid=booking["uid"])
    assert_error(r, 400)
    # The window: closer than minutesBefore to the start is refused, farther is allowed.
    weeks = make_event_type(client, acct, disableRescheduling={"minutesBefore": 60 * 24 * 60})
    near = book(client, weeks, at(day, "12:00"))
    r = client.post(
        f"/v2/bookings/{near['uid']}/reschedule",
        headers=V_BOOKINGS,
        json={"start": z(at(day, "13:00"))},
    )
    assert_error(r, 400)
    hour = make_event_type(client, acct, disableRescheduling={"minutesBefore": 60})
    far = book(client, hour, at(day, "14:00"))
    r = client.post(
        f"/v2/bookings/{far['uid']}/reschedule",
        headers=V_BOOKINGS,
        json={"start": z(at(day, "15:00"))},
    )
    assert r.status_code == 201, r.text


def test_booker_active_bookings_limit(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    day = monday()
    et = make_event_type(client, acct, bookerActiveBookingsLimit={"maximumActiveBookings": 2})
    book(client, et, at(day, "09:00"), email="repeat@example.com")
    second = book(client, et, at(day, "10:00"), email="Repeat@example.com")
    r = create(client, et, at(day, "11:00"), email="repeat@example.com")
    body = assert_error(r, 400)
    assert "limit" in body["error"]["message"]
    # Another booker is not affected, and a cancelled booking frees a place.
    book(client, et, at(day, "11:00"), email="other@example.com")
    r = client.post(f"/v2/bookings/{second['uid']}/cancel", headers=V_BOOKINGS, json={})
    assert r.status_code == 200, r.text
    book(client, et, at(day, "12:00"), email="repeat@example.com")


def test_patch_me_accepts_metadata(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.patch("/v2/me", headers=acct.headers, json={"metadata": {"plan": "pro", "n": 3}})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["id"]
    r = client.patch("/v2/me", headers=acct.headers, json={"metadata": {"k" * 41: "v"}})
    assert_error(r, 400)
    r = client.patch(
        "/v2/me", headers=acct.headers, json={"metadata": {f"k{i}": i for i in range(51)}}
    )
    assert_error(r, 400)


# -- seats: privacy and authority --------------------------------------------------------------


def _private_seats(client: TestClient, acct: Any) -> int:
    return make_event_type(
        client,
        acct,
        seats={"seatsPerTimeSlot": 3, "showAttendeeInfo": False, "showAvailabilityCount": True},
    )


def test_hidden_seats_show_each_booker_only_itself(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = _private_seats(client, acct)
    start = at(monday(), "10:00")
    first = book(client, et, start, email="one@example.com", name="One")
    second = book(client, et, start, email="two@example.com", name="Two")
    assert second["uid"] == first["uid"]
    # The second booker's 201 names only the second booker.
    assert [a["email"] for a in second["attendees"]] == ["two@example.com"]
    assert second["attendees"][0]["seatUid"] == second["seatUid"]
    assert second["bookingFieldsResponses"]["email"] == "two@example.com"
    assert "One" not in second["title"]
    # Anonymous readers by uid see nobody; by seat, only that seat.
    anonymous = get(client, first["uid"])
    assert anonymous["attendees"] == []
    assert "one@example.com" not in json.dumps(anonymous)
    r = client.get(f"/v2/bookings/by-seat/{second['seatUid']}", headers=V_BOOKINGS)
    assert r.status_code == 200, r.text
    by_seat = r.json()["data"]
    assert by_seat["uid"] == first["uid"]
    assert by_seat["seatUid"] == second["seatUid"]
    assert [a["email"] for a in by_seat["attendees"]] == ["two@example.com"]
    legacy = client.get(f"/v2/bookings/{first['uid']}").json()["data"]
    assert legacy["attendees"] == []
    assert "one@example.com" not in json.dumps(legacy)
    # The host sees everyone.
    hosted = get(client, first["uid"], {**acct.headers, **V_BOOKINGS})
    assert sorted(a["email"] for a in hosted["attendees"]) == ["one@example.com", "two@example.com"]
    assert all(a["seatUid"] for a in hosted["attendees"])
    r = client.get("/v2/bookings/by-seat/nope", headers=V_BOOKINGS)
    assert_error(r, 404)


def test_seated_booking_cancel_authority(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    stranger = make_account(time_zone="UTC")
    et = _private_seats(client, acct)
    start = at(monday(), "11:00")
    first = book(client, et, start, email="one@example.com")
    second = book(client, et, start, email="two@example.com")
    uid = first["uid"]
    # Without seatUid and without the host's credentials, no seat is cancelled.
    for headers in (V_BOOKINGS, {**stranger.headers, **V_BOOKINGS}, {}):
        r = client.post(f"/v2/bookings/{uid}/cancel", headers=headers, json={})
        assert_error(r, 403)
    hosted = {**acct.headers, **V_BOOKINGS}
    assert len(get(client, uid, hosted)["attendees"]) == 2
    # An attendee cancels only its own seat.
    r = client.post(
        f"/v2/bookings/{uid}/cancel", headers=V_BOOKINGS, json={"seatUid": second["seatUid"]}
    )
    assert r.status_code == 200, r.text
    assert "one@example.com" not in r.text
    assert [a["email"] for a in get(client, uid, hosted)["attendees"]] == ["one@example.com"]
    book(client, et, start, email="three@example.com")
    # The host cancels the whole booking.
    r = client.post(f"/v2/bookings/{uid}/cancel", headers=hosted, json={})
    assert r.status_code == 200, r.text
    assert get(client, uid, hosted)["status"] == "cancelled"


# -- bookingFields -----------------------------------------------------------------------------


def test_booking_fields_merge_with_the_defaults(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    headers = {**acct.headers, **V_EVENT_TYPES}
    fields = [
        {"type": "name"},
        {"type": "text", "slug": "company", "label": "Company", "required": True},
        {"slug": "notes", "required": True, "label": "Agenda"},
        {"type": "select", "slug": "size", "label": "Size", "required": False,
         "options": ["S", "M"]},
    ]  # fmt: skip
    r = client.post(
        "/v2/event-types",
        headers=headers,
        json={"title": "Q", "slug": "q", "lengthInMinutes": 30, "bookingFields": fields},
    )
    assert r.status_code == 201, r.text
    out = r.json()["data"]["bookingFields"]
    slugs = [f["slug"] for f in out]
    assert slugs == [
        "name", "email", "location", "title", "notes", "guests", "rescheduleReason",
        "company", "size",
    ]  # fmt: skip
    by_slug = {f["slug"]: f for f in out}
    assert by_slug["name"]["label"] == "Your name"
    assert by_slug["name"]["isDefault"] is True
    assert by_slug["notes"]["required"] is True
    assert by_slug["notes"]["label"] == "Agenda"
    assert by_slug["notes"]["type"] == "textarea"
    company = by_slug["company"]
    assert company["isDefault"] is False
    assert company["hidden"] is False
    assert company["required"] is True
    assert company["placeholder"] == ""
    assert by_slug["size"]["options"] == ["S", "M"]
