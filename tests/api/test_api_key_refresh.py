"""`POST /v2/api-keys/refresh`: the calling key is swapped for a new one, shown once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from calgate.security import keys
from calgate.store.db import sync_url
from calgate.store.models import ApiKey
from tests.api.test_calcom_document import response_schema, validate
from tests.conftest import TEST_SECRET
from tests.support.api import assert_error, assert_ok

PATH = "/v2/api-keys/refresh"


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _stored(db_url: str, key: str) -> ApiKey | None:
    engine = create_engine(sync_url(db_url))
    try:
        with Session(engine) as session:
            return session.scalar(
                select(ApiKey).where(ApiKey.key_hash == keys.digest(TEST_SECRET, key))
            )
    finally:
        engine.dispose()


def test_refresh_rotates_the_key(client: TestClient, make_account: Any, db_url: str) -> None:
    acct = make_account()
    r = client.post(PATH, headers=acct.headers, json={})
    new = assert_ok(r)["apiKey"]
    validate(r.json(), response_schema(PATH, "post", "200"))
    assert new.startswith("cal_")
    assert new != acct.key
    # The old key stopped working, the new one works for the same user.
    assert_error(client.get("/v2/me", headers=acct.headers), 401)
    assert assert_ok(client.get("/v2/me", headers=_bearer(new)))["id"] == acct.id
    # Stored as a digest only, valid 30 days by default (the document's default).
    row = _stored(db_url, new)
    assert row is not None
    assert new not in (row.key_hash, row.key_prefix)
    assert row.expires_at is not None
    days = (row.expires_at - datetime.now(UTC)) / timedelta(days=1)
    assert 29 < days <= 30


def test_refresh_expiry_options(client: TestClient, make_account: Any, db_url: str) -> None:
    acct = make_account()
    sixty = assert_ok(client.post(PATH, headers=acct.headers, json={"apiKeyDaysValid": 60}))
    row = _stored(db_url, sixty["apiKey"])
    assert row is not None
    assert row.expires_at is not None
    assert 59 < (row.expires_at - datetime.now(UTC)) / timedelta(days=1) <= 60
    never = assert_ok(
        client.post(PATH, headers=_bearer(sixty["apiKey"]), json={"apiKeyNeverExpires": True})
    )
    row = _stored(db_url, never["apiKey"])
    assert row is not None
    assert row.expires_at is None


def test_refresh_refusals(client: TestClient, make_account: Any) -> None:
    acct = make_account()
    assert_error(client.post(PATH, json={}), 401)
    assert_error(client.post(PATH, headers=_bearer("cal_" + "0" * 48), json={}), 401)
    # An OAuth access token (or anything but an API key) has no key to rotate.
    assert_error(client.post(PATH, headers=_bearer("not-an-api-key"), json={}), 401)
    for body in ({"apiKeyDaysValid": 0}, {"apiKeyDaysValid": "x"}, {"other": 1}):
        assert_error(client.post(PATH, headers=acct.headers, json=body), 400)
    # Nothing was rotated by the refused requests.
    assert_ok(client.get("/v2/me", headers=acct.headers))


def test_parallel_refreshes_of_one_key_yield_one_key(
    make_account: Any, live_url: str, db_url: str
) -> None:
    acct = make_account()

    async def race() -> list[httpx2.Response]:
        async with httpx2.AsyncClient(timeout=60) as http:
            return list(
                await asyncio.gather(
                    *(http.post(f"{live_url}{PATH}", headers=acct.headers, json={})
                      for _ in range(10))
                )
            )  # fmt: skip

    answers = asyncio.run(race())
    assert Counter(r.status_code for r in answers) == Counter({200: 1, 401: 9})
    (winner,) = [r.json()["data"]["apiKey"] for r in answers if r.status_code == 200]
    assert _stored(db_url, winner) is not None
    assert _stored(db_url, acct.key) is None
