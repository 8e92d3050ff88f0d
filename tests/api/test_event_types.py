from __future__ import annotations

from typing import Any

import httpx2
from starlette.testclient import TestClient

from tests.support.parallel import assert_no_server_error, in_parallel

V2 = {"cal-api-version": "2024-06-14"}


def test_create_legacy_matches_skill_document(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    r = client.post(
        "/v2/event-types",
        headers=acct.headers,
        json={"title": "Meeting", "slug": "meeting", "length": 30},
    )
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert {k: data[k] for k in ("title", "slug", "length", "locations", "hidden", "userId")} == {
        "title": "Meeting",
        "slug": "meeting",
        "length": 30,
        "locations": [{"type": "integrations:daily"}],
        "hidden": False,
        "userId": acct.id,
    }
    assert isinstance(data["id"], int)


def test_list_legacy_groups(client: TestClient, make_account: Any) -> None:
    acct = make_account(name="User Name")
    client.post(
        "/v2/event-types",
        headers=acct.headers,
        json={"title": "30 min meeting", "slug": "30min", "length": 30},
    )
    r = client.get("/v2/event-types", headers=acct.headers)
    assert r.status_code == 200
    groups = r.json()["data"]["eventTypeGroups"]
    assert len(groups) == 1
    group = groups[0]
    assert group["teamId"] is None
    assert group["profile"] == {"slug": acct.username, "name": "User Name", "image": None}
    assert isinstance(group["bookerUrl"], str)
    et = group["eventTypes"][0]
    assert {k: et[k] for k in ("title", "slug", "length", "hidden")} == {
        "title": "30 min meeting",
        "slug": "30min",
        "length": 30,
        "hidden": False,
    }


def test_list_by_username_is_public_and_hides_hidden(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    client.post(
        "/v2/event-types", headers=acct.headers, json={"title": "A", "slug": "a", "length": 15}
    )
    client.post(
        "/v2/event-types",
        headers=acct.headers,
        json={"title": "B", "slug": "b", "length": 15, "hidden": True},
    )
    r = client.get(f"/v2/event-types?username={acct.username}")
    assert r.status_code == 200
    slugs = [e["slug"] for e in r.json()["data"]["eventTypeGroups"][0]["eventTypes"]]
    assert slugs == ["a"]
    assert client.get("/v2/event-types?username=nobody-here").status_code == 404
    assert client.get("/v2/event-types").status_code == 401


def test_create_2024_06_14(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    body = {
        "title": "Learn the secrets",
        "slug": "secrets",
        "lengthInMinutes": 60,
        "description": "Flan",
        "locations": [
            {"type": "integration", "integration": "cal-video"},
            {"type": "address", "address": "1 Main St", "public": True},
        ],
        "minimumBookingNotice": 30,
        "beforeEventBuffer": 5,
        "afterEventBuffer": 10,
        "slotInterval": 15,
        "scheduleId": acct.default_schedule_id,
        "bookingWindow": {"type": "businessDays", "value": 5, "rolling": True},
        "bookingLimitsCount": {"day": 2, "week": 5},
        "bookingLimitsDuration": {"day": 120},
        "onlyShowFirstAvailableSlot": True,
        "seats": {"seatsPerTimeSlot": 4, "showAttendeeInfo": False, "showAvailabilityCount": True},
        "confirmationPolicy": {"type": "always", "blockUnconfirmedBookingsInBooker": True},
        "lockTimeZoneToggleOnBookingPage": True,
        "color": {"lightThemeHex": "#292929", "darkThemeHex": "#fafafa"},
        "hidden": False,
    }
    r = client.post("/v2/event-types", headers={**acct.headers, **V2}, json=body)
    assert r.status_code == 201, r.text
    d = r.json()["data"]
    assert d["lengthInMinutes"] == 60
    assert d["ownerId"] == acct.id
    assert d["locations"] == body["locations"]
    assert d["bookingWindow"] == body["bookingWindow"]
    assert d["bookingLimitsCount"] == {"day": 2, "week": 5}
    assert d["bookingLimitsDuration"] == {"day": 120}
    assert d["seats"] == body["seats"]
    assert d["confirmationPolicy"] == body["confirmationPolicy"]
    assert d["color"] == body["color"]
    for key in (
        "minimumBookingNotice",
        "beforeEventBuffer",
        "afterEventBuffer",
        "slotInterval",
        "scheduleId",
        "onlyShowFirstAvailableSlot",
        "lockTimeZoneToggleOnBookingPage",
    ):
        assert d[key] == body[key], key
    assert d["users"][0]["id"] == acct.id
    assert d["bookingUrl"].endswith(f"/{acct.username}/secrets")
    # The legacy view of the same event type uses the stored forms.
    legacy = client.get(f"/v2/event-types/{d['id']}", headers=acct.headers).json()["data"]
    assert legacy["length"] == 60
    assert legacy["locations"][0] == {"type": "integrations:daily"}
    assert legacy["periodType"] == "ROLLING_WINDOW"
    assert legacy["bookingLimits"] == {"PER_DAY": 2, "PER_WEEK": 5}
    assert legacy["seatsPerTimeSlot"] == 4
    assert legacy["requiresConfirmation"] is True


def test_list_2024_06_14_is_array(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    h = {**acct.headers, **V2}
    client.post(
        "/v2/event-types", headers=h, json={"title": "A", "slug": "a", "lengthInMinutes": 15}
    )
    r = client.get("/v2/event-types", headers=h)
    assert isinstance(r.json()["data"], list)
    assert r.json()["data"][0]["lengthInMinutes"] == 15


def test_patch_and_delete(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    et = client.post(
        "/v2/event-types", headers=acct.headers, json={"title": "M", "slug": "m", "length": 30}
    ).json()["data"]
    r = client.patch(
        f"/v2/event-types/{et['id']}",
        headers=acct.headers,
        json={"title": "Updated Meeting Title", "description": "Updated description"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["title"] == "Updated Meeting Title"
    assert r.json()["data"]["length"] == 30
    r = client.patch(
        f"/v2/event-types/{et['id']}",
        headers={**acct.headers, **V2},
        json={"lengthInMinutes": 45, "bookingWindow": {"disabled": True}},
    )
    assert r.json()["data"]["lengthInMinutes"] == 45
    assert "bookingWindow" not in r.json()["data"]
    r = client.delete(f"/v2/event-types/{et['id']}", headers=acct.headers)
    assert r.status_code == 200
    assert r.json()["data"] == {
        "id": et["id"],
        "length": 45,
        "slug": "m",
        "title": "Updated Meeting Title",
    }
    assert client.get(f"/v2/event-types/{et['id']}", headers=acct.headers).status_code == 404


def test_slug_conflict(client: TestClient, make_account: Any) -> None:
    acct, other = make_account(), make_account()
    body = {"title": "M", "slug": "meeting", "length": 30}
    assert client.post("/v2/event-types", headers=acct.headers, json=body).status_code == 201
    r = client.post("/v2/event-types", headers=acct.headers, json=body)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "ConflictException"
    # Slugs are unique per owner, not globally.
    assert client.post("/v2/event-types", headers=other.headers, json=body).status_code == 201
    second = client.post(
        "/v2/event-types", headers=acct.headers, json={**body, "slug": "other"}
    ).json()["data"]
    r = client.patch(
        f"/v2/event-types/{second['id']}", headers=acct.headers, json={"slug": "meeting"}
    )
    assert r.status_code == 409


def test_validation(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    cases = [
        ({}, acct.headers, "title"),
        ({"title": "x", "slug": "x", "length": 0}, acct.headers, "length"),
        ({"title": "x", "slug": "x", "length": 1441}, acct.headers, "length"),
        ({"title": "x", "slug": "x", "length": "thirty"}, acct.headers, "length"),
        ({"title": "x", "slug": "x", "lengthInMinutes": 30}, acct.headers, "lengthInMinutes"),
        ({"title": "x", "slug": "x", "length": 30}, {**acct.headers, **V2}, "length"),
        ({"title": "x", "slug": "has space", "length": 30}, acct.headers, "slug"),
        (
            {
                "title": "x",
                "slug": "x",
                "lengthInMinutes": 30,
                "locations": [{"type": "integration", "integration": "nope"}],
            },
            {**acct.headers, **V2},
            "locations",
        ),
        (
            {"title": "x", "slug": "x", "lengthInMinutes": 30, "scheduleId": 999999},
            {**acct.headers, **V2},
            "scheduleId",
        ),
    ]
    for body, headers, needle in cases:
        r = client.post("/v2/event-types", headers=headers, json=body)
        assert r.status_code == 400, (body, r.text)
        assert needle in r.json()["error"]["message"], (needle, r.json())
    assert client.get("/v2/event-types", headers={**acct.headers, **V2}).json()["data"] == []


def test_tenant_isolation(client: TestClient, make_account: Any) -> None:
    alice, bob = make_account(), make_account()
    et = client.post(
        "/v2/event-types", headers=alice.headers, json={"title": "M", "slug": "m", "length": 30}
    ).json()["data"]
    for method, body in (("GET", None), ("PATCH", {"title": "pwned"}), ("DELETE", None)):
        r = client.request(method, f"/v2/event-types/{et['id']}", headers=bob.headers, json=body)
        assert r.status_code == 404, (method, r.text)
    # Bob cannot attach Alice's schedule either.
    r = client.post(
        "/v2/event-types",
        headers=bob.headers,
        json={"title": "x", "slug": "x", "length": 30, "scheduleId": alice.default_schedule_id},
    )
    assert r.status_code == 400
    assert (
        client.get(f"/v2/event-types/{et['id']}", headers=alice.headers).json()["data"]["title"]
        == "M"
    )


def test_parallel_creates_all_succeed(client: TestClient, make_account: Any, live_url: str) -> None:
    """Concurrent writes wait for SQLite's write lock instead of failing with 500."""
    acct = make_account()

    def create(http: httpx2.Client, i: int) -> httpx2.Response:
        body = {"title": f"Meeting {i}", "slug": f"meeting-{i}", "lengthInMinutes": 30}
        return http.post("/v2/event-types", headers={**acct.headers, **V2}, json=body)

    assert_no_server_error(in_parallel(live_url, 20, create), 201)
    r = client.get("/v2/event-types", headers={**acct.headers, **V2})
    assert len(r.json()["data"]) == 20


def test_parallel_creates_of_one_slug_leave_one(
    client: TestClient, make_account: Any, live_url: str
) -> None:
    acct = make_account()

    def create(http: httpx2.Client, i: int) -> httpx2.Response:
        body = {"title": f"Meeting {i}", "slug": "meeting", "lengthInMinutes": 30}
        return http.post("/v2/event-types", headers={**acct.headers, **V2}, json=body)

    responses = in_parallel(live_url, 20, create)
    assert_no_server_error(responses, 201, 409)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 19


def test_parallel_updates_all_succeed(client: TestClient, make_account: Any, live_url: str) -> None:
    acct = make_account()
    r = client.post(
        "/v2/event-types",
        headers={**acct.headers, **V2},
        json={"title": "Meeting", "slug": "meeting", "lengthInMinutes": 30},
    )
    event_type_id = r.json()["data"]["id"]

    def update(http: httpx2.Client, i: int) -> httpx2.Response:
        return http.patch(
            f"/v2/event-types/{event_type_id}",
            headers={**acct.headers, **V2},
            json={"slug": f"meeting-{i}", "lengthInMinutes": 15 + i},
        )

    assert_no_server_error(in_parallel(live_url, 20, update), 200)
