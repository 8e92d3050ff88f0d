"""Done means (issue 13): every implemented booking and event-type operation's 2xx bodies
validate against Cal.com's published OpenAPI document, and a missing required field is a 400 in
Cal.com's error envelope.

The document is read from `../shared/reference/` (a sibling of the clone, as in CI). Its own
defects are patched explicitly in `_patched`, each with the reason.
"""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from starlette.testclient import TestClient

from tests.api.test_bookings import (
    V_BOOKINGS,
    V_EVENT_TYPES,
    V_SLOTS,
    at,
    book,
    make_event_type,
    monday,
)
from tests.api.test_parity import calcom_document


def _patched(node: Any) -> Any:
    """The document's OpenAPI 3.0 schema as JSON Schema, with its known defects patched."""
    if isinstance(node, list):
        return [_patched(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _patched(v) for k, v in node.items() if k not in ("nullable", "example")}
    if "oneOf" in out:
        # Defect: the alternatives overlap (a booking matches both BookingOutput and the seated
        # shape, whose extra fields are optional) and there is no discriminator, so `oneOf`
        # refuses every valid body; Cal.com's serializer emits one of them, i.e. `anyOf`.
        out["anyOf"] = out.pop("oneOf")
    if out.get("type") == "object" and "properties" not in out and "$ref" not in out:
        # Defect: Cal.com's generator writes `{"type": "object"}` for fields it could not type
        # (booleans, strings, unions such as `redirectUrlOnExit`, `metadata` values); the
        # example values show scalars, so any JSON value is what the field means.
        out.pop("type")
    if out.get("type") == "array" and "enum" in out:
        # Defect: the items' enum is repeated on the array itself (schedule `days`), which no
        # array can satisfy; the items carry it already.
        out.pop("enum")
    if out.get("pattern") == "TIME_FORMAT_HH_MM":
        # Defect: the pattern is the constant's name, not its value (HH:MM, as described).
        out["pattern"] = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = _patched(calcom_document()["components"]["schemas"])
    event_type = schemas["EventTypeOutput_2024_06_14"]["properties"]
    # Defect: `bookingWindow` is declared an array of windows, but it is one window, the object
    # the input takes (Cal.com's output transformer returns that object, never a list).
    event_type["bookingWindow"] = event_type["bookingWindow"]["items"]
    # Defect: `users` is declared `string[]`, but Cal.com returns the owner's user objects
    # (`id`, `name`, `username`, `avatarUrl`, `weekStart`, ...), as its own examples show.
    event_type["users"] = {"type": "array", "items": {"type": "object", "required": ["id"]}}
    # Defect: the reservation's `data` refers to its own response schema, not the reservation.
    schemas["GetReservedSlotOutput_2024_09_04"]["properties"]["data"] = {
        "anyOf": [{"$ref": "#/components/schemas/ReserveSlotOutput_2024_09_04"}, {"type": "null"}]
    }
    for name in ("UserWebhookOutputDto", "EventTypeWebhookOutputDto"):
        # Defect: `payloadTemplate` is declared a required string, but Cal.com answers the
        # stored webhook row through class-transformer, which keeps an unset template's null.
        hook = schemas[name]["properties"]
        hook["payloadTemplate"] = {"anyOf": [hook["payloadTemplate"], {"type": "null"}]}
    return schemas


# Defect: `GET /v2/slots` declares the slot map as the whole response (no envelope) with
# string items, while Cal.com answers `{"status", "data": {date: [{"start"[, "end"]}]}}`, as
# the operation's own examples show; this is that example's schema.
SLOTS_BODY = {
    "type": "object",
    "required": ["status", "data"],
    "properties": {
        "status": {"const": "success"},
        "data": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["start"],
                    "properties": {"start": {"type": "string"}, "end": {"type": "string"}},
                },
            },
        },
    },
}


def validate_inline(body: Any, schema: dict[str, Any]) -> None:
    errors = list(Draft202012Validator(schema).iter_errors(body))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors)


def validate(body: Any, ref: str) -> None:
    schema = {"$ref": f"#/components/schemas/{ref}", "components": {"schemas": _schemas()}}
    errors = sorted(
        Draft202012Validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path)
    )
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])


def response_schema(path: str, method: str, status: str) -> str:
    op = calcom_document()["paths"][path][method]
    ref: str = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[1]


def test_booking_operations_validate(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    hosted = {**acct.headers, **V_BOOKINGS}
    et = make_event_type(client, acct)
    day = monday()
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={
            "start": at(day, "10:00").isoformat(),
            "eventTypeId": et,
            "attendee": {"name": "Guest", "email": "g@example.com", "timeZone": "Europe/Rome",
                         "phoneNumber": "+19876543210"},
            "guests": ["other@example.com"],
            "bookingFieldsResponses": {"notes": "hello"},
        },
    )  # fmt: skip
    assert r.status_code == 201, r.text
    validate(r.json(), response_schema("/v2/bookings", "post", "201"))
    uid = r.json()["data"]["uid"]
    r = client.get(f"/v2/bookings/{uid}", headers=V_BOOKINGS)
    validate(r.json(), response_schema("/v2/bookings/{bookingUid}", "get", "200"))
    r = client.get("/v2/bookings", headers=hosted)
    validate(r.json(), response_schema("/v2/bookings", "get", "200"))
    r = client.post(
        f"/v2/bookings/{uid}/reschedule",
        headers=V_BOOKINGS,
        json={"start": at(day, "11:00").isoformat(), "reschedulingReason": "clash"},
    )
    assert r.status_code == 201, r.text
    validate(r.json(), response_schema("/v2/bookings/{bookingUid}/reschedule", "post", "201"))
    moved = r.json()["data"]["uid"]
    r = client.post(f"/v2/bookings/{moved}/mark-absent", headers=hosted, json={"host": True})
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema("/v2/bookings/{bookingUid}/mark-absent", "post", "200"))
    r = client.post(f"/v2/bookings/{moved}/cancel", headers=V_BOOKINGS, json={})
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema("/v2/bookings/{bookingUid}/cancel", "post", "200"))


def test_seated_booking_operations_validate(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(
        client,
        acct,
        seats={"seatsPerTimeSlot": 3, "showAttendeeInfo": True, "showAvailabilityCount": True},
    )
    start = at(monday(), "10:00")
    book(client, et, start, email="one@example.com")
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={"start": start.isoformat(), "eventTypeId": et,
              "attendee": {"name": "Two", "email": "two@example.com", "timeZone": "UTC"}},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    validate(r.json(), response_schema("/v2/bookings", "post", "201"))
    seat = r.json()["data"]["seatUid"]
    r = client.get(f"/v2/bookings/by-seat/{seat}", headers=V_BOOKINGS)
    validate(r.json(), response_schema("/v2/bookings/by-seat/{seatUid}", "get", "200"))


def test_event_type_operations_validate(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    headers = {**acct.headers, **V_EVENT_TYPES}
    r = client.post(
        "/v2/event-types",
        headers=headers,
        json={"title": "Flan", "slug": "flan", "lengthInMinutes": 30,
              "seats": {"seatsPerTimeSlot": 2, "showAttendeeInfo": True,
                        "showAvailabilityCount": False},
              "bookingWindow": {"type": "calendarDays", "value": 30, "rolling": True},
              "disableRescheduling": {"minutesBefore": 60},
              "bookingFields": [{"type": "name"},
                                {"type": "text", "slug": "company", "label": "Company",
                                 "required": True},
                                {"type": "select", "slug": "size", "label": "Size",
                                 "required": False, "options": ["S", "M"]}]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    validate(r.json(), response_schema("/v2/event-types", "post", "201"))
    et = r.json()["data"]["id"]
    r = client.get(f"/v2/event-types/{et}", headers=headers)
    validate(r.json(), response_schema("/v2/event-types/{eventTypeId}", "get", "200"))
    r = client.get("/v2/event-types", headers=headers)
    validate(r.json(), response_schema("/v2/event-types", "get", "200"))
    r = client.patch(f"/v2/event-types/{et}", headers=headers, json={"hidden": True})
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema("/v2/event-types/{eventTypeId}", "patch", "200"))


def test_confirm_and_decline_validate(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    hosted = {**acct.headers, **V_BOOKINGS}
    et = make_event_type(
        client,
        acct,
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": True},
    )
    day = monday()
    for start, action in ((at(day, "10:00"), "confirm"), (at(day, "11:00"), "decline")):
        uid = book(client, et, start)["uid"]
        r = client.post(f"/v2/bookings/{uid}/{action}", headers=hosted, json={})
        assert r.status_code == 200, r.text
        validate(r.json(), response_schema(f"/v2/bookings/{{bookingUid}}/{action}", "post", "200"))


def test_event_type_delete_validates(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    r = client.delete(f"/v2/event-types/{et}", headers={**acct.headers, **V_EVENT_TYPES})
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema("/v2/event-types/{eventTypeId}", "delete", "200"))


V_SCHEDULES = {"cal-api-version": "2024-06-11"}


def test_schedule_operations_validate(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    headers = {**acct.headers, **V_SCHEDULES}
    r = client.post(
        "/v2/schedules",
        headers=headers,
        json={"name": "Evenings", "timeZone": "Europe/Rome", "isDefault": False,
              "availability": [{"days": ["Monday"], "startTime": "17:00", "endTime": "19:00"}],
              "overrides": [{"date": "2050-12-24", "startTime": "18:00", "endTime": "21:00"}]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    validate(r.json(), response_schema("/v2/schedules", "post", "201"))
    sid = r.json()["data"]["id"]
    r = client.get("/v2/schedules", headers=headers)
    validate(r.json(), response_schema("/v2/schedules", "get", "200"))
    r = client.get("/v2/schedules/default", headers=headers)
    validate(r.json(), response_schema("/v2/schedules/default", "get", "200"))
    r = client.get(f"/v2/schedules/{sid}", headers=headers)
    validate(r.json(), response_schema("/v2/schedules/{scheduleId}", "get", "200"))
    r = client.patch(f"/v2/schedules/{sid}", headers=headers, json={"name": "Late"})
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema("/v2/schedules/{scheduleId}", "patch", "200"))
    r = client.delete(f"/v2/schedules/{sid}", headers=headers)
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema("/v2/schedules/{scheduleId}", "delete", "200"))


def test_slot_operations_validate(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    day = monday()
    window = {"eventTypeId": et, "start": day.isoformat(), "end": day.isoformat()}
    for extra in ({}, {"format": "range"}):
        r = client.get("/v2/slots", headers=V_SLOTS, params={**window, **extra})
        assert r.status_code == 200, r.text
        assert r.json()["data"]
        validate_inline(r.json(), SLOTS_BODY)
    r = client.post(
        "/v2/slots/reservations",
        headers={**acct.headers, **V_SLOTS},
        json={"eventTypeId": et, "slotStart": at(day, "10:00").isoformat()},
    )
    assert r.status_code == 201, r.text
    validate(r.json(), response_schema("/v2/slots/reservations", "post", "201"))
    uid = r.json()["data"]["reservationUid"]
    path = "/v2/slots/reservations/{uid}"
    r = client.get(f"/v2/slots/reservations/{uid}", headers=V_SLOTS)
    validate(r.json(), response_schema(path, "get", "200"))
    r = client.patch(
        f"/v2/slots/reservations/{uid}",
        headers={**acct.headers, **V_SLOTS},
        json={"eventTypeId": et, "slotStart": at(day, "11:00").isoformat()},
    )
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema(path, "patch", "200"))


def test_me_operations_validate(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    r = client.get("/v2/me", headers=acct.headers)
    validate(r.json(), response_schema("/v2/me", "get", "200"))
    r = client.patch("/v2/me", headers=acct.headers, json={"bio": "Hello", "weekStart": "Monday"})
    assert r.status_code == 200, r.text
    validate(r.json(), response_schema("/v2/me", "patch", "200"))


def test_webhook_operations_validate(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = make_event_type(client, acct)
    body = {"subscriberUrl": "https://example.com/h", "triggers": ["BOOKING_CREATED"],
            "active": True}  # fmt: skip
    template = {"payloadTemplate": '{"t":"{{type}}"}'}
    for base, one, many in (
        ("/v2/webhooks", "UserWebhookOutputResponseDto", "UserWebhooksOutputResponseDto"),
        (f"/v2/event-types/{et}/webhooks", "EventTypeWebhookOutputResponseDto",
         "EventTypeWebhooksOutputResponseDto"),
    ):  # fmt: skip
        r = client.post(base, headers=acct.headers, json=body)
        assert r.status_code == 201, r.text
        validate(r.json(), one)
        hook = r.json()["data"]["id"]
        templated = {**body, **template, "subscriberUrl": "https://example.com/t"}
        r = client.post(base, headers=acct.headers, json=templated)
        assert r.status_code == 201, r.text
        validate(r.json(), one)
        r = client.get(base, headers=acct.headers)
        validate(r.json(), many)
        r = client.get(f"{base}/{hook}", headers=acct.headers)
        validate(r.json(), one)
        r = client.patch(f"{base}/{hook}", headers=acct.headers, json={"active": False})
        assert r.status_code == 200, r.text
        validate(r.json(), one)
        r = client.delete(f"{base}/{hook}", headers=acct.headers)
        assert r.status_code == 200, r.text
        validate(r.json(), one)
    r = client.delete(f"/v2/event-types/{et}/webhooks", headers=acct.headers)
    assert r.status_code == 200, r.text
    validate(r.json(), "DeleteManyWebhooksOutputResponseDto")


@pytest.mark.parametrize(
    ("path", "headers", "body", "field"),
    [
        ("/v2/bookings", V_BOOKINGS, {"eventTypeId": 1, "attendee": {}}, "start"),
        ("/v2/event-types", V_EVENT_TYPES, {"title": "T", "lengthInMinutes": 30}, "slug"),
        (
            "/v2/webhooks",
            {},
            {"subscriberUrl": "https://example.com/h", "triggers": ["BOOKING_CREATED"]},
            "active",
        ),
        (
            "/v2/schedules",
            {"cal-api-version": "2024-06-11"},
            {"name": "S", "isDefault": False},
            "timeZone",
        ),
    ],
)
def test_missing_required_field_is_a_400_envelope(
    client: TestClient,
    make_account: Any,
    path: str,
    headers: dict[str, str],
    body: dict[str, Any],
    field: str,
) -> None:
    acct = make_account()
    r = client.post(path, headers={**acct.headers, **headers}, json=body)
    assert r.status_code == 400, r.text
    payload = r.json()
    assert payload["status"] == "error"
    assert payload["error"]["code"] == "BadRequestException"
    assert field in payload["error"]["message"]
