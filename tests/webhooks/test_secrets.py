"""Webhook signing secrets are sealed at rest and opened to sign each delivery; rows written
in clear before that still sign, and `rotate-secrets` seals them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from calgate.security.crypto import Keyring, default_key_id
from calgate.webhooks import signing
from calgate.webhooks.secrets import secret_context
from tests.cli.test_admin import run
from tests.conftest import TEST_SECRET
from tests.webhooks.conftest import book, event_type, next_monday, subscribe
from tests.webhooks.receiver import Receiver
from tests.webhooks.test_delivery import _sql

KEY_ID = default_key_id(TEST_SECRET)


def _stored(db_url: str, webhook_id: int) -> str:
    """The raw column, read with SQL."""
    ((value,),) = _sql(db_url, "SELECT secret FROM webhooks WHERE id = :id", id=webhook_id)
    assert isinstance(value, str)
    return value


def _signed_with(rec: Receiver, count: int, secret: str) -> None:
    req = rec.wait_for(count)[-1]
    assert req.headers["x-cal-signature-256"] == signing.sign(secret, req.body)


def test_secret_is_sealed_at_rest_and_signs_deliveries(
    client: TestClient, db_url: str, make_account: Any, hook_receiver: Receiver
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    hook = subscribe(client, acct, hook_receiver.url, ["BOOKING_CREATED"], secret="whsec-sealed")
    assert "secret" not in hook
    stored = _stored(db_url, hook["id"])
    assert "whsec-sealed" not in stored
    assert stored.startswith(f"{KEY_ID}:")
    # Bound to its row: it opens under this row's context only.
    ring = Keyring([(KEY_ID, TEST_SECRET)])
    assert ring.decrypt(stored, secret_context(hook["id"])) == "whsec-sealed"

    book(client, et, next_monday() + timedelta(hours=9))
    _signed_with(hook_receiver, 1, "whsec-sealed")

    r = client.patch(f"/v2/webhooks/{hook['id']}", headers=acct.headers, json={"secret": "rot"})
    assert r.status_code == 200, r.text
    assert "secret" not in r.json()["data"]
    stored = _stored(db_url, hook["id"])
    assert stored.startswith(f"{KEY_ID}:")
    assert ring.decrypt(stored, secret_context(hook["id"])) == "rot"
    book(client, et, next_monday() + timedelta(hours=11))
    _signed_with(hook_receiver, 2, "rot")


def test_event_type_webhook_secret_is_sealed(
    client: TestClient, db_url: str, make_account: Any, hook_receiver: Receiver
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    r = client.post(
        f"/v2/event-types/{et}/webhooks",
        headers=acct.headers,
        json={
            "active": True,
            "subscriberUrl": hook_receiver.url,
            "triggers": ["BOOKING_CREATED"],
            "secret": "e",
        },
    )
    assert r.status_code == 201, r.text
    stored = _stored(db_url, r.json()["data"]["id"])
    assert stored.startswith(f"{KEY_ID}:")
    book(client, et, next_monday() + timedelta(hours=9))
    _signed_with(hook_receiver, 1, "e")


def test_legacy_plaintext_secret_signs_and_rotate_seals_it(
    client: TestClient, db_url: str, make_account: Any, hook_receiver: Receiver
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    hook = subscribe(client, acct, hook_receiver.url, ["BOOKING_CREATED"], secret="x")
    # As a row written before secrets were sealed holds it.
    _sql(db_url, "UPDATE webhooks SET secret = 'legacy-secret' WHERE id = :id", id=hook["id"])

    book(client, et, next_monday() + timedelta(hours=9))
    _signed_with(hook_receiver, 1, "legacy-secret")

    r = run(db_url, "admin", "rotate-secrets", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["rotated"]["webhooks.secret"] == 1
    assert report["undecryptable"] == []
    assert report["remaining"] == 0
    stored = _stored(db_url, hook["id"])
    assert stored.startswith(f"{KEY_ID}:")
    assert "legacy-secret" not in stored

    book(client, et, next_monday() + timedelta(hours=11))
    _signed_with(hook_receiver, 2, "legacy-secret")

    again = json.loads(run(db_url, "admin", "rotate-secrets", "--json").stdout)
    assert again["rows_updated"] == 0
