"""An event type's custom reply-to (`customReplyToEmail`) must be a verified email of its owner
(the team's, for a team event type); booking emails to attendees then carry it as Reply-To."""

from __future__ import annotations

from datetime import timedelta
from email.utils import getaddresses
from typing import Any

from starlette.testclient import TestClient

from tests.email.mailbox import Mailbox
from tests.email.test_team_verified import base, team
from tests.email.test_verified_emails import BASE, received_code, request_code, verify
from tests.support.api import assert_error
from tests.webhooks.conftest import V_ET, book, event_type, next_monday


def verified(client: TestClient, acct: Any, inbox: Mailbox, address: str, nth: int = 1) -> None:
    """Verify `address` for `acct`, whose code is the `nth` message that address gets."""
    assert request_code(client, acct, address).status_code == 200
    assert verify(client, acct, address, received_code(inbox, address, nth)).status_code == 200


def patch(client: TestClient, acct: Any, et: int, **fields: Any) -> Any:
    return client.patch(f"/v2/event-types/{et}", headers={**acct.headers, **V_ET}, json=fields)


def reply_to(message: Any) -> list[str]:
    return [address for _, address in getaddresses([str(message["Reply-To"] or "")])]


def test_only_a_verified_email_can_be_the_reply_to(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="UTC", name="Grace Hopper")
    et = event_type(client, host)
    r = patch(client, host, et, customReplyToEmail="support@example.com")
    assert_error(r, 400)
    assert "customReplyToEmail" in r.json()["error"]["message"]
    # Someone else's verified address is still not the host's.
    other = make_account()
    verified(client, other, inbox, "support@example.com")
    assert_error(patch(client, host, et, customReplyToEmail="support@example.com"), 400)

    verified(client, host, inbox, "support@example.com", 2)
    r = patch(client, host, et, customReplyToEmail="support@example.com")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["customReplyToEmail"] == "support@example.com"

    book(client, et, next_monday() + timedelta(hours=10))
    to_ada = inbox.wait_for("ada@example.com")[0]
    assert reply_to(to_ada) == ["support@example.com"]
    # The host's copy: a reply reaches the attendee.
    to_host = inbox.wait_for(host.email)[0]
    assert reply_to(to_host) == ["ada@example.com"]


def test_without_a_custom_reply_to_attendees_reply_to_the_organizer(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    host = make_account(time_zone="UTC")
    et = event_type(client, host)
    book(client, et, next_monday() + timedelta(hours=10))
    assert reply_to(inbox.wait_for("ada@example.com")[0]) == [host.email]
    assert client.get(BASE, headers=host.headers).json()["data"] == []


def test_a_team_event_type_takes_the_teams_verified_email(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    owner = make_account(time_zone="UTC")
    tid = team(client, owner)
    # The owner's personal verified address is not the team's.
    verified(client, owner, inbox, "mine@example.com")
    body = {
        "title": "Team call",
        "slug": "team-call",
        "lengthInMinutes": 30,
        "schedulingType": "collective",
        "hosts": [{"userId": owner.id}],
        "customReplyToEmail": "mine@example.com",
    }
    path = f"/v2/teams/{tid}/event-types"
    assert_error(client.post(path, headers={**owner.headers, **V_ET}, json=body), 400)
    r = client.post(
        f"{base(tid)}/verification-code/request",
        headers=owner.headers,
        json={"email": "team@example.com"},
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"{base(tid)}/verification-code/verify",
        headers=owner.headers,
        json={"email": "team@example.com", "code": received_code(inbox, "team@example.com")},
    )
    assert r.status_code == 200, r.text
    r = client.post(
        path,
        headers={**owner.headers, **V_ET},
        json={**body, "customReplyToEmail": "team@example.com"},
    )
    assert r.status_code == 201, r.text
