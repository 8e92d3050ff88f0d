"""Verified emails through a real SMTP server: the code arrives, verifies once, and wrong,
expired and reused codes are refused; each user sees only their own list."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings
from calgate.store.models import VerificationCode, utcnow
from tests.email.mailbox import Mailbox

BASE = "/v2/verified-resources/emails"


def request_code(client: TestClient, acct: Any, address: str) -> Any:
    return client.post(
        f"{BASE}/verification-code/request", headers=acct.headers, json={"email": address}
    )


def verify(client: TestClient, acct: Any, address: str, code: str) -> Any:
    return client.post(
        f"{BASE}/verification-code/verify",
        headers=acct.headers,
        json={"email": address, "code": code},
    )


def received_code(inbox: Mailbox, address: str, count: int = 1) -> str:
    message = inbox.wait_for(address, count)[-1]
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"\b(\d{6})\b", body.get_content())
    assert found, body.get_content()
    return found.group(1)


def run(client: TestClient, fn: Any) -> Any:
    assert client.portal is not None
    return client.portal.call(fn)


def test_code_arrives_verifies_once_and_lists(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    acct = make_account()
    r = request_code(client, acct, "Work@Example.com")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "success"}
    code = received_code(inbox, "work@example.com")

    r = verify(client, acct, "work@example.com", code)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["email"] == "work@example.com"
    assert data["userId"] == acct.id

    # Single use: the same code again is refused.
    assert verify(client, acct, "work@example.com", code).status_code == 400

    listed = client.get(BASE, headers=acct.headers, params={"take": 10, "skip": 0}).json()
    assert listed == {"status": "success", "data": [data]}
    one = client.get(f"{BASE}/{data['id']}", headers=acct.headers)
    assert one.status_code == 200
    assert one.json()["data"] == data

    # Another user's list and lookups never show it.
    other = make_account()
    assert client.get(BASE, headers=other.headers).json()["data"] == []
    r = client.get(f"{BASE}/{data['id']}", headers=other.headers)
    assert r.status_code == 404
    assert r.json()["status"] == "error"


def test_the_code_is_stored_hashed(client: TestClient, make_account: Any, inbox: Mailbox) -> None:
    acct = make_account()
    assert request_code(client, acct, "a@example.com").status_code == 200
    code = received_code(inbox, "a@example.com")
    db = client.app.state.calgate.db  # type: ignore[attr-defined]

    async def stored() -> list[str]:
        async with db.session() as session:
            return list((await session.execute(select(VerificationCode.code_hash))).scalars())

    hashes = run(client, stored)
    assert len(hashes) == 1
    assert code not in hashes[0]
    assert len(hashes[0]) == 64


def test_wrong_codes_are_refused_and_kill_the_code(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    acct = make_account()
    request_code(client, acct, "b@example.com")
    code = received_code(inbox, "b@example.com")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        r = verify(client, acct, "b@example.com", wrong)
        assert r.status_code == 400
        assert r.json()["error"]["message"] == "Invalid verification code"
    # Five wrong tries used the code up: even the right one is refused now.
    assert verify(client, acct, "b@example.com", code).status_code == 400


def test_wrong_tries_are_limited_per_address(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    acct = make_account()
    for n in range(1, 3):
        request_code(client, acct, "c@example.com")
        code = received_code(inbox, "c@example.com", n)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for _ in range(5):
            verify(client, acct, "c@example.com", wrong)
    request_code(client, acct, "c@example.com")
    code = received_code(inbox, "c@example.com", 3)
    r = verify(client, acct, "c@example.com", code)
    assert r.status_code == 429
    assert r.json()["status"] == "error"


def test_an_expired_code_is_refused(client: TestClient, make_account: Any, inbox: Mailbox) -> None:
    acct = make_account()
    request_code(client, acct, "d@example.com")
    code = received_code(inbox, "d@example.com")
    db = client.app.state.calgate.db  # type: ignore[attr-defined]

    async def age() -> None:
        async with db.transaction() as session:
            past = utcnow() - timedelta(minutes=11)
            await session.execute(
                update(VerificationCode).values(
                    created_at=past, expires_at=past + timedelta(minutes=10)
                )
            )

    run(client, age)
    assert verify(client, acct, "d@example.com", code).status_code == 400


def test_a_new_code_replaces_the_old_one(
    client: TestClient, make_account: Any, inbox: Mailbox
) -> None:
    acct = make_account()
    request_code(client, acct, "e@example.com")
    first = received_code(inbox, "e@example.com")
    request_code(client, acct, "e@example.com")
    second = received_code(inbox, "e@example.com", 2)
    if first != second:
        assert verify(client, acct, "e@example.com", first).status_code == 400
    assert verify(client, acct, "e@example.com", second).status_code == 200


def test_codes_sent_are_limited(client: TestClient, make_account: Any, inbox: Mailbox) -> None:
    acct = make_account()
    for _ in range(5):
        assert request_code(client, acct, "f@example.com").status_code == 200
    r = request_code(client, acct, "f@example.com")
    assert r.status_code == 429


def test_bad_input_is_a_400(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    assert request_code(client, acct, "not-an-email").status_code == 400
    r = client.post(f"{BASE}/verification-code/request", headers=acct.headers, json={})
    assert r.status_code == 400
    assert client.get(f"{BASE}/0", headers=acct.headers).status_code == 400
    assert client.get(BASE).status_code == 401


def test_without_smtp_email_codes_answer_an_error(settings: Settings, make_account: Any) -> None:
    acct = make_account()
    with TestClient(create_app(replace(settings, smtp_url="")), raise_server_exceptions=False) as c:
        r = request_code(c, acct, "g@example.com")
    assert r.status_code == 400
    assert "CALGATE_SMTP_URL" in r.json()["error"]["message"]
