from __future__ import annotations

from typing import Any

import httpx2
from starlette.testclient import TestClient

from tests.support.parallel import assert_no_server_error, in_parallel


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_me_requires_credentials(client: TestClient) -> None:
    r = client.get("/v2/me")
    assert r.status_code == 401
    body = r.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "UnauthorizedException"
    assert body["path"] == "/v2/me"


def test_me_rejects_unknown_key(client: TestClient) -> None:
    r = client.get("/v2/me", headers={"Authorization": "Bearer cal_nope"})
    assert r.status_code == 401


def test_me_returns_profile(client: TestClient, make_account: Any) -> None:
    acct = make_account(email="ada@example.com", time_zone="Europe/London", name="Ada")
    r = client.get("/v2/me", headers=acct.headers)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data == {
        "id": acct.id,
        "username": "ada",
        "email": "ada@example.com",
        "name": "Ada",
        "avatarUrl": None,
        "bio": None,
        "timeFormat": 12,
        "defaultScheduleId": acct.default_schedule_id,
        "weekStart": "Sunday",
        "timeZone": "Europe/London",
        "organizationId": None,
    }


def test_raw_key_without_bearer(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.get("/v2/me", headers={"Authorization": acct.key})
    assert r.status_code == 200


def test_patch_me(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.patch(
        "/v2/me", headers=acct.headers, json={"bio": "Updated bio", "name": "New Name"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["bio"] == "Updated bio"
    assert client.get("/v2/me", headers=acct.headers).json()["data"]["name"] == "New Name"


def test_patch_me_validates(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.patch("/v2/me", headers=acct.headers, json={"timeZone": "Mars/Olympus"})
    assert r.status_code == 400
    assert "timeZone" in r.json()["error"]["message"]
    r = client.patch("/v2/me", headers=acct.headers, json={"timeFormat": 13})
    assert r.status_code == 400
    assert "timeFormat" in r.json()["error"]["message"]
    r = client.patch("/v2/me", headers=acct.headers, content=b"{not json")
    assert r.status_code == 400


def test_timezones_lists_cities_with_their_zones_publicly(client: TestClient) -> None:
    """Cal.com's shape: one `{city, timezone, pop}` per city name, from GeoNames data."""
    r = client.get("/v2/timezones")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "success"
    cities = body["data"]
    assert len(cities) > 10_000
    assert all(set(c) == {"city", "timezone", "pop"} for c in cities)
    by_name = {c["city"]: c for c in cities}
    assert len(by_name) == len(cities)
    assert by_name["London"]["timezone"] == "Europe/London"
    assert by_name["Kolkata"]["timezone"] == "Asia/Kolkata"
    assert by_name["New York City"]["timezone"] == "America/New_York"
    assert by_name["London"]["pop"] > 1_000_000
    # The most populous city of a shared name wins: Paris, France, not Paris, Texas.
    assert by_name["Paris"]["timezone"] == "Europe/Paris"
    zones = {c["timezone"] for c in cities}
    assert {"America/New_York", "Asia/Kolkata", "Australia/Sydney"} <= zones
    assert "Mars/Olympus_Mons" not in zones


def test_parallel_patches_all_succeed(client: TestClient, make_account: Any, live_url: str) -> None:
    """Concurrent writes wait for SQLite's write lock instead of failing with 500."""
    acct = make_account()
    zones = ["Europe/Berlin", "Asia/Tokyo", "America/Chicago", "UTC"]

    def patch(http: httpx2.Client, i: int) -> httpx2.Response:
        return http.patch(
            "/v2/me",
            headers=acct.headers,
            json={"name": f"Writer {i}", "timeZone": zones[i % len(zones)]},
        )

    responses = in_parallel(live_url, 20, patch)
    assert_no_server_error(responses, 200)
    final = client.get("/v2/me", headers=acct.headers).json()["data"]
    assert final["name"] in {f"Writer {i}" for i in range(20)}
