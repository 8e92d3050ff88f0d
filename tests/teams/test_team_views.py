"""Team admins see the team's bookings and their members' schedules; members and outsiders
do not. `GET /v2/bookings?teamId=` narrows a user's own bookings to a team."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.teams.test_team_event_types import V_BOOKINGS, _book, _event_type, _team, _weekday_starts


def _setup(client: TestClient, make_account: Any) -> tuple[Any, Any, Any, int, int, str]:
    owner, admin, host = (make_account(time_zone="UTC") for _ in range(3))
    tid = _team(client, owner, host)
    client.post(
        f"/v2/teams/{tid}/memberships",
        headers=owner.headers,
        json={"userId": admin.id, "role": "ADMIN", "accepted": True},
    )
    r = _event_type(client, owner, tid, hosts=[{"userId": host.id}])
    etid = r.json()["data"]["id"]
    booked = _book(client, etid, _weekday_starts(1, "UTC")[0])
    assert booked.status_code == 201, booked.text
    return owner, admin, host, tid, etid, booked.json()["data"]["uid"]


def test_team_bookings_for_admins_only(client: TestClient, make_account: Any) -> None:
    owner, admin, host, tid, _, uid = _setup(client, make_account)
    outsider = make_account()
    for who in (owner, admin):
        r = client.get(f"/v2/teams/{tid}/bookings", headers=who.headers)
        assert r.status_code == 200, r.text
        assert [b["uid"] for b in r.json()["data"]] == [uid]
        assert r.json()["pagination"]["totalItems"] == 1
    assert client.get(f"/v2/teams/{tid}/bookings", headers=host.headers).status_code == 403
    assert client.get(f"/v2/teams/{tid}/bookings", headers=outsider.headers).status_code == 404
    r = client.get(f"/v2/teams/{tid}/bookings", headers=owner.headers, params={"take": "x"})
    assert r.status_code == 400


def test_bookings_team_filter(client: TestClient, make_account: Any) -> None:
    _, _, host, tid, _, uid = _setup(client, make_account)
    r = client.get("/v2/bookings", headers={**host.headers, **V_BOOKINGS}, params={"teamId": tid})
    assert [b["uid"] for b in r.json()["data"]] == [uid]
    r = client.get(
        "/v2/bookings", headers={**host.headers, **V_BOOKINGS}, params={"teamsIds": f"{tid + 1}"}
    )
    assert r.json()["data"] == []


def test_team_schedules(client: TestClient, make_account: Any) -> None:
    owner, admin, host, tid, _, _ = _setup(client, make_account)
    r = client.get(f"/v2/teams/{tid}/schedules", headers=admin.headers)
    assert r.status_code == 200, r.text
    owners = {s["ownerId"] for s in r.json()["data"]}
    assert owners == {owner.id, admin.id, host.id}
    assert client.get(f"/v2/teams/{tid}/schedules", headers=host.headers).status_code == 403
