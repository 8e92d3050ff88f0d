"""Small API seeding helpers shared by the robustness tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

V_EVENT_TYPES = {"cal-api-version": "2024-06-14"}
V_BOOKINGS = {"cal-api-version": "2024-08-13"}


def slot(week: int = 0) -> str:
    """A Monday 10:00 New York (inside the default working hours), two or more weeks ahead."""
    earliest = datetime.now(UTC).date() + timedelta(days=14 + 7 * week)
    day: date = earliest + timedelta(days=(7 - earliest.weekday()) % 7)
    start = datetime.combine(day, time(10, 0), ZoneInfo("America/New_York"))
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_type(client: TestClient, headers: dict[str, str], **extra: Any) -> int:
    body = {"title": "Intro", "slug": f"intro-{uuid.uuid4().hex[:8]}", "lengthInMinutes": 30}
    r = client.post("/v2/event-types", headers={**headers, **V_EVENT_TYPES}, json=body | extra)
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def booking_body(event_type_id: int, start: str, **extra: Any) -> dict[str, Any]:
    attendee = {"name": "Guest", "email": "guest@example.com", "timeZone": "America/New_York"}
    return {"eventTypeId": event_type_id, "start": start, "attendee": attendee} | extra


def book(client: TestClient, event_type_id: int, start: str, **extra: Any) -> str:
    r = client.post(
        "/v2/bookings", headers=V_BOOKINGS, json=booking_body(event_type_id, start, **extra)
    )
    assert r.status_code == 201, r.text
    return str(r.json()["data"]["uid"])
