"""A CalDAV server that is down: slots, explanations, holds and bookings still answer from the
cached busy time, each response carrying calgate's `warnings` beside `data` (and a refusal
its `details.warnings`), the log saying which calendar; none of it names the calendar's URL,
name or password. Back up, the warnings are gone."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.calendars.servers import Radicale
from tests.calendars.test_connected import (
    V_SLOTS,
    at,
    create_booking,
    dst_monday,
    event_type,
    weekly_ics,
    z,
)

STALE = "calendar_stale"


def slots(client: TestClient, et: int, day: date, legacy: bool = False) -> dict[str, Any]:
    if legacy:
        params = {"eventTypeId": et, "startTime": day.isoformat(), "endTime": day.isoformat()}
        r = client.get("/v2/slots/available", params=params)
    else:
        params = {"eventTypeId": et, "start": day.isoformat(), "end": day.isoformat()}
        r = client.get("/v2/slots", params={**params, "timeZone": "UTC"}, headers=V_SLOTS)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_calendar_down_answers_from_cache_with_warnings(
    client: TestClient,
    make_account: Any,
    caldav_server: Radicale,
    refresh: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    acct = make_account()
    calendar_url = caldav_server.make_calendar("erin", "private-work")
    monday = dst_monday()
    caldav_server.put(calendar_url, "standup", weekly_ics(monday), "erin")
    r = client.post(
        "/v2/calendars/caldav/credentials",
        headers=acct.headers,
        json={"username": "erin", "password": "erin-password-9", "url": caldav_server.url},
    )
    assert r.status_code == 201, r.text
    et = event_type(client, acct)

    fresh = slots(client, et, monday)
    # Nothing stale: exactly Cal.com's envelope.
    assert set(fresh) == {"status", "data"}

    caldav_server.stop()
    with caplog.at_level(logging.WARNING, logger="calgate.calendars"):
        assert refresh() == 0
        stale = slots(client, et, monday)
    assert stale["data"] == fresh["data"]
    [warning] = stale["warnings"]
    assert warning["code"] == STALE
    assert warning["hostId"] == acct.id
    assert "last known busy time" in warning["message"]
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "calgate.calendars")
    assert "could not be read" in logged
    assert "served from cache" in logged
    for secret in ("erin-password-9", "private-work", calendar_url):
        assert secret not in logged
        assert secret not in str(stale)

    legacy = slots(client, et, monday, legacy=True)
    assert [w["code"] for w in legacy["warnings"]] == [STALE]

    r = client.get(
        "/v2/slots/explain",
        params={"eventTypeId": et, "start": z(at(monday, 10)), "timeZone": "America/New_York"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["bookable"] is False
    assert [w["code"] for w in r.json()["warnings"]] == [STALE]

    # The cached busy time still refuses, and says it is the calendar.
    refused = create_booking(client, et, at(monday, 10))
    assert refused.status_code == 400, refused.text
    details = refused.json()["error"]["details"]
    assert details["reason"] == "busy_calendar"
    assert [w["code"] for w in details["warnings"]] == [STALE]

    booked = create_booking(client, et, at(monday, 13))
    assert booked.status_code == 201, booked.text
    assert [w["code"] for w in booked.json()["warnings"]] == [STALE]

    # A hold is checked as a booking is: on the cached time, and says so.
    held = client.post(
        "/v2/slots/reservations",
        headers=V_SLOTS,
        json={"eventTypeId": et, "slotStart": z(at(monday, 15))},
    )
    assert held.status_code == 201, held.text
    assert [w["code"] for w in held.json()["warnings"]] == [STALE]
    moved = client.patch(
        f"/v2/slots/reservations/{held.json()['data']['reservationUid']}",
        headers=V_SLOTS,
        json={"eventTypeId": et, "slotStart": z(at(monday, 16))},
    )
    assert moved.status_code == 200, moved.text
    assert [w["code"] for w in moved.json()["warnings"]] == [STALE]
    legacy_hold = client.post(
        "/v2/slots/reserve",
        json={
            "eventTypeId": et,
            "slotUtcStartDate": z(at(monday, 14)),
            "slotUtcEndDate": z(at(monday, 14) + timedelta(minutes=60)),
        },
    )
    assert legacy_hold.status_code == 201, legacy_hold.text
    assert [w["code"] for w in legacy_hold.json()["warnings"]] == [STALE]

    caldav_server.start()
    assert refresh() == 1
    assert "warnings" not in slots(client, et, monday)
    assert "warnings" not in create_booking(client, et, at(monday + timedelta(days=1), 9)).json()
    fresh_hold = client.post(
        "/v2/slots/reservations",
        headers=V_SLOTS,
        json={"eventTypeId": et, "slotStart": z(at(monday + timedelta(days=1), 11))},
    )
    assert fresh_hold.status_code == 201, fresh_hold.text
    assert set(fresh_hold.json()) == {"status", "data"}
