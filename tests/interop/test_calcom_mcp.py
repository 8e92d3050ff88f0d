"""Cal.com's own MCP server, driven unchanged against calgate: the tools an agent would use to
manage event types, schedules and bookings answer in the shapes the package expects.

The package (`@calcom/cal-mcp` 0.0.6, the Cal.com MCP server on npm) sends an API key only on
the tools whose operation declares an `Authorization` header in Cal.com's document (20 of 167);
those are the ones driven here with a key, plus the public slot and booking tools.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.interop.calcom_mcp import ToolError, available, cal_mcp

pytestmark = pytest.mark.skipif(
    not available() and not os.environ.get("CI"),
    reason="node and npm are needed to run Cal.com's MCP server",
)


def _first_starts(slots: dict[str, Any], n: int) -> list[str]:
    return [s["start"] for day in sorted(slots) for s in slots[day]][:n]


async def _scenario(key: str, base_url: str, et_id: int) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    async with cal_mcp(key, base_url) as cal:
        tools = await cal.tool_names()
        for name in (
            "refresh",
            "createEventType",
            "getAvailableSlots",
            "createBooking",
            "getBookings",
            "rescheduleBooking",
            "cancelBooking",
            "getSchedules",
            "markNoShow",
        ):
            assert name in tools

        got = await cal.call("getEventTypeById", params={"eventTypeId": str(et_id)})
        assert got["data"]["slug"] == "interop-call"

        schedules = await cal.call("getSchedules")
        assert schedules["status"] == "success"
        assert schedules["data"]
        default = await cal.call("getDefaultSchedule")
        assert default["data"]["isDefault"] is True
        day = datetime.now(UTC).date() + timedelta(days=1)
        slots = await cal.call(
            "getAvailableSlots",
            params={
                "eventTypeId": str(et_id),
                "start": day.isoformat(),
                "end": (day + timedelta(days=7)).isoformat(),
                "timeZone": "Europe/Paris",
            },
        )
        first, second = _first_starts(slots["data"], 2)
        booked = await cal.call(
            "createBooking",
            body={
                "start": first,
                "eventTypeId": et_id,
                "attendee": {
                    "name": "Ana Lopes",
                    "email": "ana@example.com",
                    "timeZone": "Europe/Lisbon",
                },
            },
        )
        uid = booked["data"]["uid"]
        assert booked["data"]["status"] == "accepted"
        listed = await cal.call("getBookings")
        assert uid in [b["uid"] for b in listed["data"]]
        one = await cal.call("getBooking", params={"bookingUid": uid})
        assert one["data"]["attendees"][0]["email"] == "ana@example.com"

        # The same time again is refused in Cal.com's envelope, through the tool.
        try:
            await cal.call(
                "createBooking",
                body={
                    "start": first,
                    "eventTypeId": et_id,
                    "attendee": {"name": "Bo", "email": "bo@example.com", "timeZone": "UTC"},
                },
            )
        except ToolError as refused:
            seen["double_booking"] = refused.body
        else:
            raise AssertionError("the same slot was booked twice")

        moved = await cal.call(
            "rescheduleBooking",
            params={"bookingUid": uid},
            body={"start": second, "reschedulingReason": "clash"},
        )
        new_uid = moved["data"]["uid"]
        assert new_uid != uid
        assert moved["data"]["rescheduledFromUid"] == uid
        cancelled = await cal.call(
            "cancelBooking",
            params={"bookingUid": new_uid},
            body={"cancellationReason": "no longer needed"},
        )
        assert cancelled["data"]["status"] == "cancelled"

        await cal.call("deleteEventType", params={"eventTypeId": et_id})
        try:
            await cal.call("getEventTypeById", params={"eventTypeId": str(et_id)})
        except ToolError as gone:
            seen["deleted"] = gone.body
        else:
            raise AssertionError("a deleted event type is still returned")

        # Last, as it retires the key this server was started with.
        refreshed = await cal.call("refresh", body={"apiKeyDaysValid": 7})
        seen["new_key"] = refreshed["data"]["apiKey"]
        try:
            await cal.call("getSchedules")
        except ToolError as retired:
            seen["retired"] = retired.body
        else:
            raise AssertionError("the refreshed key still works")
    return seen


async def _through_gateway(key: str, base_url: str, et_id: int) -> None:
    """The tools that carry the key, through a gateway: the public ones (slots, booking) send
    no key at all, which a gateway refuses, as Maton's does."""
    async with cal_mcp(key, base_url) as cal:
        got = await cal.call("getEventTypeById", params={"eventTypeId": str(et_id)})
        assert got["data"]["slug"] == "interop-call"
        default = await cal.call("getDefaultSchedule")
        assert default["data"]["isDefault"] is True
        listed = await cal.call("getBookings")
        assert listed["status"] == "success"
        await cal.call("deleteEventType", params={"eventTypeId": et_id})


def run_through_gateway(key: str, base_url: str, et_id: int) -> None:
    asyncio.run(_through_gateway(key, base_url, et_id))


EVERY_DAY = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def prepare(http: Any, headers: dict[str, str], prefix: str = "") -> int:
    """Round-the-clock hours (so the first free days don't depend on when the suite runs) and an
    event type, over plain HTTP: the package can't send these two itself (its schema for
    schedule days puts the enum on the array; its event-type schemas don't compile in ajv's
    strict mode: "default is ignored"), against Cal.com as against calgate."""
    v_schedules = {**headers, "cal-api-version": "2024-06-11"}
    default = http.get(f"{prefix}/v2/schedules/default", headers=v_schedules)
    assert default.status_code == 200, default.text
    r = http.patch(
        f"{prefix}/v2/schedules/{default.json()['data']['id']}",
        headers=v_schedules,
        json={"availability": [{"days": EVERY_DAY, "startTime": "00:00", "endTime": "23:59"}]},
    )
    assert r.status_code == 200, r.text
    created = http.post(
        f"{prefix}/v2/event-types",
        headers={**headers, "cal-api-version": "2024-06-14"},
        json={"title": "Interop call", "slug": "interop-call", "lengthInMinutes": 30},
    )
    assert created.status_code == 201, created.text
    return int(created.json()["data"]["id"])


def check(seen: dict[str, Any]) -> None:
    assert seen["double_booking"]["status"] == "error"
    assert seen["double_booking"]["error"]["code"] == "BadRequestException"
    assert seen["deleted"]["error"]["code"] == "NotFoundException"
    assert seen["new_key"].startswith("cal_")
    assert seen["retired"]["error"]["code"] == "UnauthorizedException"


def run(key: str, base_url: str, et_id: int) -> dict[str, Any]:
    return asyncio.run(_scenario(key, base_url, et_id))


def test_calcom_mcp_server_manages_event_types_and_bookings(
    client: TestClient, make_account: Any, live_url: str
) -> None:
    acct = make_account(time_zone="UTC")
    et_id = prepare(client, acct.headers)
    check(run(acct.key, live_url, et_id))
