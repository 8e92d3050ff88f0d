from __future__ import annotations

from typing import Any

import httpx2
from starlette.testclient import TestClient

from tests.support.parallel import assert_no_server_error, in_parallel

V2 = {"cal-api-version": "2024-06-11"}


def test_default_schedule_created_on_signup_legacy_shape(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account(time_zone="Europe/Rome")
    r = client.get("/v2/schedules/default", headers=acct.headers)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["id"] == acct.default_schedule_id
    assert data["isManaged"] is False
    assert data["workingHours"] == [
        {"days": [1, 2, 3, 4, 5], "startTime": 540, "endTime": 1020, "userId": acct.id}
    ]
    assert data["timeZone"] == "Europe/Rome"
    assert data["isDefault"] is True
    assert len(data["availability"]) == 7
    assert data["availability"][0] == []
    assert data["availability"][1] == [
        {"start": "1970-01-01T09:00:00.000Z", "end": "1970-01-01T17:00:00.000Z"}
    ]


def test_create_schedule_legacy_matches_skill_document(
    client: TestClient, make_account: Any
) -> None:
    acct = make_account()
    r = client.post(
        "/v2/schedules",
        headers=acct.headers,
        json={"name": "Work Hours", "timeZone": "America/New_York", "isDefault": False},
    )
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["name"] == "Work Hours"
    assert data["isManaged"] is False
    assert [{k: w[k] for k in ("days", "startTime", "endTime")} for w in data["workingHours"]] == [
        {"days": [1, 2, 3, 4, 5], "startTime": 540, "endTime": 1020}
    ]
    assert data["isDefault"] is False


def test_create_schedule_legacy_with_availabilities(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.post(
        "/v2/schedules",
        headers=acct.headers,
        json={
            "name": "Mornings",
            "timeZone": "Asia/Kolkata",
            "isDefault": False,
            "availabilities": [
                {
                    "days": [0, 6],
                    "startTime": "1970-01-01T08:30:00.000Z",
                    "endTime": "1970-01-01T12:00:00.000Z",
                }
            ],
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["workingHours"][0]["days"] == [0, 6]
    assert r.json()["data"]["workingHours"][0]["startTime"] == 510


def test_schedule_2024_06_11_shape(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    body = {
        "name": "Catch up hours",
        "timeZone": "Europe/Rome",
        "isDefault": False,
        "availability": [
            {"days": ["Monday", "Tuesday"], "startTime": "17:00", "endTime": "19:00"},
            {"days": ["Wednesday", "Thursday"], "startTime": "16:00", "endTime": "20:00"},
        ],
        "overrides": [
            {"date": "2026-12-24", "startTime": "18:00", "endTime": "21:00"},
            {"date": "2026-12-25", "startTime": "00:00", "endTime": "00:00"},
        ],
    }
    r = client.post("/v2/schedules", headers={**acct.headers, **V2}, json=body)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data == {
        "id": data["id"],
        "ownerId": acct.id,
        "name": "Catch up hours",
        "timeZone": "Europe/Rome",
        "isDefault": False,
        "availability": body["availability"],
        "overrides": body["overrides"],
    }
    # The same schedule read through the legacy shape.
    legacy = client.get(f"/v2/schedules/{data['id']}", headers=acct.headers).json()["data"]
    assert legacy["workingHours"][0] == {
        "days": [1, 2],
        "startTime": 1020,
        "endTime": 1140,
        "userId": acct.id,
    }
    assert legacy["dateOverrides"][0] == {
        "ranges": [{"start": "2026-12-24T18:00:00.000Z", "end": "2026-12-24T21:00:00.000Z"}]
    }


def test_default_availability_when_omitted(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.post(
        "/v2/schedules",
        headers={**acct.headers, **V2},
        json={"name": "x", "timeZone": "UTC", "isDefault": False},
    )
    assert r.json()["data"]["availability"] == [
        {
            "days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
            "startTime": "09:00",
            "endTime": "17:00",
        }
    ]


def test_exactly_one_default(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    h = {**acct.headers, **V2}
    new = client.post(
        "/v2/schedules", headers=h, json={"name": "B", "timeZone": "UTC", "isDefault": True}
    ).json()["data"]
    assert new["isDefault"] is True
    listed = client.get("/v2/schedules", headers=h).json()["data"]
    assert [s["isDefault"] for s in listed] == [False, True]
    assert client.get("/v2/me", headers=h).json()["data"]["defaultScheduleId"] == new["id"]
    # Switch back through PATCH.
    r = client.patch(
        f"/v2/schedules/{acct.default_schedule_id}", headers=h, json={"isDefault": True}
    )
    assert r.json()["data"]["isDefault"] is True
    listed = client.get("/v2/schedules", headers=h).json()["data"]
    assert [s["isDefault"] for s in listed] == [True, False]


def test_delete_default_refused(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.delete(f"/v2/schedules/{acct.default_schedule_id}", headers=acct.headers)
    assert r.status_code == 400
    assert "default" in r.json()["error"]["message"]
    assert (
        client.get(f"/v2/schedules/{acct.default_schedule_id}", headers=acct.headers).status_code
        == 200
    )


def test_delete_schedule(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    sid = client.post(
        "/v2/schedules",
        headers=acct.headers,
        json={"name": "B", "timeZone": "UTC", "isDefault": False},
    ).json()["data"]["id"]
    r = client.delete(f"/v2/schedules/{sid}", headers=acct.headers)
    assert r.status_code == 200
    assert r.json() == {"status": "success"}
    assert client.get(f"/v2/schedules/{sid}", headers=acct.headers).status_code == 404


def test_patch_2024_06_11(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    h = {**acct.headers, **V2}
    r = client.patch(
        f"/v2/schedules/{acct.default_schedule_id}",
        headers=h,
        json={
            "name": "Renamed",
            "timeZone": "Australia/Sydney",
            "availability": [{"days": ["Saturday"], "startTime": "10:00", "endTime": "12:30"}],
        },
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["name"] == "Renamed"
    assert data["timeZone"] == "Australia/Sydney"
    assert data["availability"] == [
        {"days": ["Saturday"], "startTime": "10:00", "endTime": "12:30"}
    ]


def test_patch_legacy_schedule_and_overrides(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    week = [[] for _ in range(7)]
    week[3] = [{"start": "1970-01-01T10:00:00.000Z", "end": "1970-01-01T11:00:00.000Z"}]
    r = client.patch(
        f"/v2/schedules/{acct.default_schedule_id}",
        headers=acct.headers,
        json={
            "name": "Wednesday only",
            "schedule": week,
            "dateOverrides": [
                {
                    "ranges": [
                        {"start": "2026-12-01T13:00:00.000Z", "end": "2026-12-01T14:00:00.000Z"}
                    ]
                }
            ],
        },
    )
    assert r.status_code == 200, r.text
    v2 = client.get(
        f"/v2/schedules/{acct.default_schedule_id}", headers={**acct.headers, **V2}
    ).json()["data"]
    assert v2["availability"] == [{"days": ["Wednesday"], "startTime": "10:00", "endTime": "11:00"}]
    assert v2["overrides"] == [{"date": "2026-12-01", "startTime": "13:00", "endTime": "14:00"}]


def test_validation_errors(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    h = {**acct.headers, **V2}
    cases = [
        ({"name": "x", "timeZone": "Not/AZone", "isDefault": False}, "timeZone"),
        ({"timeZone": "UTC", "isDefault": False}, "name"),
        ({"name": "x", "timeZone": "UTC"}, "isDefault"),
        (
            {
                "name": "x",
                "timeZone": "UTC",
                "isDefault": False,
                "availability": [{"days": ["Funday"], "startTime": "09:00", "endTime": "10:00"}],
            },
            "availability.0.days",
        ),
        (
            {
                "name": "x",
                "timeZone": "UTC",
                "isDefault": False,
                "availability": [{"days": ["Monday"], "startTime": "9am", "endTime": "10:00"}],
            },
            "availability.0.startTime",
        ),
        (
            {
                "name": "x",
                "timeZone": "UTC",
                "isDefault": False,
                "availability": [{"days": ["Monday"], "startTime": "11:00", "endTime": "10:00"}],
            },
            "startTime must be before endTime",
        ),
    ]
    for body, needle in cases:
        r = client.post("/v2/schedules", headers=h, json=body)
        assert r.status_code == 400, (body, r.text)
        err = r.json()
        assert err["status"] == "error"
        assert needle in err["error"]["message"], (needle, err)
    # Nothing was written by the refused requests.
    assert len(client.get("/v2/schedules", headers=h).json()["data"]) == 1


def test_tenant_isolation(client: TestClient, make_account: Any) -> None:
    alice, bob = make_account(), make_account()
    sid = alice.default_schedule_id
    for method, body in (("GET", None), ("PATCH", {"name": "pwned"}), ("DELETE", None)):
        r = client.request(method, f"/v2/schedules/{sid}", headers=bob.headers, json=body)
        assert r.status_code == 404, (method, r.text)
        assert r.json()["error"]["code"] == "NotFoundException"
    assert client.get(f"/v2/schedules/{sid}", headers=alice.headers).json()["data"]["name"] == (
        "Working Hours"
    )
    ids = [s["id"] for s in client.get("/v2/schedules", headers=bob.headers).json()["data"]]
    assert sid not in ids


def test_requires_auth(client: TestClient) -> None:
    for method, path in (
        ("GET", "/v2/schedules"),
        ("POST", "/v2/schedules"),
        ("GET", "/v2/schedules/1"),
    ):
        r = client.request(method, path)
        assert r.status_code == 401


def test_parallel_default_creates_all_succeed(
    client: TestClient, make_account: Any, live_url: str
) -> None:
    """Concurrent writes wait for SQLite's write lock instead of failing with 500."""
    acct = make_account()

    def create(http: httpx2.Client, i: int) -> httpx2.Response:
        body = {"name": f"Hours {i}", "timeZone": "Europe/Rome", "isDefault": True}
        return http.post("/v2/schedules", headers={**acct.headers, **V2}, json=body)

    responses = in_parallel(live_url, 20, create)
    assert_no_server_error(responses, 201)
    listed = client.get("/v2/schedules", headers={**acct.headers, **V2}).json()["data"]
    assert len(listed) == 21
    assert sum(1 for s in listed if s["isDefault"]) == 1
