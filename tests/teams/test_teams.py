"""Teams and memberships: Cal.com's shapes and who may do what (member, admin, owner, outsider)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def _team(client: TestClient, owner: Any, **body: Any) -> dict[str, Any]:
    r = client.post("/v2/teams", headers=owner.headers, json={"name": "Sales Team", **body})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def _add(client: TestClient, by: Any, team_id: int, user: Any, role: str = "MEMBER") -> int:
    r = client.post(
        f"/v2/teams/{team_id}/memberships",
        headers=by.headers,
        json={"userId": user.id, "role": role, "accepted": True},
    )
    assert r.status_code == 201, r.text
    membership_id: int = r.json()["data"]["id"]
    return membership_id


def _members(client: TestClient, by: Any, team_id: int) -> dict[int, dict[str, Any]]:
    r = client.get(f"/v2/teams/{team_id}/memberships", headers=by.headers)
    assert r.status_code == 200, r.text
    return {m["userId"]: m for m in r.json()["data"]}


def test_create_team_shape_and_creator_is_owner(client: TestClient, make_account: Any) -> None:
    owner = make_account()
    team = _team(client, owner, bio="We sell", brandColor="#112233", timeZone="Europe/Rome")
    assert team["name"] == "Sales Team"
    assert team["slug"] == "sales-team"
    assert team["bio"] == "We sell"
    assert team["brandColor"] == "#112233"
    assert team["timeZone"] == "Europe/Rome"
    assert team["weekStart"] == "Sunday"
    assert team["isOrganization"] is False
    assert team["hideBookATeamMember"] is False
    members = _members(client, owner, team["id"])
    assert members[owner.id]["role"] == "OWNER"
    assert members[owner.id]["accepted"] is True
    assert members[owner.id]["user"]["email"] == owner.email


def test_get_teams_lists_only_my_teams(client: TestClient, make_account: Any) -> None:
    alice, bob = make_account(), make_account()
    mine = _team(client, alice, name="Alpha")
    _team(client, bob, name="Beta")
    r = client.get("/v2/teams", headers=alice.headers)
    assert r.status_code == 200
    assert [t["id"] for t in r.json()["data"]] == [mine["id"]]


def test_slug_unique_and_bad_input(client: TestClient, make_account: Any) -> None:
    owner = make_account()
    _team(client, owner, slug="acme")
    r = client.post("/v2/teams", headers=owner.headers, json={"name": "Other", "slug": "acme"})
    assert r.status_code == 409
    r = client.post("/v2/teams", headers=owner.headers, json={"name": "X", "timeZone": "Mars/Base"})
    assert r.status_code == 400
    r = client.post("/v2/teams", headers=owner.headers, json={"bio": "no name"})
    assert r.status_code == 400
    r = client.post("/v2/teams", headers=owner.headers, json={"name": "X", "nope": 1})
    assert r.status_code == 400


def test_outsider_gets_404_everywhere(client: TestClient, make_account: Any) -> None:
    owner, outsider = make_account(), make_account()
    team = _team(client, owner)
    tid = team["id"]
    mid = _members(client, owner, tid)[owner.id]["id"]
    h = outsider.headers
    for r in (
        client.get(f"/v2/teams/{tid}", headers=h),
        client.patch(f"/v2/teams/{tid}", headers=h, json={"name": "Mine"}),
        client.delete(f"/v2/teams/{tid}", headers=h),
        client.get(f"/v2/teams/{tid}/memberships", headers=h),
        client.get(f"/v2/teams/{tid}/memberships/{mid}", headers=h),
        client.post(f"/v2/teams/{tid}/memberships", headers=h, json={"userId": outsider.id}),
        client.delete(f"/v2/teams/{tid}/memberships/{mid}", headers=h),
        client.post(f"/v2/teams/{tid}/invite", headers=h),
        client.get("/v2/teams/999999", headers=h),
    ):
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "NotFoundException"


def test_member_reads_but_cannot_manage(client: TestClient, make_account: Any) -> None:
    owner, member, other = make_account(), make_account(), make_account()
    tid = _team(client, owner)["id"]
    _add(client, owner, tid, member)
    h = member.headers
    assert client.get(f"/v2/teams/{tid}", headers=h).status_code == 200
    assert set(_members(client, member, tid)) == {owner.id, member.id}
    owner_mid = _members(client, member, tid)[owner.id]["id"]
    for r in (
        client.patch(f"/v2/teams/{tid}", headers=h, json={"name": "Mine"}),
        client.delete(f"/v2/teams/{tid}", headers=h),
        client.post(f"/v2/teams/{tid}/memberships", headers=h, json={"userId": other.id}),
        client.patch(
            f"/v2/teams/{tid}/memberships/{owner_mid}", headers=h, json={"role": "MEMBER"}
        ),
        client.delete(f"/v2/teams/{tid}/memberships/{owner_mid}", headers=h),
        client.post(f"/v2/teams/{tid}/invite", headers=h),
    ):
        assert r.status_code == 403, r.text


def test_admin_manages_members_but_not_owners_or_the_team(
    client: TestClient, make_account: Any
) -> None:
    owner, admin, member, new = make_account(), make_account(), make_account(), make_account()
    tid = _team(client, owner)["id"]
    _add(client, owner, tid, admin, "ADMIN")
    member_mid = _add(client, admin, tid, member)
    h = admin.headers
    r = client.patch(f"/v2/teams/{tid}", headers=h, json={"name": "Renamed", "hideBranding": True})
    assert r.status_code == 200
    assert r.json()["data"]["name"] == "Renamed"
    assert r.json()["data"]["hideBranding"] is True
    r = client.patch(f"/v2/teams/{tid}/memberships/{member_mid}", headers=h, json={"role": "ADMIN"})
    assert r.status_code == 200
    assert r.json()["data"]["role"] == "ADMIN"
    owner_mid = _members(client, admin, tid)[owner.id]["id"]
    forbidden = (
        client.post(
            f"/v2/teams/{tid}/memberships", headers=h, json={"userId": new.id, "role": "OWNER"}
        ),
        client.patch(
            f"/v2/teams/{tid}/memberships/{member_mid}", headers=h, json={"role": "OWNER"}
        ),
        client.patch(f"/v2/teams/{tid}/memberships/{owner_mid}", headers=h, json={"role": "ADMIN"}),
        client.delete(f"/v2/teams/{tid}/memberships/{owner_mid}", headers=h),
        client.delete(f"/v2/teams/{tid}", headers=h),
    )
    for r in forbidden:
        assert r.status_code == 403, r.text
    assert client.delete(f"/v2/teams/{tid}/memberships/{member_mid}", headers=h).status_code == 200
    assert member.id not in _members(client, owner, tid)


def test_owner_rules_and_last_owner(client: TestClient, make_account: Any) -> None:
    owner, second = make_account(), make_account()
    tid = _team(client, owner)["id"]
    owner_mid = _members(client, owner, tid)[owner.id]["id"]
    # The last owner can neither leave nor be demoted.
    r = client.delete(f"/v2/teams/{tid}/memberships/{owner_mid}", headers=owner.headers)
    assert r.status_code == 400
    r = client.patch(
        f"/v2/teams/{tid}/memberships/{owner_mid}", headers=owner.headers, json={"role": "ADMIN"}
    )
    assert r.status_code == 400
    second_mid = _add(client, owner, tid, second, "OWNER")
    # With a second owner, the first may step down and then leave.
    r = client.patch(
        f"/v2/teams/{tid}/memberships/{owner_mid}", headers=owner.headers, json={"role": "MEMBER"}
    )
    assert r.status_code == 200, r.text
    assert (
        client.delete(f"/v2/teams/{tid}/memberships/{owner_mid}", headers=owner.headers).status_code
        == 200
    )
    assert client.get(f"/v2/teams/{tid}", headers=owner.headers).status_code == 404
    r = client.delete(f"/v2/teams/{tid}/memberships/{second_mid}", headers=second.headers)
    assert r.status_code == 400
    r = client.delete(f"/v2/teams/{tid}", headers=second.headers)
    assert r.status_code == 200
    assert r.json()["data"]["id"] == tid
    assert client.get(f"/v2/teams/{tid}", headers=second.headers).status_code == 404


def test_membership_conflicts_and_unknown_user(client: TestClient, make_account: Any) -> None:
    owner, member = make_account(), make_account()
    tid = _team(client, owner)["id"]
    _add(client, owner, tid, member)
    r = client.post(
        f"/v2/teams/{tid}/memberships", headers=owner.headers, json={"userId": member.id}
    )
    assert r.status_code == 409
    r = client.post(f"/v2/teams/{tid}/memberships", headers=owner.headers, json={"userId": 999999})
    assert r.status_code == 404
    r = client.post(
        f"/v2/teams/{tid}/memberships", headers=owner.headers, json={"userId": 1, "role": "GOD"}
    )
    assert r.status_code == 400
    r = client.get(
        f"/v2/teams/{tid}/memberships", headers=owner.headers, params={"emails": member.email}
    )
    assert [m["userId"] for m in r.json()["data"]] == [member.id]


def test_pending_member_is_outsider_until_accepting(client: TestClient, make_account: Any) -> None:
    owner, invited = make_account(), make_account()
    tid = _team(client, owner)["id"]
    r = client.post(
        f"/v2/teams/{tid}/memberships", headers=owner.headers, json={"userId": invited.id}
    )
    assert r.status_code == 201
    assert r.json()["data"]["accepted"] is False
    mid = r.json()["data"]["id"]
    assert client.get(f"/v2/teams/{tid}", headers=invited.headers).status_code == 404
    assert client.get("/v2/teams", headers=invited.headers).json()["data"] == []
    # Only `accepted` may be changed by the invitee.
    r = client.patch(
        f"/v2/teams/{tid}/memberships/{mid}", headers=invited.headers, json={"role": "ADMIN"}
    )
    assert r.status_code == 404
    r = client.patch(
        f"/v2/teams/{tid}/memberships/{mid}", headers=invited.headers, json={"accepted": True}
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["role"] == "MEMBER"
    assert [t["id"] for t in client.get("/v2/teams", headers=invited.headers).json()["data"]] == [
        tid
    ]


def test_invite_link_token_joins_the_team(client: TestClient, make_account: Any) -> None:
    owner, joiner = make_account(), make_account()
    tid = _team(client, owner)["id"]
    r = client.post(f"/v2/teams/{tid}/invite", headers=owner.headers)
    assert r.status_code == 200, r.text
    token = r.json()["data"]["token"]
    assert token in r.json()["data"]["inviteLink"]
    r = client.post(
        "/v2/teams/invitations/accept", headers=joiner.headers, json={"token": "f" * 64}
    )
    assert r.status_code == 404
    r = client.post("/v2/teams/invitations/accept", headers=joiner.headers, json={"token": token})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["teamId"] == tid
    assert r.json()["data"]["role"] == "MEMBER"
    assert r.json()["data"]["accepted"] is True
    assert client.get(f"/v2/teams/{tid}", headers=joiner.headers).status_code == 200


def test_bad_ids_are_4xx(client: TestClient, make_account: Any) -> None:
    owner = make_account()
    for path in (
        "/v2/teams/0",
        "/v2/teams/abc",
        "/v2/teams/99999999999",
        "/v2/teams/1/memberships/x",
    ):
        assert client.get(path, headers=owner.headers).status_code == 400
