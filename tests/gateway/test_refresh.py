"""Token refresh: before expiry, once on an upstream 401, single-flight, invalid_grant."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx2
import pytest

from calgate.gateway.tokens import expires_at_from
from tests.gateway.conftest import Harness


def _past() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=5)


async def _burst(url: str, key: str, n: int) -> list[httpx2.Response]:
    limits = httpx2.Limits(max_connections=n)
    async with httpx2.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=60
    ) as http:
        return list(await asyncio.gather(*(http.get("/cal-com/v2/me") for _ in range(n))))


def test_refresh_before_expiry(gw: Harness) -> None:
    key = gw.make_key()
    conn = gw.connect(key)
    old = next(iter(gw.fake.access))
    gw.expire(conn, datetime.now(UTC) + timedelta(seconds=30))  # inside the 60 s window
    with gw.client(key) as http:
        r = http.get("/cal-com/v2/me")
    assert r.status_code == 200
    assert gw.fake.refresh_calls == 1
    used = dict(r.json()["data"]["headers"])["authorization"]
    assert used != f"Bearer {old}"
    with gw.client(key) as http:
        got = http.get(f"/connections/{conn}").json()["connection"]
    assert got["status"] == "ACTIVE"


def test_hundred_concurrent_calls_on_expired_token_refresh_once(gw: Harness) -> None:
    key = gw.make_key()
    conn = gw.connect(key)
    gw.fake.refresh_delay = 0.3  # keep the refresh in flight while the burst piles up
    gw.expire(conn, _past())
    responses = asyncio.run(_burst(gw.url, key, 100))
    assert [r.status_code for r in responses] == [200] * 100
    assert gw.fake.refresh_calls == 1
    assert gw.refreshes == 1
    tokens = {dict(r.json()["data"]["headers"])["authorization"] for r in responses}
    assert len(tokens) == 1  # everybody used the one new token


def test_refresh_once_on_upstream_401(gw: Harness) -> None:
    key = gw.make_key()
    gw.connect(key)
    gw.fake.revoke_user_access("alice")  # provider no longer accepts the stored access token
    with gw.client(key) as http:
        r = http.get("/cal-com/v2/me")
        assert r.status_code == 200
        assert gw.fake.refresh_calls == 1
        assert r.json()["data"]["user"] == "alice"
        # Next call uses the new token with no further refresh.
        assert http.get("/cal-com/v2/me").status_code == 200
        assert gw.fake.refresh_calls == 1


def test_persistent_401_is_passed_through_after_one_refresh(gw: Harness) -> None:
    key = gw.make_key()
    gw.connect(key)
    original_issue = gw.fake.issue

    def issue_unusable(user: str) -> dict[str, object]:
        body = original_issue(user)
        gw.fake.access.pop(str(body["access_token"]))
        return body

    gw.fake.issue = issue_unusable  # type: ignore[method-assign]
    gw.fake.revoke_user_access("alice")
    with gw.client(key) as http:
        r = http.get("/cal-com/v2/me")
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "bad token"  # upstream's body, unchanged
    assert gw.fake.refresh_calls == 1


def test_concurrent_401s_refresh_once(gw: Harness) -> None:
    key = gw.make_key()
    gw.connect(key)
    gw.fake.refresh_delay = 0.2
    gw.fake.revoke_user_access("alice")
    responses = asyncio.run(_burst(gw.url, key, 30))
    assert [r.status_code for r in responses] == [200] * 30
    assert gw.fake.refresh_calls == 1


def test_invalid_grant_marks_connection_failed(gw: Harness) -> None:
    key = gw.make_key()
    conn = gw.connect(key)
    gw.fake.revoke_user_refresh("alice")
    gw.expire(conn, _past())
    with gw.client(key) as http:
        r = http.get("/cal-com/v2/me")
        assert r.status_code == 400
        message = r.json()["error"]["message"]
        assert "invalid_grant" in message
        assert "FAILED" in message
        got = http.get(f"/connections/{conn}").json()["connection"]
        assert got["status"] == "FAILED"
        assert "invalid_grant" in got["status_reason"]
        assert http.get("/connections?status=ACTIVE").json() == {"connections": []}
        # Without an ACTIVE connection the next call says how to make one.
        assert "POST /connections" in http.get("/cal-com/v2/me").json()["error"]["message"]


def test_refresh_unavailable_is_502_and_keeps_connection(gw: Harness) -> None:
    key = gw.make_key()
    conn = gw.connect(key)
    gw.expire(conn, _past())
    provider = gw.app.state.calgate.gateway.settings.providers["cal-com"]
    from dataclasses import replace

    from tests.support.server import free_port

    gw.app.state.calgate.gateway.settings.providers["cal-com"] = replace(
        provider, token_url=f"http://127.0.0.1:{free_port()}/token"
    )
    with gw.client(key) as http:
        r = http.get("/cal-com/v2/me")
        assert r.status_code == 502
        assert http.get(f"/connections/{conn}").json()["connection"]["status"] == "ACTIVE"


def test_refresh_waits_for_another_process_lease(gw: Harness) -> None:
    """A lease held elsewhere (another worker) is waited for; a stale one is taken over."""
    key = gw.make_key()
    conn = gw.connect(key)
    lease_end = datetime.now(UTC) + timedelta(seconds=1)
    gw.update_connection(conn, expires_at=_past(), refresh_lease_until=lease_end)
    with gw.client(key) as http:
        r = http.get("/cal-com/v2/me")
    assert r.status_code == 200
    assert datetime.now(UTC) >= lease_end
    assert gw.fake.refresh_calls == 1


def test_nothing_per_connection_outlives_the_refresh(gw: Harness) -> None:
    """A long-running gateway keeps no lock or token in memory for connections it refreshed."""
    key = gw.make_key()
    conn_id = gw.connect(key)
    gw.expire(conn_id, datetime.now(UTC) - timedelta(minutes=1))
    with gw.client(key) as http:
        assert http.get("/cal-com/v2/me").status_code == 200
    assert gw.refreshes == 1
    assert gw.app.state.calgate.gateway.refresher._flights == {}


@pytest.mark.pure
@pytest.mark.parametrize("value", [float("inf"), float("nan"), 1e300, -5, "1800", True])
def test_unusable_expires_in_is_ignored(value: object) -> None:
    """A provider answering a strange expires_in must not break the exchange (no 500):
    the token then counts as not expiring until the provider answers 401."""
    assert expires_at_from(datetime.now(UTC), value) is None


@pytest.mark.pure
def test_expires_in_sets_the_expiry() -> None:
    now = datetime.now(UTC)
    assert expires_at_from(now, 1800) == now + timedelta(seconds=1800)
