"""Conferencing apps over HTTP: Jitsi and a personal link give bookings real meeting URLs;
vendor apps that need OAuth are refused as not connectable offline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from starlette.testclient import TestClient

V_BOOKINGS = {"cal-api-version": "2024-08-13"}
V_EVENT_TYPES = {"cal-api-version": "2024-06-14"}


def event_type(client: TestClient, acct: Any, **fields: Any) -> int:
    body = {
        "title": "Call",
        "slug": f"call-{uuid.uuid4().hex[:8]}",
        "lengthInMinutes": 30,
        "minimumBookingNotice": 0,
        **fields,
    }
    r = client.post("/v2/event-types", headers={**acct.headers, **V_EVENT_TYPES}, json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["data"]["id"])


def book(client: TestClient, event_type_id: int, hour: int) -> dict[str, Any]:
    day = datetime.now(UTC).date() + timedelta(days=21)
    day += timedelta(days=(7 - day.weekday()) % 7)  # a Monday
    start = datetime.combine(day, time(hour), UTC)
    r = client.post(
        "/v2/bookings",
        headers=V_BOOKINGS,
        json={
            "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventTypeId": event_type_id,
            "attendee": {"name": "Guest", "email": "guest@example.com", "timeZone": "UTC"},
        },
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def test_jitsi_and_personal_link(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    assert client.get("/v2/conferencing", headers=acct.headers).json()["data"] == []
    assert client.get("/v2/conferencing/default", headers=acct.headers).json()["data"] is None

    r = client.post("/v2/conferencing/jitsi/connect", headers=acct.headers)
    assert r.status_code == 200, r.text
    jitsi = r.json()["data"]
    assert jitsi["type"] == "jitsi_video"
    assert jitsi["userId"] == acct.id
    r = client.post(
        "/v2/conferencing/personal-link/connect",
        headers=acct.headers,
        json={"link": "https://meet.example.com/my-room"},
    )
    assert r.status_code == 200, r.text
    listed = client.get("/v2/conferencing", headers=acct.headers).json()["data"]
    assert [a["type"] for a in listed] == ["jitsi_video", "personal-link_video"]

    # Cal.com's default location (integrations:daily) follows the user's default app.
    r = client.post("/v2/conferencing/jitsi/default", headers=acct.headers)
    assert r.json() == {"status": "success"}
    assert client.get("/v2/conferencing/default", headers=acct.headers).json()["data"] == {
        "appSlug": "jitsi",
        "appLink": None,
    }
    et = event_type(client, acct, locations=[{"type": "integration", "integration": "cal-video"}])
    first, second = book(client, et, 14), book(client, et, 15)
    for booking in (first, second):
        assert booking["meetingUrl"].startswith("https://meet.jit.si/calgate-")
        assert booking["location"] == booking["meetingUrl"]
    assert first["meetingUrl"] != second["meetingUrl"]

    client.post("/v2/conferencing/personal-link/default", headers=acct.headers)
    assert book(client, et, 16)["meetingUrl"] == "https://meet.example.com/my-room"

    r = client.delete("/v2/conferencing/personal-link/disconnect", headers=acct.headers)
    assert r.json() == {"status": "success"}
    assert client.get("/v2/conferencing/default", headers=acct.headers).json()["data"] is None
    r = client.delete("/v2/conferencing/personal-link/disconnect", headers=acct.headers)
    assert r.status_code == 404


def test_vendor_apps_are_not_connectable_offline(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    for app in ("google-meet", "zoom", "daily-video", "msteams"):
        r = client.post(f"/v2/conferencing/{app}/connect", headers=acct.headers)
        assert r.status_code == 400, r.text
        assert "OAuth" in r.json()["error"]["message"]
        assert (
            client.post(f"/v2/conferencing/{app}/default", headers=acct.headers).status_code == 400
        )
    assert client.post("/v2/conferencing/nope/connect", headers=acct.headers).status_code == 400
    r = client.post(
        "/v2/conferencing/personal-link/connect", headers=acct.headers, json={"link": "ftp://x"}
    )
    assert r.status_code == 400
    assert client.post("/v2/conferencing/jitsi/default", headers=acct.headers).status_code == 400


def test_sdk_reads_calendars_and_conferencing(
    client: TestClient, make_account: Any, live_url: str
) -> None:
    from calgate.client import Client, ClientConfig

    acct = make_account()
    assert client.post("/v2/conferencing/jitsi/connect", headers=acct.headers).status_code == 200
    with Client(config=ClientConfig(base_url=live_url, api_key=acct.key)) as sdk:
        assert sdk.calendars.list() == []
        [app] = sdk.conferencing.list()
        assert app.type == "jitsi_video"
        assert app.app_id == "jitsi"
