"""Delivery to a real HTTP receiver on loopback: signatures, Cal.com's payloads per trigger,
templates, retries, Retry-After, giving up, re-sending, and the SSRF guard."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from calgate.store.db import sync_url
from calgate.webhooks import signing
from tests.support.waiting import wait_until
from tests.webhooks.conftest import V_BOOKING, book, event_type, next_monday, subscribe, z
from tests.webhooks.receiver import Receiver, receiver, sequence

# Every key Cal.com's 2021-10-20 booking payload builder sets (BookingPayloadBuilder.ts).
BOOKING_KEYS = {
    "type",
    "title",
    "description",
    "additionalNotes",
    "customInputs",
    "startTime",
    "endTime",
    "organizer",
    "responses",
    "userFieldsResponses",
    "attendees",
    "location",
    "destinationCalendar",
    "hideCalendarNotes",
    "requiresConfirmation",
    "eventTypeId",
    "seatsShowAttendees",
    "seatsPerTimeSlot",
    "seatsShowAvailabilityCount",
    "schedulingType",
    "iCalUID",
    "iCalSequence",
    "uid",
    "bookingId",
    "hashedLink",
    "eventTitle",
    "eventDescription",
    "price",
    "currency",
    "length",
    "assignmentReason",
    "status",
}


def _sql(db_url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(sync_url(db_url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        engine.dispose()


def test_booking_created_is_signed_and_shaped_like_cal_com(
    client: TestClient, make_account: Any, hook_receiver: Receiver
) -> None:
    acct = make_account(time_zone="UTC", name="Grace Hopper")
    et = event_type(client, acct)
    subscribe(client, acct, hook_receiver.url, ["BOOKING_CREATED"], secret="whsec-123")
    start = next_monday() + timedelta(hours=10)
    booking = book(client, et, start, metadata={"crm": "42"})

    (req,) = hook_receiver.wait_for(1)
    assert req.headers["content-type"] == "application/json"
    assert req.headers["x-cal-signature-256"] == signing.sign("whsec-123", req.body)
    assert signing.verify("whsec-123", req.body, req.headers["x-cal-signature-256"])
    assert req.headers["webhook-id"] == req.event_id
    body = req.json()
    assert set(body) == {"triggerEvent", "createdAt", "payload"}
    assert body["triggerEvent"] == "BOOKING_CREATED"
    assert body["createdAt"].endswith("Z")
    # Compact JSON, as JSON.stringify sends it.
    assert req.body == json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    p = body["payload"]
    assert set(p) >= BOOKING_KEYS
    assert p["uid"] == booking["uid"]
    assert p["bookingId"] == booking["id"]
    assert p["status"] == "ACCEPTED"
    assert p["type"] == "intro"
    assert p["eventTypeId"] == et
    assert p["startTime"] == start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert p["endTime"] == (start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert p["length"] == 30
    assert p["metadata"] == {"crm": "42"}
    assert p["organizer"]["email"] == acct.email
    assert p["organizer"]["name"] == "Grace Hopper"
    assert p["organizer"]["timeZone"] == "UTC"
    assert p["organizer"]["utcOffset"] == 0
    assert p["organizer"]["language"] == {"locale": "en"}
    (attendee,) = p["attendees"]
    assert attendee["email"] == "ada@example.com"
    assert (attendee["firstName"], attendee["lastName"]) == ("Ada", "Lovelace")
    assert p["responses"]["name"] == {"label": "your_name", "value": "Ada Lovelace"}
    assert p["responses"]["email"] == {"label": "email_address", "value": "ada@example.com"}


def test_no_secret_sends_cal_com_marker(
    client: TestClient, make_account: Any, hook_receiver: Receiver
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    subscribe(client, acct, hook_receiver.url, ["BOOKING_CREATED"])
    book(client, et, next_monday() + timedelta(hours=10))
    (req,) = hook_receiver.wait_for(1)
    assert req.headers["x-cal-signature-256"] == "no-secret-provided"


def test_lifecycle_triggers(
    client: TestClient, make_account: Any, hook_receiver: Receiver, db_url: str
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    confirming = event_type(
        client,
        acct,
        title="Confirm",
        slug="confirm",
        confirmationPolicy={"type": "always", "blockUnconfirmedBookingsInBooker": True},
    )
    subscribe(
        client,
        acct,
        hook_receiver.url,
        [
            "BOOKING_CREATED",
            "BOOKING_REQUESTED",
            "BOOKING_CONFIRMED",
            "BOOKING_REJECTED",
            "BOOKING_RESCHEDULED",
            "BOOKING_CANCELLED",
            "BOOKING_NO_SHOW_UPDATED",
        ],
        secret="k",
    )
    monday = next_monday()
    hv = {**acct.headers, **V_BOOKING}

    first = book(client, et, monday + timedelta(hours=9))
    r = client.post(
        f"/v2/bookings/{first['uid']}/reschedule",
        headers=V_BOOKING,
        json={"start": (monday + timedelta(hours=11)).isoformat(), "reschedulingReason": "clash"},
    )
    assert r.status_code == 201, r.text
    moved = r.json()["data"]
    r = client.post(
        f"/v2/bookings/{moved['uid']}/mark-absent",
        headers=hv,
        json={"attendees": [{"email": "ada@example.com", "absent": True}]},
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/v2/bookings/{moved['uid']}/cancel", headers=V_BOOKING, json={"cancellationReason": "ill"}
    )
    assert r.status_code == 200, r.text

    pending = book(client, confirming, monday + timedelta(hours=13))
    r = client.post(f"/v2/bookings/{pending['uid']}/confirm", headers=hv)
    assert r.status_code == 200, r.text
    declined = book(client, confirming, monday + timedelta(hours=14))
    r = client.post(f"/v2/bookings/{declined['uid']}/decline", headers=hv, json={"reason": "busy"})
    assert r.status_code == 200, r.text

    # created, rescheduled, no-show, cancelled, requested, created+confirmed, requested, rejected
    got = hook_receiver.wait_for(9)
    by: dict[tuple[str, str], dict[str, Any]] = {}
    for req in got:
        body = req.json()
        p = body["payload"]
        by[(body["triggerEvent"], p.get("uid") or p.get("bookingUid"))] = p
        assert req.headers["x-cal-signature-256"] == signing.sign("k", req.body)
    assert len(hook_receiver.event_ids()) == 9

    assert by[("BOOKING_CREATED", first["uid"])]["status"] == "ACCEPTED"
    rescheduled = by[("BOOKING_RESCHEDULED", moved["uid"])]
    assert set(rescheduled) >= BOOKING_KEYS
    assert rescheduled["rescheduleUid"] == first["uid"]
    assert rescheduled["rescheduleId"] == first["id"]
    assert rescheduled["rescheduleStartTime"].endswith("T09:00:00Z")
    assert rescheduled["startTime"].endswith("T11:00:00Z")
    # One meeting: the reschedule keeps its iCalUID one sequence on, the cancel one more.
    created = by[("BOOKING_CREATED", first["uid"])]
    assert (created["iCalUID"], created["iCalSequence"]) == (first["icsUid"], 0)
    assert (rescheduled["iCalUID"], rescheduled["iCalSequence"]) == (first["icsUid"], 1)
    no_show = by[("BOOKING_NO_SHOW_UPDATED", moved["uid"])]
    assert no_show["attendees"] == [{"email": "ada@example.com", "noShow": True}]
    assert no_show["bookingId"] == moved["id"]
    assert isinstance(no_show["message"], str)
    cancelled = by[("BOOKING_CANCELLED", moved["uid"])]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancellationReason"] == "ill"
    assert cancelled["requestReschedule"] is False
    assert (cancelled["iCalUID"], cancelled["iCalSequence"]) == (first["icsUid"], 2)
    assert by[("BOOKING_REQUESTED", pending["uid"])]["status"] == "PENDING"
    assert by[("BOOKING_CREATED", pending["uid"])]["status"] == "ACCEPTED"
    assert by[("BOOKING_CONFIRMED", pending["uid"])]["status"] == "ACCEPTED"
    assert by[("BOOKING_REQUESTED", declined["uid"])]["requiresConfirmation"] is True
    rejected = by[("BOOKING_REJECTED", declined["uid"])]
    assert rejected["status"] == "REJECTED"
    assert rejected["rejectionReason"] == "busy"


def test_event_type_webhook_and_inactive_webhook(
    client: TestClient, make_account: Any, hook_receiver: Receiver, db_url: str
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    other = event_type(client, acct, title="Other", slug="other")
    r = client.post(
        f"/v2/event-types/{et}/webhooks",
        headers=acct.headers,
        json={
            "active": True,
            "subscriberUrl": hook_receiver.url + "/et",
            "triggers": ["BOOKING_CREATED"],
        },
    )
    assert r.status_code == 201
    inactive = subscribe(client, acct, hook_receiver.url + "/off", ["BOOKING_CREATED"])
    client.patch(f"/v2/webhooks/{inactive['id']}", headers=acct.headers, json={"active": False})
    book(client, other, next_monday() + timedelta(hours=9))
    booked = book(client, et, next_monday() + timedelta(hours=10))
    (req,) = hook_receiver.wait_for(1)
    assert req.path == "/hook/et"
    assert req.json()["payload"]["uid"] == booked["uid"]
    assert _sql(db_url, "SELECT count(*) FROM webhook_deliveries")[0][0] == 1


def test_payload_template(client: TestClient, make_account: Any, hook_receiver: Receiver) -> None:
    acct = make_account(time_zone="UTC", name="Grace Hopper")
    et = event_type(client, acct)
    template = (
        '{"content":"A new event has been scheduled","type":"{{type}}","name":"{{title}}",'
        '"organizer":"{{organizer.name}}","booker":"{{attendees.0.name}}",'
        '"trigger":"{{triggerEvent}}","missing":"{{nope.nothing}}"}'
    )
    subscribe(client, acct, hook_receiver.url, ["BOOKING_CREATED"], payloadTemplate=template)
    subscribe(
        client,
        acct,
        hook_receiver.url + "/form",
        ["BOOKING_CREATED"],
        payloadTemplate="who={{attendees.0.email}}&when={{startTime}}",
    )
    start = next_monday() + timedelta(hours=10)
    booking = book(client, et, start)
    got = {r.path: r for r in hook_receiver.wait_for(2)}
    req = got["/hook"]
    assert req.headers["content-type"] == "application/json"
    assert req.json() == {
        "content": "A new event has been scheduled",
        "type": "intro",
        "name": booking["title"],
        "organizer": "Grace Hopper",
        "booker": "Ada Lovelace",
        "trigger": "BOOKING_CREATED",
        "missing": "",
    }
    form = got["/hook/form"]
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form.body.decode() == (
        f"who=ada@example.com&when={start.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    )


def test_retries_after_500s_with_one_event_id(
    client: TestClient, make_account: Any, db_url: str
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    with receiver(sequence(500, 502, 200)) as rec:
        hook = subscribe(client, acct, rec.url, ["BOOKING_CREATED"], secret="k")
        book(client, et, next_monday() + timedelta(hours=10))
        got = rec.wait_for(3)
    assert len({r.event_id for r in got}) == 1
    assert len({r.body for r in got}) == 1
    assert [r.headers["x-calgate-delivery-attempt"] for r in got] == ["1", "2", "3"]
    deliveries = _wait_status(client, acct, hook["id"], "delivered")
    (d,) = deliveries
    assert d["attempts"] == 3
    assert d["eventId"] == got[0].event_id
    assert [a["statusCode"] for a in d["history"]] == [500, 502, 200]
    assert d["lastStatusCode"] == 200
    assert d["deliveredAt"] is not None


def test_retry_after_is_honoured(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    with receiver(sequence((429, {"Retry-After": "1"}), (503, {"Retry-After": "1"}))) as rec:
        subscribe(client, acct, rec.url, ["BOOKING_CREATED"])
        book(client, et, next_monday() + timedelta(hours=10))
        got = rec.wait_for(3)
    # Backoff alone would retry within ~0.1 s; Retry-After asks for a full second each time.
    assert got[1].at - got[0].at >= 0.9
    assert got[2].at - got[1].at >= 0.9


@pytest.mark.parametrize("webhook_overrides", [{"webhook_max_attempts": 3}])
def test_gives_up_after_the_limit_then_resend(
    client: TestClient, make_account: Any, db_url: str
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    answers: list[int] = [500] * 3
    with receiver(lambda i: (answers[i] if i < len(answers) else 200, {})) as rec:
        hook = subscribe(client, acct, rec.url, ["BOOKING_CREATED"])
        book(client, et, next_monday() + timedelta(hours=10))
        rec.wait_for(3)
        (dead,) = _wait_status(client, acct, hook["id"], "dead")
        assert dead["attempts"] == 3
        assert [a["statusCode"] for a in dead["history"]] == [500, 500, 500]
        assert dead["nextAttemptAt"] is None
        # Nothing more is sent once it is dead.
        client.get("/health")
        assert len(rec.requests) == 3

        r = client.post(
            f"/v2/webhooks/{hook['id']}/deliveries/{dead['id']}/retry", headers=acct.headers
        )
        assert r.status_code == 200, r.text
        assert r.json()["data"]["status"] == "pending"
        got = rec.wait_for(4)
        assert got[3].event_id == got[0].event_id
        (done,) = _wait_status(client, acct, hook["id"], "delivered")
        assert done["attempts"] == 4
        assert len(done["history"]) == 4
    # A pending or unknown delivery can't be re-sent; another user's is not found.
    r = client.post(f"/v2/webhooks/{hook['id']}/deliveries/999999/retry", headers=acct.headers)
    assert r.status_code == 404
    stranger = make_account()
    r = client.post(
        f"/v2/webhooks/{hook['id']}/deliveries/{dead['id']}/retry", headers=stranger.headers
    )
    assert r.status_code == 404


def test_4xx_and_redirects_are_not_retried(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    with receiver(lambda i: (302, {"Location": "http://169.254.169.254/"})) as rec:
        hook = subscribe(client, acct, rec.url, ["BOOKING_CREATED"])
        book(client, et, next_monday() + timedelta(hours=10))
        rec.wait_for(1)
        (dead,) = _wait_status(client, acct, hook["id"], "dead")
        assert len(rec.requests) == 1
    assert dead["lastStatusCode"] == 302
    assert dead["lastError"] == "redirect not followed"


@pytest.mark.parametrize("webhook_overrides", [{"webhook_allow_private": False}])
def test_private_addresses_are_refused_at_delivery(
    client: TestClient, make_account: Any, hook_receiver: Receiver
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    hook = subscribe(client, acct, hook_receiver.url, ["BOOKING_CREATED"])
    book(client, et, next_monday() + timedelta(hours=10))
    (dead,) = _wait_status(client, acct, hook["id"], "dead")
    assert "refused" in dead["lastError"]
    assert dead["history"][0]["statusCode"] is None
    assert hook_receiver.requests == []


def test_failed_booking_writes_no_events(
    client: TestClient, make_account: Any, hook_receiver: Receiver, db_url: str
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    subscribe(client, acct, hook_receiver.url, ["BOOKING_CREATED"])
    start = next_monday() + timedelta(hours=10)
    book(client, et, start)
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={
            "start": start.isoformat(),
            "eventTypeId": et,
            "attendee": {"name": "Late", "email": "late@example.com", "timeZone": "UTC"},
        },
    )
    assert r.status_code == 400
    hook_receiver.wait_for(1)
    assert _sql(db_url, "SELECT count(*) FROM webhook_deliveries")[0][0] == 1


def test_meeting_started_and_ended_follow_the_booking(
    client: TestClient, make_account: Any, hook_receiver: Receiver, db_url: str
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    subscribe(client, acct, hook_receiver.url, ["MEETING_STARTED", "MEETING_ENDED"])
    start = next_monday() + timedelta(hours=9)
    first = book(client, et, start)
    rows = _sql(
        db_url,
        "SELECT trigger, not_before, status FROM webhook_deliveries WHERE booking_uid = :u "
        "ORDER BY trigger DESC",
        u=first["uid"],
    )
    assert [(r[0], r[2]) for r in rows] == [
        ("MEETING_STARTED", "pending"),
        ("MEETING_ENDED", "pending"),
    ]
    assert str(rows[0][1]).startswith(start.strftime("%Y-%m-%d %H:%M"))

    new_start = start + timedelta(hours=2)
    r = client.post(
        f"/v2/bookings/{first['uid']}/reschedule",
        headers=V_BOOKING,
        json={"start": new_start.isoformat()},
    )
    assert r.status_code == 201, r.text
    moved = r.json()["data"]
    old_rows = _sql(
        db_url, "SELECT status FROM webhook_deliveries WHERE booking_uid = :u", u=first["uid"]
    )
    assert {r[0] for r in old_rows} == {"cancelled"}
    new_rows = _sql(
        db_url,
        "SELECT trigger, status FROM webhook_deliveries WHERE booking_uid = :u",
        u=moved["uid"],
    )
    assert sorted(new_rows) == [("MEETING_ENDED", "pending"), ("MEETING_STARTED", "pending")]

    # Time passes: the start is due (simulated by moving it), and it fires with the booking.
    _sql(
        db_url,
        "UPDATE webhook_deliveries SET not_before = created_at "
        "WHERE booking_uid = :u AND trigger = 'MEETING_STARTED'",
        u=moved["uid"],
    )
    (req,) = hook_receiver.wait_for(1)
    body = req.json()
    assert body["triggerEvent"] == "MEETING_STARTED"
    assert body["payload"]["uid"] == moved["uid"]
    assert body["payload"]["startTime"].startswith(new_start.strftime("%Y-%m-%dT%H:%M"))

    r = client.post(f"/v2/bookings/{moved['uid']}/cancel", headers=V_BOOKING, json={})
    assert r.status_code == 200
    left = _sql(
        db_url,
        "SELECT trigger, status FROM webhook_deliveries WHERE booking_uid = :u",
        u=moved["uid"],
    )
    assert sorted(left) == [("MEETING_ENDED", "cancelled"), ("MEETING_STARTED", "delivered")]


def _wait_status(
    client: TestClient, acct: Any, webhook_id: int, status: str, timeout: float = 20.0
) -> list[dict[str, Any]]:

    def settled() -> list[dict[str, Any]]:
        r = client.get(f"/v2/webhooks/{webhook_id}/deliveries", headers=acct.headers)
        assert r.status_code == 200, r.text
        rows = r.json()["data"]
        return list(rows) if rows and all(d["status"] == status for d in rows) else []

    return wait_until(settled, timeout, 0.05, f"deliveries all {status}")


def test_cancelling_one_seat_sends_booking_cancelled_for_that_attendee(
    client: TestClient, make_account: Any, hook_receiver: Receiver
) -> None:
    acct = make_account(time_zone="UTC")
    seated = event_type(
        client,
        acct,
        seats={"seatsPerTimeSlot": 3, "showAttendeeInfo": False, "showAvailabilityCount": True},
    )
    subscribe(client, acct, hook_receiver.url, ["BOOKING_CANCELLED"], secret="k")
    start = next_monday() + timedelta(hours=10)
    book(client, seated, start)
    second = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={
            "start": z(start),
            "eventTypeId": seated,
            "attendee": {"name": "Grace Hopper", "email": "grace@example.com", "timeZone": "UTC"},
        },
    )
    assert second.status_code == 201, second.text
    taken = second.json()["data"]
    r = client.post(
        f"/v2/bookings/{taken['uid']}/cancel",
        headers=V_BOOKING,
        json={"seatUid": taken["seatUid"]},
    )
    assert r.status_code == 200, r.text
    (got,) = hook_receiver.wait_for(1)
    body = got.json()
    assert body["triggerEvent"] == "BOOKING_CANCELLED"
    assert body["payload"]["uid"] == taken["uid"]
    assert [a["email"] for a in body["payload"]["attendees"]] == ["grace@example.com"]
    # The booking goes on for Ada: it is still accepted.
    still = client.get(f"/v2/bookings/{taken['uid']}", headers=V_BOOKING).json()["data"]
    assert still["status"] == "accepted"
