"""Cal.com parity of bookings and event types (issue 13)."""

from __future__ import annotations

import json
import re
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

# `../shared/reference` beside the clone (as in CI); a worktree nested deeper finds it further up.
REFERENCE = next(
    (p / "shared" / "reference" for p in Path(__file__).resolve().parents[3:]
     if (p / "shared" / "reference").is_dir()),
    Path(__file__).parents[2] / ".." / "shared" / "reference",
)  # fmt: skip


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


# -- booking answers follow the event type's questions -----------------------------------------

QUESTIONS = [
    {"type": "text", "slug": "company", "label": "Company", "required": True},
    {"type": "select", "slug": "size", "label": "Size", "required": False, "options": ["S", "M"]},
    {"type": "radio", "slug": "tier", "label": "Tier", "required": False, "options": ["a", "b"]},
    {"type": "checkbox", "slug": "topics", "label": "Topics", "required": False,
     "options": ["x", "y"]},
    {"type": "boolean", "slug": "terms", "label": "Terms", "required": True},
    {"type": "number", "slug": "seats", "label": "Seats", "required": False},
    {"type": "phone", "slug": "mobile", "label": "Mobile", "required": False},
    {"type": "email", "slug": "cc", "label": "CC", "required": False},
    {"type": "text", "slug": "secret", "label": "Internal", "required": True, "hidden": True},
]  # fmt: skip
VALID = {"company": "Acme", "terms": True}


def _asked(client: TestClient, acct: Any) -> int:
    return make_event_type(client, acct, bookingFields=QUESTIONS)


def test_booking_answers_are_checked_against_the_questions(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="UTC")
    et = _asked(client, acct)
    day = monday()
    refused = [
        ({}, "company"),
        ({"terms": True}, "company"),
        ({"company": "Acme"}, "terms"),
        ({**VALID, "terms": False}, "terms"),
        ({**VALID, "terms": "yes"}, "terms"),
        ({**VALID, "size": "XL"}, "size"),
        ({**VALID, "tier": "c"}, "tier"),
        ({**VALID, "topics": ["x", "z"]}, "topics"),
        ({**VALID, "topics": "z"}, "topics"),
        ({**VALID, "seats": "many"}, "seats"),
        ({**VALID, "seats": True}, "seats"),
        ({**VALID, "mobile": "12"}, "mobile"),
        ({**VALID, "cc": "not-an-email"}, "cc"),
        ({**VALID, "company": 5}, "company"),
    ]
    for answers, field in refused:
        r = create(client, et, at(day, "10:00"), bookingFieldsResponses=answers)
        body = assert_error(r, 400)
        assert f"'{field}'" in body["error"]["message"], (answers, body)
        assert field in [e["field"] for e in body["error"]["details"]["errors"]]
    # Nothing was written by any refusal.
    listed = client.get("/v2/bookings", headers={**acct.headers, **V_BOOKINGS}).json()["data"]
    assert listed == []
    accepted = {
        **VALID,
        "size": "M",
        "tier": "a",
        "topics": ["x", "y"],
        "seats": 3,
        "mobile": "+1 (415) 555-0100",
        "cc": "cc@example.com",
        "unasked": "kept",
    }
    booking = book(client, et, at(day, "10:00"), bookingFieldsResponses=accepted)
    assert booking["bookingFieldsResponses"]["topics"] == ["x", "y"]
    assert booking["bookingFieldsResponses"]["unasked"] == "kept"
    # Numbers may come as text (the booking page's form sends them so), as Cal.com coerces.
    book(client, et, at(day, "11:00"), bookingFieldsResponses={**VALID, "seats": "2"})


def test_legacy_booking_answers_are_checked_too(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = _asked(client, acct)
    day = monday()
    r = create_legacy(client, et, at(day, "10:00"))
    assert "'company'" in assert_error(r, 400)["error"]["message"]
    r = create_legacy(
        client,
        et,
        at(day, "10:00"),
        responses={"name": "G", "email": "g@example.com", "company": "Acme", "terms": True},
    )
    assert r.status_code == 201, r.text
    # Default questions made required are enforced; untouched defaults stay optional.
    notes = make_event_type(client, acct, bookingFields=[{"slug": "notes", "required": True}])
    r = create(client, notes, at(day, "12:00"))
    assert "'notes'" in assert_error(r, 400)["error"]["message"]
    book(client, notes, at(day, "12:00"), bookingFieldsResponses={"notes": "Agenda"})
    plain = make_event_type(client, acct)
    book(client, plain, at(day, "13:00"))


def test_booking_of_a_deleted_event_type_keeps_it(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct, title="Gone", slug="gone")
    booking = book(client, et, at(monday(), "10:00"))
    r = client.delete(f"/v2/event-types/{et}", headers={**acct.headers, **V_EVENT_TYPES})
    assert r.status_code == 200, r.text
    for headers in (V_BOOKINGS, {**acct.headers, **V_BOOKINGS}):
        data = get(client, booking["uid"], headers)
        assert data["eventTypeId"] == et
        assert data["eventType"] == {"id": et, "slug": "gone"}
    listed = client.get("/v2/bookings", headers={**acct.headers, **V_BOOKINGS}).json()["data"]
    assert [b["eventTypeId"] for b in listed] == [et]
    legacy = get(client, booking["uid"], {})
    assert legacy["eventTypeId"] == et
    assert legacy["eventType"] == {"id": et, "slug": "gone", "title": "Gone", "length": 30}
    # Still cancellable; a new event type never inherits the deleted one's bookings.
    # (SQLite may give the new event type the deleted one's id: the snapshot still names the
    # deleted one, and the new event type has no bookings.)
    fresh = make_event_type(client, acct, title="New", slug="fresh")
    r = client.post(f"/v2/bookings/{booking['uid']}/cancel", headers=V_BOOKINGS, json={})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["eventType"] == {"id": et, "slug": "gone"}
    r = client.get(
        "/v2/bookings", params={"eventTypeId": fresh}, headers={**acct.headers, **V_BOOKINGS}
    )
    assert r.json()["data"] == []


# -- envelopes: 405, wire names, empty bodies --------------------------------------------------


def test_405_allow_lists_every_method_of_the_path(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.delete("/v2/me", headers=acct.headers)
    body = assert_error(r, 405)
    assert body["error"]["code"] == "MethodNotAllowedException"
    assert r.headers["allow"] == "GET, PATCH"
    r = client.put("/v2/event-types/1", headers=acct.headers, json={})
    assert_error(r, 405)
    assert r.headers["allow"] == "DELETE, GET, PATCH"
    r = client.put("/v2/bookings", json={})
    assert set(assert_error(r, 405) and r.headers["allow"].split(", ")) == {"GET", "POST"}


def test_validation_messages_name_wire_fields(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.get("/v2/event-types/0", headers={**acct.headers, **V_EVENT_TYPES})
    body = assert_error(r, 400)
    assert body["error"]["message"].startswith("eventTypeId: ")
    assert body["error"]["details"]["errors"][0]["field"] == "eventTypeId"
    assert "event_type_id" not in r.text
    r = client.get("/v2/webhooks/0", headers=acct.headers)
    assert assert_error(r, 400)["error"]["message"].startswith("webhookId: ")
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={"start": "2050-01-01T10:00:00Z", "eventTypeId": 0,
              "attendee": {"name": "G", "email": "g@example.com", "timeZone": "UTC"}},
    )  # fmt: skip
    assert assert_error(r, 400)["error"]["message"].startswith("eventTypeId: ")


def test_patch_me_without_a_body_is_a_400(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.patch("/v2/me", headers=acct.headers)
    assert "body" in assert_error(r, 400)["error"]["message"]
    r = client.patch("/v2/me", headers=acct.headers, json={"bio": "hi"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["bio"] == "hi"


# -- webhooks ----------------------------------------------------------------------------------


def test_webhook_create_requires_active(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    et = make_event_type(client, acct)
    hook = {"subscriberUrl": "https://example.com/h", "triggers": ["BOOKING_CONFIRMED"]}
    for path in ("/v2/webhooks", f"/v2/event-types/{et}/webhooks"):
        r = client.post(path, headers=acct.headers, json=hook)
        body = assert_error(r, 400)
        assert body["error"]["message"] == "active: is required"
        r = client.post(path, headers=acct.headers, json={**hook, "active": False})
        assert r.status_code == 201, r.text
        data = r.json()["data"]
        assert data["active"] is False
        assert data["triggers"] == ["BOOKING_CONFIRMED"]
        # Cal.com answers its stored row: an unset template is there, null.
        assert "payloadTemplate" in data
        assert data["payloadTemplate"] is None
        assert "secret" not in data


# -- legacy shapes keep Cal.com's nulls ---------------------------------------------------------


def test_legacy_shapes_keep_null_fields(client: TestClient, make_account: Any) -> None:
    """The 2024-04-15 controllers answer stored rows, where an empty column is null (not
    absent): legacy clients read e.g. `cancellationReason` / `seatsPerTimeSlot` as keys."""
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    booking = book(client, et, at(monday(), "10:00"))
    legacy = get(client, booking["uid"], {})
    for key in ("cancellationReason", "rejectionReason", "fromReschedule", "description"):
        assert key in legacy
        assert legacy[key] is None
    assert legacy["attendees"][0]["phoneNumber"] is None
    et_legacy = client.get(f"/v2/event-types/{et}", headers=acct.headers).json()["data"]
    for key in ("seatsPerTimeSlot", "bookingLimits", "durationLimits", "eventName"):
        assert key in et_legacy
        assert et_legacy[key] is None


def test_booking_page_answers_follow_the_same_rules(client: TestClient, make_account: Any) -> None:
    """The booking pages book through the same service, so the same questions are enforced."""
    acct = make_account(time_zone="UTC")
    question = {"type": "phone", "slug": "mobile", "label": "Mobile", "required": True}
    r = client.post(
        "/v2/event-types",
        headers={**acct.headers, **V_EVENT_TYPES},
        json={"title": "Call", "slug": "call", "lengthInMinutes": 30, "bookingFields": [question]},
    )
    assert r.status_code == 201, r.text
    path = "/" + r.json()["data"]["bookingUrl"].split("/", 3)[3]
    start = z(at(monday(), "10:00"))
    form = client.get(f"{path}/book", params={"start": start})
    assert form.status_code == 200, form.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    fields = {"start": start, "csrf_token": token.group(1), "name": "G", "email": "g@example.com"}
    refused = client.post(f"{path}/book", data={**fields, "mobile": "12"}, follow_redirects=False)
    assert refused.status_code == 400
    assert "international format" in refused.text
    booked = client.post(
        f"{path}/book", data={**fields, "mobile": "+44 20 7946 0000"}, follow_redirects=False
    )
    assert booked.status_code == 303, booked.text
