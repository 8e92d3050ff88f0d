"""Stored input is bounded (issue 12, defect 3): every free-text field and JSON blob of every
write body has a Cal.com-sized limit; a value over it is a 400 naming the field, and nothing is
stored."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.robustness import seed
from tests.robustness.conftest import row_counts

V_SCHEDULES = {"cal-api-version": "2024-06-11"}


def _many(n: int, value: Any = "v") -> dict[str, Any]:
    return {f"k{i}": value for i in range(n)}


# (label, method, path, version headers, body builder(event_type_id, start) -> body, field)
CASES: list[tuple[str, str, str, dict[str, str], Any, str]] = [
    (
        "metadata keys",
        "POST",
        "/v2/bookings",
        seed.V_BOOKINGS,
        lambda et, s: seed.booking_body(et, s, metadata=_many(51)),
        "metadata",
    ),
    (
        "metadata key length",
        "POST",
        "/v2/bookings",
        seed.V_BOOKINGS,
        lambda et, s: seed.booking_body(et, s, metadata={"k" * 41: "v"}),
        "metadata",
    ),
    (
        "metadata value length",
        "POST",
        "/v2/bookings",
        seed.V_BOOKINGS,
        lambda et, s: seed.booking_body(et, s, metadata={"k": "v" * 501}),
        "metadata",
    ),
    (
        "metadata nested value",
        "POST",
        "/v2/bookings",
        seed.V_BOOKINGS,
        lambda et, s: seed.booking_body(et, s, metadata={"k": {"deep": "x"}}),
        "metadata",
    ),
    (
        "responses value",
        "POST",
        "/v2/bookings",
        seed.V_BOOKINGS,
        lambda et, s: seed.booking_body(et, s, bookingFieldsResponses={"notes": "n" * 10_001}),
        "bookingFieldsResponses",
    ),
    (
        "responses keys",
        "POST",
        "/v2/bookings",
        seed.V_BOOKINGS,
        lambda et, s: seed.booking_body(et, s, bookingFieldsResponses=_many(101)),
        "bookingFieldsResponses",
    ),
    (
        "attendee name",
        "POST",
        "/v2/bookings",
        seed.V_BOOKINGS,
        lambda et, s: seed.booking_body(
            et, s, attendee={"name": "n" * 256, "email": "g@example.com", "timeZone": "UTC"}
        ),
        "name",
    ),
    (
        "guests",
        "POST",
        "/v2/bookings",
        seed.V_BOOKINGS,
        lambda et, s: seed.booking_body(et, s, guests=[f"g{i}@example.com" for i in range(51)]),
        "guests",
    ),
    (
        "location extra property",
        "POST",
        "/v2/bookings",
        seed.V_BOOKINGS,
        lambda et, s: seed.booking_body(et, s, location={"type": "address", "x": "a" * 70_000}),
        "location",
    ),
    (
        "legacy notes",
        "POST",
        "/v2/bookings",
        {},
        lambda et, s: {
            "eventTypeId": et,
            "start": s,
            "timeZone": "UTC",
            "responses": {"name": "G", "email": "g@example.com", "notes": "n" * 10_001},
        },
        "notes",
    ),
    (
        "legacy custom response",
        "POST",
        "/v2/bookings",
        {},
        lambda et, s: {
            "eventTypeId": et,
            "start": s,
            "timeZone": "UTC",
            "responses": {"name": "G", "email": "g@example.com", "custom": "c" * 70_000},
        },
        "responses",
    ),
    (
        "event type booking field label",
        "PATCH",
        "/v2/event-types/{et}",
        seed.V_EVENT_TYPES,
        lambda et, s: {"bookingFields": [{"type": "text", "slug": "q", "label": "l" * 10_001}]},
        "bookingFields",
    ),
    (
        "event type booking fields count",
        "PATCH",
        "/v2/event-types/{et}",
        seed.V_EVENT_TYPES,
        lambda et, s: {"bookingFields": [{"type": "text", "slug": f"q{i}"} for i in range(51)]},
        "bookingFields",
    ),
    (
        "event type locations count",
        "PATCH",
        "/v2/event-types/{et}",
        seed.V_EVENT_TYPES,
        lambda et, s: {"locations": [{"type": "address", "address": "a"}] * 51},
        "locations",
    ),
    (
        "event type address",
        "PATCH",
        "/v2/event-types/{et}",
        seed.V_EVENT_TYPES,
        lambda et, s: {"locations": [{"type": "address", "address": "a" * 256}]},
        "address",
    ),
    (
        "event type redirect url",
        "PATCH",
        "/v2/event-types/{et}",
        seed.V_EVENT_TYPES,
        lambda et, s: {"successRedirectUrl": "https://example.com/" + "p" * 2048},
        "successRedirectUrl",
    ),
    (
        "legacy event type metadata",
        "PATCH",
        "/v2/event-types/{et}",
        {},
        # A structured object on Cal.com (disableStandardEmails, apps, ...): bounded as a blob.
        lambda et, s: {"metadata": _many(101)},
        "metadata",
    ),
    (
        "legacy event type name",
        "PATCH",
        "/v2/event-types/{et}",
        {},
        lambda et, s: {"eventName": "e" * 256},
        "eventName",
    ),
    (
        "schedule name",
        "POST",
        "/v2/schedules",
        V_SCHEDULES,
        lambda et, s: {"name": "s" * 256, "timeZone": "UTC", "isDefault": False},
        "name",
    ),
    (
        "me avatar url",
        "PATCH",
        "/v2/me",
        {},
        lambda et, s: {"avatarUrl": "https://example.com/" + "a" * 2048},
        "avatarUrl",
    ),
    (
        "me time zone",
        "PATCH",
        "/v2/me",
        {},
        lambda et, s: {"timeZone": "Z" * 65},
        "timeZone",
    ),
    (
        "webhook payload template",
        "POST",
        "/v2/webhooks",
        {},
        lambda et, s: {
            "subscriberUrl": "https://example.com/h",
            "triggers": ["BOOKING_CREATED"],
            "active": True,
            "payloadTemplate": "t" * 65_537,
        },
        "payloadTemplate",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "version", "build", "field"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_an_oversized_field_is_a_400_and_nothing_is_stored(
    client: TestClient,
    make_account: Any,
    db_url: str,
    method: str,
    path: str,
    version: dict[str, str],
    build: Any,
    field: str,
) -> None:
    owner = make_account()
    et = seed.event_type(client, owner.headers)
    before = row_counts(db_url)
    r = client.request(
        method,
        path.format(et=et),
        headers={**owner.headers, **version},
        json=build(et, seed.slot()),
    )
    assert r.status_code == 400, r.text[:300]
    error = r.json()["error"]
    assert error["code"] == "BadRequestException"
    assert field in error["message"], error["message"][:300]
    assert row_counts(db_url) == before


def test_values_at_the_bounds_are_stored(client: TestClient, make_account: Any) -> None:
    owner = make_account()
    et = seed.event_type(client, owner.headers)
    metadata = {f"{i:02d}" + "k" * 38: "v" * 500 for i in range(50)}
    uid = seed.book(
        client,
        et,
        seed.slot(),
        metadata=metadata,
        bookingFieldsResponses={"notes": "n" * 10_000},
    )
    got = client.get(f"/v2/bookings/{uid}", headers=seed.V_BOOKINGS)
    assert got.status_code == 200, got.text
    assert got.json()["data"]["metadata"] == metadata
