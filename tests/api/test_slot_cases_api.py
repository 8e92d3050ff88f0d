"""A sample of Cal.com's slot cases (tests/core/data/calcom-slot-cases.json) through
`GET /v2/slots`: the same answers the engine gives, on SQLite and PostgreSQL.

Each case gets its own host: the schedule (zone, weekly hours, overrides) through the schedules
API, the event type through the event-types API, and its busy time as bookings of another event
type with no buffers (so only this event type's buffers pad around them). The clock is frozen at
the case's `now`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import insert
from starlette.testclient import TestClient

from calgate.core import Interval, merge
from calgate.store.models import Booking, BookingBlock
from tests.core.test_slot_cases import CASES
from tests.support.clock import instant, travel

V_EVENT_TYPES = {"cal-api-version": "2024-06-14"}
V_SCHEDULES = {"cal-api-version": "2024-06-11"}
V_SLOTS = {"cal-api-version": "2024-09-04"}
DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

# Without a booker's zone: midnight-joined hours and overrides (20, 46, 58, 109, 159, 235), busy
# time and buffers, DST weeks; with one (22, 26, 125, 177), the grid on the booker's clock.
WITHOUT_ZONE = [0, 20, 46, 58, 100, 109, 159, 200, 235]
WITH_ZONE = [22, 26, 125, 177]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _host(client: TestClient, make_account: Any, case: dict[str, Any]) -> tuple[Any, int]:
    acct = make_account(time_zone=case["timeZone"])
    r = client.patch(
        f"/v2/schedules/{acct.default_schedule_id}",
        headers={**acct.headers, **V_SCHEDULES},
        json={
            "timeZone": case["timeZone"],
            "availability": [
                {
                    "days": [DAY_NAMES[d] for d in w["days"]],
                    "startTime": w["startTime"],
                    "endTime": w["endTime"],
                }
                for w in case["workingHours"]
            ],
            "overrides": case["dateOverrides"],
        },
    )
    assert r.status_code == 200, r.text
    fields: dict[str, Any] = {
        "title": "Case",
        "slug": f"case-{uuid.uuid4().hex[:8]}",
        "lengthInMinutes": case["length"],
        "minimumBookingNotice": case["minimumBookingNotice"],
        "beforeEventBuffer": case["beforeEventBuffer"],
        "afterEventBuffer": case["afterEventBuffer"],
    }
    if case["slotInterval"]:
        fields["slotInterval"] = case["slotInterval"]
    r = client.post("/v2/event-types", headers={**acct.headers, **V_EVENT_TYPES}, json=fields)
    assert r.status_code == 201, r.text
    et = int(r.json()["data"]["id"])
    other = {**fields, "slug": f"busy-{uuid.uuid4().hex[:8]}", "beforeEventBuffer": 0}
    other["afterEventBuffer"] = 0
    r = client.post("/v2/event-types", headers={**acct.headers, **V_EVENT_TYPES}, json=other)
    assert r.status_code == 201, r.text
    _busy(client, acct.id, int(r.json()["data"]["id"]), case["busy"])
    return acct, et


def _busy(client: TestClient, user_id: int, event_type_id: int, busy: list[dict[str, str]]) -> None:
    # One booking per merged busy interval: a host's bookings may not overlap.
    spans = merge(Interval(instant(b["start"]), instant(b["end"])) for b in busy)
    if not spans:
        return

    async def insert_rows() -> None:
        db = client.app.state.calgate.db  # type: ignore[attr-defined]
        async with db.transaction() as session:
            for span in spans:
                booking = (
                    await session.execute(
                        insert(Booking)
                        .values(
                            uid=f"busy-{uuid.uuid4().hex}",
                            event_type_id=event_type_id,
                            user_id=user_id,
                            title="busy",
                            start_time=span.start,
                            end_time=span.end,
                            status="accepted",
                            metadata={},
                            responses={},
                            rescheduled=False,
                            no_show_host=False,
                            created_at=span.start,
                            updated_at=span.start,
                        )
                        .returning(Booking.id)
                    )
                ).scalar_one()
                await session.execute(
                    insert(BookingBlock).values(
                        booking_id=booking,
                        user_id=user_id,
                        block_start=span.start,
                        block_end=span.end,
                        active=True,
                    )
                )

    assert client.portal is not None
    client.portal.call(insert_rows)


def _run(client: TestClient, make_account: Any, index: int) -> None:
    entry = CASES[index]
    case = entry["case"]
    _, et = _host(client, make_account, case)
    params: dict[str, Any] = {"eventTypeId": et, "start": case["start"], "end": case["end"]}
    if case.get("inviteeTimeZone"):
        params["timeZone"] = case["inviteeTimeZone"]
    with travel(instant(case["now"]), tick=False):
        r = client.get("/v2/slots", params=params, headers=V_SLOTS)
    assert r.status_code == 200, r.text
    got = sorted(_iso(instant(s["start"])) for day in r.json()["data"].values() for s in day)
    assert got == entry["expected"]


@pytest.mark.parametrize("index", WITHOUT_ZONE)
def test_slots_api_matches_calcom(client: TestClient, make_account: Any, index: int) -> None:
    _run(client, make_account, index)


@pytest.mark.parametrize("index", WITH_ZONE)
def test_slots_api_matches_calcom_in_the_bookers_zone(
    client: TestClient, make_account: Any, index: int
) -> None:
    _run(client, make_account, index)
