"""Connection lifecycle against the fake provider: invalid_grant handling, reconnect, refresh
storm protection and duplicate identity."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from calgate.config import Settings
from calgate.gateway import GatewaySettings, Provider
from calgate.gateway import connections as conns
from calgate.gateway.keepalive import KeepAlive
from calgate.gateway.refresh import Refresher, cooldown_s
from calgate.security.crypto import Keyring, context
from calgate.store.db import Database, sync_url
from calgate.store.models import Connection
from tests.gateway.conftest import Harness
from tests.gateway.fake_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider
from tests.support.server import live_server
from tests.support.waiting import wait_until


def _past() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=5)


def _update(gw: Harness, connection_id: str, **values: Any) -> None:
    """Change the row as another process would, and drop this process's proxy cache (which
    would otherwise see the change within its few-second lifetime)."""
    gw.update_connection(connection_id, **values)
    conns.mark_changed()


def _expire(gw: Harness, connection_id: str, at: datetime) -> None:
    _update(gw, connection_id, expires_at=at)


def _row(gw: Harness, connection_id: str) -> Connection:
    engine = create_engine(sync_url(gw.settings.database_url))
    try:
        with Session(engine) as session:
            conn = session.scalar(select(Connection).where(Connection.id == connection_id))
            assert conn is not None
            session.expunge(conn)
            return conn
    finally:
        engine.dispose()


def _wait_for(predicate: Any, what: str, timeout: float = 10.0) -> None:
    wait_until(predicate, timeout, 0.01, what)


def _identity_provider(fake: FakeProvider) -> Provider:
    """The fake provider, with /v2/me's data.user as the account identity."""
    return Provider(
        app="cal-com",
        base_url=f"{fake.url}/api",
        authorize_url=f"{fake.url}/oauth/authorize",
        token_url=f"{fake.url}/oauth/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        identity_path="/v2/me",
        identity_field="data.user",
    )


def _complete(gw: Harness, http: httpx2.Client, url: str) -> httpx2.Response:
    return http.get(url, follow_redirects=True)


# --- invalid_grant -----------------------------------------------------------------------------


def test_rotated_elsewhere_during_refresh_is_recovered(gw: Harness) -> None:
    """Our refresh token dies because someone else rotated it and stored the new pair: the
    invalid_grant is followed by one re-read, which finds and uses that pair."""
    key = gw.make_key()
    conn_id = gw.connect(key)
    gw.fake.refresh_delay = 0.5
    _expire(gw, conn_id, _past())
    result: dict[str, httpx2.Response] = {}

    def call() -> None:
        with gw.client(key) as http:
            result["r"] = http.get("/cal-com/v2/me")

    caller = threading.Thread(target=call)
    caller.start()
    _wait_for(lambda: gw.fake.refresh_calls == 1, "the gateway's refresh call")
    # Behind the gateway's back: the provider rotates the pair for someone else, who stores
    # the new one on the row (as a process ignoring the lease would).
    gw.fake.revoke_user_refresh("alice")
    pair = gw.fake.issue("alice")
    keyring = gw.app.state.calgate.gateway.keyring
    holder = Connection(id=conn_id)
    before = _row(gw, conn_id)
    _update(
        gw,
        conn_id,
        access_token_enc=conns.seal(keyring, holder, "access_token", str(pair["access_token"])),
        refresh_token_enc=conns.seal(keyring, holder, "refresh_token", str(pair["refresh_token"])),
        expires_at=datetime.now(UTC) + timedelta(minutes=30),
        token_version=before.token_version + 1,
    )
    caller.join(timeout=30)
    r = result["r"]
    assert r.status_code == 200, r.text
    assert dict(r.json()["data"]["headers"])["authorization"] == f"Bearer {pair['access_token']}"
    after = _row(gw, conn_id)
    assert after.status == "ACTIVE"
    assert after.refresh_lease_until is None
    # The next expiry refreshes with the stored (live) refresh token.
    gw.fake.refresh_delay = 0
    _expire(gw, conn_id, _past())
    with gw.client(key) as http:
        assert http.get("/cal-com/v2/me").status_code == 200
    assert gw.fake.refresh_calls == 2


def test_revoked_refresh_token_fails_with_reason_and_reconnect_restores(gw: Harness) -> None:
    key = gw.make_key()
    conn_id = gw.connect(key)
    gw.fake.revoke_user_refresh("alice")
    _expire(gw, conn_id, _past())
    with gw.client(key) as http:
        r = http.get("/cal-com/v2/me")
        assert r.status_code == 400
        assert f"POST /connections/{conn_id}/reconnect" in r.json()["error"]["message"]
        got = http.get(f"/connections/{conn_id}").json()["connection"]
        assert got["status"] == "FAILED"
        assert got["status_reason"] == (
            "refresh token rejected by cal-com (invalid_grant); "
            f"reconnect with POST /connections/{conn_id}/reconnect"
        )
        row = _row(gw, conn_id)
        assert row.refresh_token_enc is None  # the dead pair is gone
        assert row.access_token_enc is None

        again = http.post(f"/connections/{conn_id}/reconnect")
        assert again.status_code == 200, again.text
        body = again.json()["connection"]
        assert body["connection_id"] == conn_id
        assert body["status"] == "FAILED"  # until the flow completes
        assert body["url"].startswith(f"{gw.url}/connect?session_token=")
        assert body["url"] != got["url"]
        page = _complete(gw, http, body["url"])
        assert page.status_code == 200, page.text
        got = http.get(f"/connections/{conn_id}").json()["connection"]
        assert got["status"] == "ACTIVE"
        assert "status_reason" not in got
        assert "error" not in got["metadata"]
        me = http.get("/cal-com/v2/me")
        assert me.status_code == 200
        assert me.json()["data"]["user"] == "alice"
        # The new pair refreshes normally.
        _expire(gw, conn_id, _past())
        assert http.get("/cal-com/v2/me").status_code == 200
    assert gw.fake.refresh_calls == 2


def test_reconnect_denied_stays_failed_with_new_reason(gw: Harness) -> None:
    key = gw.make_key()
    conn_id = gw.connect(key)
    gw.fake.revoke_user_refresh("alice")
    _expire(gw, conn_id, _past())
    with gw.client(key) as http:
        assert http.get("/cal-com/v2/me").status_code == 400
        url = http.post(f"/connections/{conn_id}/reconnect").json()["connection"]["url"]
        gw.fake.deny = True
        page = _complete(gw, http, url)
        assert page.status_code == 400
        got = http.get(f"/connections/{conn_id}").json()["connection"]
        assert got["status"] == "FAILED"
        assert got["status_reason"] == "authorization failed: access_denied: user said no"
        # A used reconnect link is single use too.
        assert http.get(url).status_code == 410
        gw.fake.deny = False
        url = http.post(f"/connections/{conn_id}/reconnect").json()["connection"]["url"]
        assert _complete(gw, http, url).status_code == 200
        assert http.get(f"/connections/{conn_id}").json()["connection"]["status"] == "ACTIVE"


def test_reconnect_only_for_failed_or_dead_pending(gw: Harness) -> None:
    key, other = gw.make_key("a"), gw.make_key("b")
    active = gw.connect(key)
    with gw.client(key) as http:
        r = http.post(f"/connections/{active}/reconnect")
        assert r.status_code == 409
        assert "ACTIVE" in r.json()["error"]["message"]
        pending = http.post("/connections", json={"app": "cal-com"}).json()["connection"]
        r = http.post(f"/connections/{pending['connection_id']}/reconnect")
        assert r.status_code == 409
        assert "still valid" in r.json()["error"]["message"]
        # Expired link: a new one for the same connection.
        _update(gw, pending["connection_id"], session_expires_at=_past())
        assert http.get(pending["url"]).status_code == 410
        r = http.post(f"/connections/{pending['connection_id']}/reconnect")
        assert r.status_code == 200
        fresh = r.json()["connection"]
        assert fresh["status"] == "PENDING"
        assert _complete(gw, http, fresh["url"]).status_code == 200
        got = http.get(f"/connections/{pending['connection_id']}").json()["connection"]
        assert got["status"] == "ACTIVE"
        assert http.post("/connections/not-a-uuid/reconnect").status_code == 404
    with gw.client(other) as http:
        assert http.post(f"/connections/{active}/reconnect").status_code == 404
    with gw.client() as http:
        assert http.post(f"/connections/{active}/reconnect").status_code == 401


# --- refresh storm protection ------------------------------------------------------------------


@dataclass
class FailingTokenEndpoint:
    url: str
    hits: int = 0
    status: int = 503


@pytest.fixture
def failing_token_endpoint() -> Iterator[FailingTokenEndpoint]:
    endpoint = FailingTokenEndpoint(url="")

    async def token(request: Request) -> Response:
        endpoint.hits += 1
        return JSONResponse({"error": "temporarily_unavailable"}, endpoint.status)

    with live_server(Starlette(routes=[Route("/token", token, methods=["POST"])])) as url:
        endpoint.url = f"{url}/token"
        yield endpoint


def _point_token_url(gw: Harness, url: str) -> None:
    settings = gw.app.state.calgate.gateway.settings
    provider = settings.providers["cal-com"]
    settings.providers["cal-com"] = replace(provider, token_url=url)


def test_transient_failures_cool_down_exponentially(
    make_gateway: Any, failing_token_endpoint: FailingTokenEndpoint
) -> None:
    gw = make_gateway(refresh_backoff_s=1.0, refresh_backoff_max_s=300.0)
    key = gw.make_key()
    conn_id = gw.connect(key)
    _point_token_url(gw, failing_token_endpoint.url)
    _expire(gw, conn_id, _past())
    with gw.client(key) as http:
        first = http.get("/cal-com/v2/me")
        assert first.status_code == 502
        assert "retries in 1 s" in first.json()["error"]["message"]
        assert failing_token_endpoint.hits == 1
        # Within the cooldown: fast 503s, no token call.
        for _ in range(5):
            r = http.get("/cal-com/v2/me")
            assert r.status_code == 503
            assert r.headers["Retry-After"] == "1"
            assert r.json()["error"]["code"] == "ServiceUnavailableException"
            assert "failed 1 time(s) in a row" in r.json()["error"]["message"]
        assert failing_token_endpoint.hits == 1
        # Time travel past the cooldown: one more try, which doubles it.
        _update(gw, conn_id, refresh_retry_at=_past())
        assert http.get("/cal-com/v2/me").status_code == 502
        assert failing_token_endpoint.hits == 2
        r = http.get("/cal-com/v2/me")
        assert r.status_code == 503
        assert r.headers["Retry-After"] == "2"
        assert _row(gw, conn_id).refresh_failures == 2
        # A token that is only close to expiry is still served during the cooldown.
        _expire(gw, conn_id, datetime.now(UTC) + timedelta(seconds=30))
        assert http.get("/cal-com/v2/me").status_code == 200
        assert failing_token_endpoint.hits == 2
        assert http.get(f"/connections/{conn_id}").json()["connection"]["status"] == "ACTIVE"
        # Recovery: the endpoint works again, the counters reset.
        _point_token_url(gw, f"{gw.fake.url}/oauth/token")
        _update(gw, conn_id, refresh_retry_at=_past(), expires_at=_past())
        assert http.get("/cal-com/v2/me").status_code == 200
    row = _row(gw, conn_id)
    assert row.refresh_failures == 0
    assert row.refresh_retry_at is None


def test_token_calls_capped_per_window(
    make_gateway: Any, failing_token_endpoint: FailingTokenEndpoint
) -> None:
    gw = make_gateway(refresh_backoff_s=0.0, refresh_max_attempts=3, refresh_window_s=600.0)
    key = gw.make_key()
    conn_id = gw.connect(key)
    _point_token_url(gw, failing_token_endpoint.url)
    _expire(gw, conn_id, _past())
    with gw.client(key) as http:
        statuses = [http.get("/cal-com/v2/me").status_code for _ in range(10)]
        assert statuses == [502] * 3 + [503] * 7
        capped = http.get("/cal-com/v2/me")
        assert 590 <= int(capped.headers["Retry-After"]) <= 600
        assert "3 token refreshes within 600 s" in capped.json()["error"]["message"]
    assert failing_token_endpoint.hits == 3
    # A new window allows calls again.
    _update(gw, conn_id, refresh_window_start=_past() - timedelta(minutes=10))
    with gw.client(key) as http:
        assert http.get("/cal-com/v2/me").status_code == 502
    assert failing_token_endpoint.hits == 4


# --- duplicate identity ------------------------------------------------------------------------


def test_second_connection_to_same_account_replaces_the_first(
    make_gateway: Any, fake_provider: FakeProvider
) -> None:
    gw = make_gateway(_identity_provider(fake_provider))
    key = gw.make_key()
    first = gw.connect(key, user="alice")
    assert _row(gw, first).account == "alice"
    second = gw.connect(key, user="alice")
    with gw.client(key) as http:
        old = http.get(f"/connections/{first}").json()["connection"]
        assert old["status"] == "FAILED"
        assert old["status_reason"] == f"replaced by connection {second} (same account)"
        assert _row(gw, first).refresh_token_enc is None
        new = http.get(f"/connections/{second}").json()["connection"]
        assert new["status"] == "ACTIVE"
        for headers in ({}, {"Maton-Connection": second}):
            r = http.get("/cal-com/v2/me", headers=headers)
            assert r.status_code == 200
            assert r.json()["data"]["user"] == "alice"
        r = http.get("/cal-com/v2/me", headers={"Maton-Connection": first})
        assert r.status_code == 400
        assert "replaced by connection" in r.json()["error"]["message"]
        # The survivor's refresh token is the live one.
        _expire(gw, second, _past())
        assert http.get("/cal-com/v2/me").status_code == 200
        assert gw.fake.refresh_calls == 1
        assert http.get(f"/connections/{second}").json()["connection"]["status"] == "ACTIVE"

        # Another account: both stay ACTIVE, and each refreshes on its own.
        third = gw.connect(key, user="bob")
        active = http.get("/connections?status=ACTIVE").json()["connections"]
        assert {c["connection_id"] for c in active} == {second, third}
        _expire(gw, second, _past())
        _expire(gw, third, _past())
        for conn_id, user in ((second, "alice"), (third, "bob")):
            r = http.get("/cal-com/v2/me", headers={"Maton-Connection": conn_id})
            assert r.status_code == 200
            assert r.json()["data"]["user"] == user
    assert gw.fake.refresh_calls == 3


def test_other_gateway_key_same_account_is_not_replaced(
    make_gateway: Any, fake_provider: FakeProvider
) -> None:
    gw = make_gateway(_identity_provider(fake_provider))
    a, b = gw.make_key("a"), gw.make_key("b")
    first = gw.connect(a, user="alice")
    gw.connect(b, user="alice")
    with gw.client(a) as http:
        assert http.get(f"/connections/{first}").json()["connection"]["status"] == "ACTIVE"


def test_identity_lookup_failure_keeps_connection_without_account(
    make_gateway: Any, fake_provider: FakeProvider
) -> None:
    provider = _identity_provider(fake_provider)
    gw = make_gateway(replace(provider, identity_field="data.nope"))
    key = gw.make_key()
    conn_id = gw.connect(key)
    assert _row(gw, conn_id).account is None
    with gw.client(key) as http:
        assert http.get(f"/connections/{conn_id}").json()["connection"]["status"] == "ACTIVE"


# --- keep-alive --------------------------------------------------------------------------------


async def _keepalive_scans(gw: Harness, workers: int, age_s: float) -> list[int]:
    """One scan from each of ``workers`` independent keep-alive workers (own database engine,
    HTTP client, locks: as separate processes), all at once."""
    settings = replace(gw.app.state.calgate.gateway.settings, keepalive_age_s=age_s)
    stack = []
    try:
        for _ in range(workers):
            db = Database(gw.settings.database_url)
            http = httpx2.AsyncClient(timeout=30)
            refresher = Refresher(settings, db, Keyring(settings.token_keys), http)
            stack.append((db, http, KeepAlive(settings, db, refresher)))
        return list(await asyncio.gather(*(k.run_once() for _, _, k in stack)))
    finally:
        for db, http, _ in stack:
            await http.aclose()
            await db.dispose()


def test_keepalive_refreshes_old_connections_once_across_workers(gw: Harness) -> None:
    key = gw.make_key()
    old = gw.connect(key, user="alice")
    fresh = gw.connect(key, user="bob")
    failed = gw.connect(key, user="carol")
    week_ago = datetime.now(UTC) - timedelta(days=8)
    _update(gw, old, tokens_changed_at=week_ago)
    _update(gw, failed, tokens_changed_at=week_ago, status="FAILED")
    gw.fake.refresh_delay = 0.3  # both workers reach the connection while it is in flight
    version = _row(gw, old).token_version
    done = asyncio.run(_keepalive_scans(gw, workers=2, age_s=7 * 86400))
    assert sorted(done) == [1, 1]  # each saw it due; one refreshed, the other found it done
    assert gw.fake.refresh_calls == 1
    row = _row(gw, old)
    assert row.token_version == version + 1
    assert row.tokens_changed_at is not None
    assert row.tokens_changed_at > week_ago + timedelta(days=7)
    assert _row(gw, fresh).token_version == 1
    assert _row(gw, failed).status == "FAILED"
    # Nothing is due any more.
    assert asyncio.run(_keepalive_scans(gw, workers=1, age_s=7 * 86400)) == [0]
    with gw.client(key) as http:
        r = http.get("/cal-com/v2/me", headers={"Maton-Connection": old})
        assert r.status_code == 200
        assert r.json()["data"]["user"] == "alice"


def test_keepalive_goes_past_a_connection_it_cannot_read(gw: Harness) -> None:
    """A token sealed under a key no longer configured makes that row fail, not the scan."""
    key = gw.make_key()
    broken = gw.connect(key, user="alice")
    healthy = gw.connect(key, user="bob")
    long_ago, week_ago = (datetime.now(UTC) - timedelta(days=d) for d in (9, 8))
    stale = Keyring([("gone", "a key nobody has any more")])
    sealed = stale.encrypt("rt-unreadable", context("gateway_connections", broken, "refresh_token"))
    _update(gw, broken, tokens_changed_at=long_ago, refresh_token_enc=sealed)
    _update(gw, healthy, tokens_changed_at=week_ago)
    version = _row(gw, healthy).token_version
    assert asyncio.run(_keepalive_scans(gw, workers=1, age_s=7 * 86400)) == [1]
    assert _row(gw, healthy).token_version == version + 1


def test_lifecycle_settings_from_env(settings: Settings) -> None:
    defaults = GatewaySettings.from_env(settings, environ={})
    assert defaults.keepalive_age_s == 7 * 86400
    assert defaults.providers["cal-com"].identity_path == "/v2/me"
    assert defaults.providers["cal-com"].identity_field == "data.id"
    tuned = GatewaySettings.from_env(
        settings,
        environ={
            "CALGATE_GATEWAY_REFRESH_BACKOFF": "0.5",
            "CALGATE_GATEWAY_REFRESH_BACKOFF_MAX": "60",
            "CALGATE_GATEWAY_REFRESH_MAX_ATTEMPTS": "4",
            "CALGATE_GATEWAY_REFRESH_WINDOW": "120",
            "CALGATE_GATEWAY_KEEPALIVE_AGE": "86400",
            "CALGATE_GATEWAY_KEEPALIVE_INTERVAL": "0",
        },
    )
    assert (tuned.refresh_backoff_s, tuned.refresh_backoff_max_s) == (0.5, 60.0)
    assert (tuned.refresh_max_attempts, tuned.refresh_window_s) == (4, 120.0)
    assert (tuned.keepalive_age_s, tuned.keepalive_interval_s) == (86400.0, 0.0)
    assert [cooldown_s(tuned, n) for n in (1, 2, 3, 8, 100)] == [0.5, 1.0, 2.0, 60.0, 60.0]
    for bad in (
        {"CALGATE_GATEWAY_REFRESH_MAX_ATTEMPTS": "0"},
        {"CALGATE_GATEWAY_KEEPALIVE_AGE": "-1"},
    ):
        with pytest.raises(ValueError, match="must be positive"):
            GatewaySettings.from_env(settings, environ=bad)
