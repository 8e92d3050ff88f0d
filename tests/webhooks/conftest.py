"""Webhook tests run the app with fast delivery timings and loopback subscribers allowed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from calgate.config import Settings
from tests.conftest import TEST_SECRET
from tests.webhooks.receiver import Receiver, receiver

FAST = {
    "webhook_allow_private": True,
    "webhook_poll_interval": 0.05,
    "webhook_backoff_base": 0.05,
    "webhook_backoff_max": 2.0,
    "webhook_max_attempts": 4,
    "webhook_timeout": 5.0,
}

V_ET = {"cal-api-version": "2024-06-14"}
V_BOOKING = {"cal-api-version": "2024-08-13"}


@pytest.fixture
def webhook_overrides() -> dict[str, Any]:
    """Override with @pytest.mark.parametrize("webhook_overrides", [{...}]) per test."""
    return {}


@pytest.fixture
def settings(db_url: str, webhook_overrides: dict[str, Any]) -> Settings:
    return replace(
        Settings(database_url=db_url, secret_key=TEST_SECRET), **{**FAST, **webhook_overrides}
    )


@pytest.fixture
def hook_receiver() -> Iterator[Receiver]:
    with receiver() as rec:
        yield rec


def next_monday(weeks: int = 1) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7) + timedelta(days=7 * weeks)


def z(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def event_type(client: TestClient, acct: Any, **extra: Any) -> int:
    body = {
        "title": "Intro",
        "slug": "intro",
        "lengthInMinutes": 30,
        "minimumBookingNotice": 0,
        **extra,
    }
    r = client.post("/v2/event-types", headers={**acct.headers, **V_ET}, json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def book(client: TestClient, event_type_id: int, start: datetime, **extra: Any) -> dict[str, Any]:
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKING,
        json={
            "start": z(start),
            "eventTypeId": event_type_id,
            "attendee": {"name": "Ada Lovelace", "email": "ada@example.com", "timeZone": "UTC"},
            **extra,
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])


def subscribe(
    client: TestClient, acct: Any, url: str, triggers: list[str], **extra: Any
) -> dict[str, Any]:
    r = client.post(
        "/v2/webhooks",
        headers=acct.headers,
        json={"subscriberUrl": url, "triggers": triggers, "active": True, **extra},
    )
    assert r.status_code == 201, r.text
    return dict(r.json()["data"])
