"""A team's verified emails and phones (`/v2/teams/{teamId}/verified-resources`): its admins
and owners verify and list them, plain members and outsiders can't, and a team's list and a
user's own list never mix."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.testclient import TestClient

from tests.email.mailbox import Mailbox
from tests.email.test_verified_emails import received_code
from tests.support.api import assert_error


def team(client: TestClient, owner: Any, *members: tuple[Any, str]) -> int:
    r = client.post("/v2/teams", headers=owner.headers, json={"name": f"T {uuid.uuid4().hex[:6]}"})
    assert r.status_code == 201, r.text
    tid: int = r.json()["data"]["id"]
    for member, role in members:
        r = client.post(
            f"/v2/teams/{tid}/memberships",
            headers=owner.headers,
            json={"userId": member.id, "role": role, "accepted": True},
        )
        assert r.status_code == 201, r.text
    return tid


def base(tid: int) -> str:
    return f"/v2/teams/{tid}/verified-resources/emails"


def test_an_admin_verifies_for_the_team(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    owner, admin = make_account(), make_account()
    tid = team(client, owner, (admin, "ADMIN"))
    r = client.post(
        f"{base(tid)}/verification-code/request",
        headers=admin.headers,
        json={"email": "Team@Example.com"},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "success"}
    code = received_code(inbox, "team@example.com")
    r = client.post(
        f"{base(tid)}/verification-code/verify",
        headers=admin.headers,
        json={"email": "team@example.com", "code": code},
    )
    assert r.status_code == 200, r.text
    row = r.json()["data"]
    assert row == {"id": row["id"], "email": "team@example.com", "teamId": tid, "userId": admin.id}

    # The team's list, for every admin and owner; not the verifier's own list.
    for who in (owner, admin):
        listed = client.get(base(tid), headers=who.headers, params={"take": 5, "skip": 0})
        assert listed.json() == {"status": "success", "data": [row]}
        one = client.get(f"{base(tid)}/{row['id']}", headers=who.headers)
        assert one.json() == {"status": "success", "data": row}
    mine = client.get("/v2/verified-resources/emails", headers=admin.headers)
    assert mine.json()["data"] == []
    assert (
        client.get(f"/v2/verified-resources/emails/{row['id']}", headers=admin.headers).status_code
        == 404
    )

    # Another team's path never shows it.
    other = team(client, admin)
    assert client.get(base(other), headers=admin.headers).json()["data"] == []
    assert_error(client.get(f"{base(other)}/{row['id']}", headers=admin.headers), 404)


def test_the_same_address_on_both_lists(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    owner = make_account()
    tid = team(client, owner)
    for n, path in enumerate(("/v2/verified-resources/emails", base(tid)), start=1):
        r = client.post(
            f"{path}/verification-code/request",
            headers=owner.headers,
            json={"email": "both@example.com"},
        )
        assert r.status_code == 200, r.text
        code = received_code(inbox, "both@example.com", n)
        r = client.post(
            f"{path}/verification-code/verify",
            headers=owner.headers,
            json={"email": "both@example.com", "code": code},
        )
        assert r.status_code == 200, r.text
    assert (
        len(client.get("/v2/verified-resources/emails", headers=owner.headers).json()["data"]) == 1
    )
    (row,) = client.get(base(tid), headers=owner.headers).json()["data"]
    assert row["teamId"] == tid


def test_members_and_outsiders_are_refused(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    owner, member, outsider = make_account(), make_account(), make_account()
    tid = team(client, owner, (member, "MEMBER"))
    body = {"email": "x@example.com"}
    assert_error(
        client.post(f"{base(tid)}/verification-code/request", headers=member.headers, json=body),
        403,
    )
    assert_error(client.get(base(tid), headers=member.headers), 403)
    assert_error(
        client.post(f"{base(tid)}/verification-code/request", headers=outsider.headers, json=body),
        404,
    )
    assert_error(client.get(base(tid), headers=outsider.headers), 404)
    phones = f"/v2/teams/{tid}/verified-resources/phones"
    assert_error(client.get(phones, headers=member.headers), 403)
    assert_error(client.get(f"{phones}/1", headers=outsider.headers), 404)
    # A refused request sent nothing.
    assert inbox.to("x@example.com") == []
    assert client.get(base(tid)).status_code == 401


def test_team_phone_list_shape(client: TestClient, make_account: Any) -> None:
    owner = make_account()
    tid = team(client, owner)
    r = client.get(f"/v2/teams/{tid}/verified-resources/phones", headers=owner.headers)
    assert r.json() == {"status": "success", "data": []}
    # No SMS provider in this setup: Cal.com's error, never a fake success.
    r = client.post(
        f"/v2/teams/{tid}/verified-resources/phones/verification-code/request",
        headers=owner.headers,
        json={"phone": "+37255556666"},
    )
    assert_error(r, 400)
