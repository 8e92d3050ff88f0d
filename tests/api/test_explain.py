"""GET /v2/slots/explain (calgate extension) and the reasons every refused booking,
reservation and reschedule carries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from calgate.store.db import sync_url
from tests.api.test_slots import (
    V_BOOKINGS,
    V_SLOTS,
    assert_error,
    at,
    book,
    instant,
    make_event_type,
    monday,
    slots_v2,
    z,
)

NY = "America/New_York"


def explain(
    client: TestClient, et: int, start: Any, tz: str | None = NY, **params: Any
) -> dict[str, Any]:
    headers = params.pop("headers", {})
    query = {"eventTypeId": et, "start": z(start), **params}
    if tz:
        query["timeZone"] = tz
    r = client.get("/v2/slots/explain", params=query, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    data: dict[str, Any] = body["data"]
    return data


def test_a_bookable_start_is_offered_like_the_slots_say(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone=NY)
    et = make_event_type(client, acct)
    day = monday(1)
    offered = slots_v2(client, day.isoformat(), day.isoformat(), tz=NY, eventTypeId=et)
    first = instant(offered[day.isoformat()][0]["start"])
    data = explain(client, et, first)
    assert data["bookable"] is True
    assert data["offered"] is True
    assert data["reasons"] == []
    assert instant(data["start"]) == first
    assert instant(data["end"]) == at(day, "09:30", NY)
    # Nothing earlier on Monday: the Friday before's last start.
    assert instant(data["nearest"]["before"]) == at(day - timedelta(days=3), "16:30", NY)
    assert instant(data["nearest"]["after"]) == at(day, "09:30", NY)
    # Off the grid: bookable (a booking need not be on it), not offered, and said so.
    off = explain(client, et, at(day, "09:07", NY))
    assert off["bookable"] is True
    assert off["offered"] is False
    assert [r["code"] for r in off["reasons"]] == ["not_on_slot_grid"]
    assert off["reasons"][0]["blocking"] is False


def test_outside_hours_in_the_callers_zone(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone=NY, name="Ana")
    et = make_event_type(client, acct)
    day = monday(7)  # New York on EDT (UTC-4), Lisbon on WEST (UTC+1)
    data = explain(client, et, at(day, "16:45", NY), tz="Europe/Lisbon")
    assert data["bookable"] is False
    [reason] = data["reasons"]
    assert reason["code"] == "outside_working_hours"
    assert reason["hostId"] == acct.id
    assert reason["hostTimeZone"] == NY
    assert "end at 22:00 Europe/Lisbon" in reason["message"]
    assert "a 30-minute meeting at 21:45 would end at 22:15" in reason["message"]
    assert reason["message"].startswith("Ana's working hours on Monday")
    assert instant(data["nearest"]["before"]) == at(day, "16:30", NY)
    assert instant(data["nearest"]["after"]) == at(day + timedelta(days=1), "09:00", NY)


def test_busy_is_all_anonymous_callers_learn(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone=NY, name="Ana")
    et = make_event_type(client, acct, beforeEventBuffer=15)
    day = monday(1)
    booked = book(client, et, at(day, "10:00", NY))
    anonymous = explain(client, et, at(day, "10:15", NY))
    [busy] = anonymous["reasons"]
    assert busy["code"] == "busy_booking"
    assert "bookingUid" not in busy
    assert "bookingStart" not in busy
    assert busy["message"] == "Ana is busy at 10:15 America/New_York on Monday " + (
        f"{day.day} {day:%b}."
    )
    host = explain(client, et, at(day, "10:15", NY), headers=acct.headers)
    [seen] = host["reasons"]
    assert seen["bookingUid"] == booked["uid"]
    assert instant(seen["bookingStart"]) == at(day, "10:00", NY)
    # Another signed-in user is no host: busy only.
    other = make_account()
    assert (
        "bookingUid"
        not in explain(client, et, at(day, "10:15", NY), headers=other.headers)["reasons"][0]
    )
    # The buffer before the next start, with who's on the other side hidden.
    after = explain(client, et, at(day, "10:35", NY))
    [gap] = after["reasons"]
    assert gap["code"] == "buffer_before"
    assert gap["minutes"] == 15
    assert "neighbourEnd" not in gap


def test_refused_booking_reservation_and_reschedule_carry_reasons(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone=NY)
    et = make_event_type(client, acct)
    day = monday(1)
    taken = book(client, et, at(day, "10:00", NY))
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={
            "start": z(at(day, "18:00", NY)),
            "eventTypeId": et,
            "attendee": {"name": "G", "email": "g@example.com", "timeZone": "Europe/London"},
        },
    )
    body = assert_error(r, 400)
    details = body["error"]["details"]
    assert details["reason"] == "outside_availability"
    assert body["error"]["message"] == "The requested time is outside the host's available hours"
    [reason] = details["reasons"]
    assert reason["code"] == "outside_working_hours"
    # In the attendee's zone.
    assert "Europe/London" in reason["message"]

    r = client.post(
        "/v2/slots/reservations",
        headers=V_SLOTS,
        json={"eventTypeId": et, "slotStart": z(at(day, "08:00", NY))},
    )
    details = assert_error(r, 400)["error"]["details"]
    assert [x["code"] for x in details["reasons"]] == ["outside_working_hours"]

    other = book(client, et, at(day, "11:00", NY), email="other@example.com")
    move = {"start": z(at(day, "10:15", NY))}
    # The host moving their own booking sees what blocks it in full, as their explain view does.
    path = f"/v2/bookings/{other['uid']}/reschedule"
    r = client.post(path, headers={**V_BOOKINGS, **acct.headers}, json=move)
    details = assert_error(r, 400)["error"]["details"]
    assert "reason" in details
    [busy] = [x for x in details["reasons"] if x["code"] == "busy_booking"]
    assert busy["bookingUid"] == taken["uid"]
    assert instant(busy["bookingStart"]) == at(day, "10:00", NY)
    # Anyone else holding the link learns only that the host is busy.
    r = client.post(path, headers=V_BOOKINGS, json=move)
    details = assert_error(r, 400)["error"]["details"]
    [busy] = [x for x in details["reasons"] if x["code"] == "busy_booking"]
    assert "bookingUid" not in busy
    assert taken["uid"] not in str(details)
    # Both name the nearest free starts that day, in the guest's zone.
    assert instant(details["nearest"]["before"]) == at(day, "09:30", NY)
    assert instant(details["nearest"]["after"]) == at(day, "10:30", NY)


def test_a_race_lost_at_the_database_is_explained_like_any_refusal(
    client: TestClient, make_account: Any, db_url: str
) -> None:
    acct = make_account(time_zone=NY, name="Ana")
    seated = make_event_type(client, acct, seats={"seatsPerTimeSlot": 3})
    plain = make_event_type(client, acct)
    day = monday(1)
    winner = book(client, plain, at(day, "10:00", NY))
    # The winner's block is in the database but its booking is not yet visible to the check:
    # what a booking committed between another's check and insert looks like to the loser.
    engine = create_engine(sync_url(db_url))
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE bookings SET status = 'cancelled' WHERE uid = :uid"),
            {"uid": winner["uid"]},
        )
    engine.dispose()
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={
            "start": z(at(day, "10:00", NY)),
            "eventTypeId": seated,
            "attendee": {"name": "G", "email": "g@example.com", "timeZone": "Europe/Paris"},
        },
    )
    body = assert_error(r, 400)
    assert body["error"]["message"] == "The requested time is no longer available (conflict)"
    details = body["error"]["details"]
    assert details["reason"] == "slot_unavailable"
    [busy] = details["reasons"]
    assert busy["code"] == "busy_booking"
    assert busy["blocking"] is True
    assert "Europe/Paris" in busy["message"]
    assert set(details["nearest"]) == {"before", "after"}


def test_bad_explain_requests_are_4xx(client: TestClient, make_account: Any) -> None:
    acct = make_account(time_zone=NY)
    et = make_event_type(client, acct)
    day = monday(1)
    good = {"eventTypeId": et, "start": z(at(day, "10:00", NY))}
    cases = [
        ({**good, "start": "nope"}, 400),
        ({**good, "start": day.isoformat()}, 400),
        ({**good, "timeZone": "Mars/Olympus"}, 400),
        ({**good, "lengthInMinutes": "7"}, 400),
        ({**good, "eventTypeId": "x"}, 400),
        ({"start": good["start"]}, 400),
        ({**good, "eventTypeId": 999_999}, 404),
    ]
    for params, status in cases:
        r = client.get("/v2/slots/explain", params=params)
        assert_error(r, status)


def test_explain_is_documented_as_an_extension(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/v2/slots/explain"]["get"]
    assert "Slots (calgate extension)" in op["tags"]
    assert "calgate extension" in op["description"]
