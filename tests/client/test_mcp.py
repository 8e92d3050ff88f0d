"""`calgate mcp` over stdio, driven by the `mcp` client: the agent's booking round trip."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp import Client as McpClient
from mcp.client.stdio import StdioServerParameters

from tests.client.conftest import CALGATE, HOST_ZONE, Target, next_workday, recurring_event_type

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _server(target: Target, tmp_path: Path) -> StdioServerParameters:
    env = {k: v for k, v in target.env(tmp_path).items() if k.startswith(("CALGATE_", "XDG_"))}
    env["PYTHONTZPATH"] = ""
    return StdioServerParameters(command=CALGATE, args=["mcp"], env=env)


def _json(result: Any) -> Any:
    assert not result.is_error, result.content
    return json.loads(result.content[0].text)


async def test_find_book_list_cancel(target: Target, tmp_path: Path) -> None:
    day = next_workday().isoformat()
    async with McpClient(_server(target, tmp_path), read_timeout_seconds=60) as agent:
        tools = {t.name: t for t in (await agent.list_tools()).tools}
        assert {"find_slots", "book", "list_bookings", "cancel_booking", "explain_time"} <= set(
            tools
        )
        assert tools["book"].description
        assert "event_type_id" in tools["book"].input_schema["required"]

        found = _json(
            await agent.call_tool(
                "find_slots",
                {"event_type_id": target.event_type_id, "start": day, "end": day},
            )
        )
        assert found["timeZone"] == HOST_ZONE  # the user's own zone by default
        first = found["days"][day][0]
        assert first == "09:00"

        booked = _json(
            await agent.call_tool(
                "book",
                {
                    "event_type_id": target.event_type_id,
                    "start": f"{day}T{first}",
                    "name": "Agent Guest",
                    "email": "agent@example.com",
                },
            )
        )
        assert booked["status"] == "accepted"
        assert booked["start"].startswith(f"{day}T09:00")
        assert booked["attendees"] == ["agent@example.com"]

        listed = _json(await agent.call_tool("list_bookings", {"status": "upcoming"}))
        assert [b["uid"] for b in listed["bookings"]] == [booked["uid"]]

        # The same slot again: refused, as a tool error carrying the API's reason.
        again = await agent.call_tool(
            "book",
            {
                "event_type_id": target.event_type_id,
                "start": f"{day}T{first}",
                "name": "Late",
                "email": "late@example.com",
            },
        )
        assert again.is_error
        assert "not available" in again.content[0].text

        # Why the taken time can't be booked, and what can be.
        why = await agent.call_tool(
            "explain_time", {"event_type_id": target.event_type_id, "start": f"{day}T{first}"}
        )
        assert not why.is_error, why.content[0].text
        explained = _json(why)
        assert explained["bookable"] is False
        assert [r["code"] for r in explained["reasons"]] == ["busy_booking"]
        assert explained["nearest"]["after"] is not None

        # People added to the booking: an attendee, then guests.
        added = _json(
            await agent.call_tool(
                "add_attendee",
                {"uid": booked["uid"], "name": "Second", "email": "second@example.com"},
            )
        )
        assert added["email"] == "second@example.com"
        assert added["timeZone"] == HOST_ZONE
        guests = _json(
            await agent.call_tool(
                "add_guests", {"uid": booked["uid"], "emails": ["third@example.com"]}
            )
        )
        assert guests["guests"] == ["second@example.com", "third@example.com"]
        people = _json(await agent.call_tool("list_attendees", {"uid": booked["uid"]}))
        assert [a["email"] for a in people["attendees"]] == [
            "agent@example.com",
            "second@example.com",
            "third@example.com",
        ]

        cancelled = _json(
            await agent.call_tool("cancel_booking", {"uid": booked["uid"], "reason": "test"})
        )
        assert cancelled["status"] == "cancelled"
        assert _json(await agent.call_tool("list_bookings", {"status": "upcoming"})) == {
            "bookings": []
        }


async def test_book_a_recurring_series(target: Target, tmp_path: Path) -> None:
    day = next_workday()
    with target.client() as client:
        et = recurring_event_type(client, occurrences=3)
    async with McpClient(_server(target, tmp_path), read_timeout_seconds=60) as agent:
        booked = _json(
            await agent.call_tool(
                "book",
                {
                    "event_type_id": et,
                    "start": f"{day.isoformat()}T10:00",
                    "name": "Agent Guest",
                    "email": "agent@example.com",
                    "recurrence_count": 2,
                },
            )
        )
        assert booked["count"] == 2
        assert booked["timeZone"] == HOST_ZONE
        series_uid = booked["recurringBookingUid"]
        occurrences = booked["occurrences"]
        assert [o["start"][:16] for o in occurrences] == [
            f"{day.isoformat()}T10:00",
            f"{(day + timedelta(weeks=1)).isoformat()}T10:00",
        ]
        assert {o["recurringBookingUid"] for o in occurrences} == {series_uid}

        one = _json(await agent.call_tool("get_booking", {"uid": occurrences[0]["uid"]}))
        assert one["recurringBookingUid"] == series_uid
        found = _json(await agent.call_tool("get_booking", {"uid": series_uid}))
        assert [o["uid"] for o in found["occurrences"]] == [o["uid"] for o in occurrences]
        cancelled = _json(
            await agent.call_tool(
                "cancel_booking", {"uid": occurrences[0]["uid"], "cancel_subsequent": True}
            )
        )
        assert cancelled["uid"] == occurrences[0]["uid"]
        found = _json(await agent.call_tool("get_booking", {"uid": series_uid}))
        assert [o["status"] for o in found["occurrences"]] == ["cancelled", "cancelled"]


async def test_connections_tool(gateway_target: Target, tmp_path: Path) -> None:
    async with McpClient(_server(gateway_target, tmp_path), read_timeout_seconds=60) as agent:
        made = _json(await agent.call_tool("create_connection", {}))
        assert made["status"] == "PENDING"
        assert "/connect" in made["url"]
        listed = _json(await agent.call_tool("list_connections", {"status": "ACTIVE"}))
        assert [c["connection_id"] for c in listed["connections"]] == [gateway_target.connection_id]
        missing = await agent.call_tool("get_booking", {"uid": "no-such-booking"})
        assert missing.is_error
        assert "NotFoundException" in missing.content[0].text
