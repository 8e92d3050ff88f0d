"""Connection lifecycle against the embedded OAuth server (which, like Cal.com, keeps one live
refresh token per client and user and rotates it on every refresh), over real HTTP."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from sqlalchemy import Engine, create_engine, func, select, update
from sqlalchemy.orm import Session

from calgate.app import create_app
from calgate.config import Settings
from calgate.gateway import GatewaySettings
from calgate.gateway import connections as conns
from calgate.gateway.keys import create_gateway_key
from calgate.oauth import service as oauth_service
from calgate.security.crypto import Keyring
from calgate.services import users
from calgate.store.db import Database, sync_url
from calgate.store.models import Connection, OAuthToken
from tests.oauth.conftest import hidden_fields
from tests.support.server import free_port, live_server
from tests.support.waiting import wait_until

PASSWORD = "owner-password-1"
OWNER = "owner@example.com"
OTHER = "other@example.com"


@dataclass
class Embedded:
    url: str
    key: str
    settings: Settings
    user_ids: dict[str, int]
    engine: Engine

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def sql(self) -> Session:
        return Session(self.engine)

    def row(self, connection_id: str) -> Connection:
        with self.sql() as session:
            conn = session.get(Connection, connection_id)
            assert conn is not None
            session.expunge(conn)
        return conn

    def update(self, connection_id: str, **values: Any) -> None:
        with self.sql() as session, session.begin():
            session.execute(
                update(Connection).where(Connection.id == connection_id).values(**values)
            )
        conns.mark_changed()  # as if from another process, minus the proxy cache's delay

    def last_token_id(self) -> int:
        with self.sql() as session:
            return int(session.scalar(select(func.max(OAuthToken.id))) or 0)

    def connect(self, email: str = OWNER, url: str | None = None) -> str:
        """Run a connect link's browser flow in a fresh browser, logged in as ``email``; a new
        connection's unless ``url`` (e.g. from reconnect) is given. Returns the connection id."""
        with httpx2.Client(base_url=self.url, timeout=30) as browser:
            if url is None:
                created = browser.post("/connections", json={"app": "cal-com"}, headers=self.auth)
                url = created.json()["connection"]["url"]
            to_provider = browser.get(url)
            assert to_provider.status_code == 302, to_provider.text
            login = browser.get(to_provider.headers["location"])
            consent = browser.post(
                "/auth/oauth2/login",
                data={**hidden_fields(login.text), "email": email, "password": PASSWORD},
                follow_redirects=True,
            )
            assert consent.status_code == 200, consent.text
            back = browser.post(
                "/auth/oauth2/authorize", data={**hidden_fields(consent.text), "decision": "allow"}
            )
            assert back.status_code == 302, back.text
            done = browser.get(back.headers["location"])
            assert done.status_code == 200, done.text
        match = re.search(r"\(connection ([0-9a-f-]{36})\)", done.text)
        assert match is not None, done.text
        return match.group(1)


@pytest.fixture
def make_embedded(settings: Settings) -> Iterator[Callable[..., Embedded]]:
    stack = ExitStack()

    def make(gateway: dict[str, Any] | None = None, **app_overrides: Any) -> Embedded:
        port = free_port()
        public = f"http://127.0.0.1:{port}"
        app_settings = replace(settings, public_url=public, **app_overrides)

        async def seed() -> tuple[str, str, str, dict[str, int]]:
            db = Database(app_settings.database_url)
            try:
                async with db.transaction() as session:
                    ids = {}
                    for email in (OWNER, OTHER):
                        user = await users.create_user_in(
                            session, email=email, password=PASSWORD, name=email, time_zone="UTC"
                        )
                        ids[email] = user.id
                    client, secret = await oauth_service.create_client(
                        session,
                        name="calgate gateway",
                        redirect_uris=[public + "/connect/callback"],
                        is_public=False,
                    )
                    issued = await create_gateway_key(session, app_settings.secret_key, "agent")
                    assert secret is not None
                    return client.client_id, secret, issued.key, ids
            finally:
                await db.dispose()

        client_id, client_secret, key, ids = asyncio.run(seed())
        gws = GatewaySettings.from_env(
            app_settings,
            environ={
                "CALGATE_CAL_COM_CLIENT_ID": client_id,
                "CALGATE_CAL_COM_CLIENT_SECRET": client_secret,
            },
        )
        gws = replace(gws, **(gateway or {}))
        app = create_app(app_settings, gateway_settings=gws)
        url = stack.enter_context(live_server(app, port=port))
        engine = create_engine(sync_url(app_settings.database_url))
        stack.callback(engine.dispose)
        return Embedded(url, key, app_settings, ids, engine)

    with stack:
        yield make


def _past() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


def test_keepalive_keeps_an_idle_connection_past_refresh_lifetimes(
    make_embedded: Callable[..., Embedded],
) -> None:
    # A refresh every ~1 s against a 4 s refresh-token lifetime: a loaded machine may stall
    # the worker for a couple of seconds (with 2 s lifetimes, a CI run lost the pair that way).
    refresh_ttl = 4
    env = make_embedded(
        gateway={
            "keepalive_age_s": 1.0,
            "keepalive_interval_s": 0.25,
            "refresh_max_attempts": 10_000,
        },
        oauth_refresh_token_ttl=refresh_ttl,
    )
    conn_id = env.connect()
    first_token = env.last_token_id()
    started = env.row(conn_id).tokens_changed_at
    assert started is not None
    # Untouched (no proxied call) until the keep-alive has carried the pair through more than
    # three refresh-token lifetimes: wait for that rotation, not for a guessed duration.
    lifetimes = timedelta(seconds=refresh_ttl * 3)

    def carried() -> bool:
        changed = env.row(conn_id).tokens_changed_at
        return changed is not None and changed > started + lifetimes

    wait_until(carried, timeout=refresh_ttl * 3 + 20, interval=0.1, what="keep-alive refreshes")
    row = env.row(conn_id)
    assert row.status == "ACTIVE"
    assert row.tokens_changed_at is not None
    assert started is not None
    assert row.tokens_changed_at > started + timedelta(seconds=refresh_ttl * 2)
    assert env.last_token_id() - first_token >= 4  # refresh grants at the OAuth server
    # The stored refresh token is alive: a forced refresh through the proxy works.
    env.update(conn_id, expires_at=_past())
    with httpx2.Client(base_url=env.url, headers=env.auth, timeout=30) as http:
        me = http.get("/cal-com/v2/me")
        assert me.status_code == 200, me.text
        assert me.json()["data"]["email"] == OWNER
        assert http.get(f"/connections/{conn_id}").json()["connection"]["status"] == "ACTIVE"


def test_without_keepalive_an_idle_connection_dies(
    make_embedded: Callable[..., Embedded],
) -> None:
    """The control for the test above: same lifetimes, worker off."""
    refresh_ttl = 1
    env = make_embedded(gateway={"keepalive_interval_s": 0}, oauth_refresh_token_ttl=refresh_ttl)
    conn_id = env.connect()
    time.sleep(refresh_ttl * 1.5)
    env.update(conn_id, expires_at=_past())
    with httpx2.Client(base_url=env.url, headers=env.auth, timeout=30) as http:
        assert http.get("/cal-com/v2/me").status_code == 400
        got = http.get(f"/connections/{conn_id}").json()["connection"]
    assert got["status"] == "FAILED"
    assert "invalid_grant" in got["status_reason"]


def test_same_user_twice_replaces_and_other_user_coexists(
    make_embedded: Callable[..., Embedded],
) -> None:
    env = make_embedded()
    first = env.connect(OWNER)
    assert env.row(first).account == str(env.user_ids[OWNER])
    second = env.connect(OWNER)
    assert second != first
    with httpx2.Client(base_url=env.url, headers=env.auth, timeout=30) as http:
        old = http.get(f"/connections/{first}").json()["connection"]
        assert old["status"] == "FAILED"
        assert old["status_reason"] == f"replaced by connection {second} (same account)"
        for headers in ({}, {"Maton-Connection": second}):
            r = http.get("/cal-com/v2/me", headers=headers)
            assert r.status_code == 200, r.text
            assert r.json()["data"]["email"] == OWNER
        # Refresh works on the survivor (its refresh token is the live one).
        env.update(second, expires_at=_past())
        assert http.get("/cal-com/v2/me").status_code == 200
        assert http.get(f"/connections/{second}").json()["connection"]["status"] == "ACTIVE"

        third = env.connect(OTHER)
        assert env.row(third).account == str(env.user_ids[OTHER])
        env.update(second, expires_at=_past())
        env.update(third, expires_at=_past())
        for conn_id, email in ((second, OWNER), (third, OTHER)):
            r = http.get("/cal-com/v2/me", headers={"Maton-Connection": conn_id})
            assert r.status_code == 200, r.text
            assert r.json()["data"]["email"] == email
        active = http.get("/connections?status=ACTIVE").json()["connections"]
    assert {c["connection_id"] for c in active} == {second, third}


def test_revoked_grant_fails_and_reconnect_restores(
    make_embedded: Callable[..., Embedded],
) -> None:
    env = make_embedded()
    conn_id = env.connect()
    with env.sql() as session, session.begin():
        session.execute(update(OAuthToken).values(revoked=True))
    env.update(conn_id, expires_at=_past())
    with httpx2.Client(base_url=env.url, headers=env.auth, timeout=30) as http:
        r = http.get("/cal-com/v2/me")
        assert r.status_code == 400
        got = http.get(f"/connections/{conn_id}").json()["connection"]
        assert got["status"] == "FAILED"
        assert got["status_reason"] == (
            "refresh token rejected by cal-com (invalid_grant); "
            f"reconnect with POST /connections/{conn_id}/reconnect"
        )
        again = http.post(f"/connections/{conn_id}/reconnect").json()["connection"]
        assert again["connection_id"] == conn_id
        assert env.connect(url=again["url"]) == conn_id
        assert http.get(f"/connections/{conn_id}").json()["connection"]["status"] == "ACTIVE"
        assert http.get("/cal-com/v2/me").status_code == 200
        env.update(conn_id, expires_at=_past())
        assert http.get("/cal-com/v2/me").status_code == 200


def test_delete_revokes_the_grant_at_the_embedded_server(
    make_embedded: Callable[..., Embedded],
) -> None:
    env = make_embedded()
    conn_id = env.connect()
    keyring = Keyring(GatewaySettings.from_env(env.settings, environ={}).token_keys)
    refresh, access = conns.tokens_of(keyring, env.row(conn_id))
    assert refresh
    assert access
    with httpx2.Client(base_url=env.url, timeout=30) as http:
        bearer = {"Authorization": f"Bearer {access}"}
        assert http.get("/v2/me", headers=bearer).status_code == 200
        assert http.delete(f"/connections/{conn_id}", headers=env.auth).status_code == 200
        assert http.get("/v2/me", headers=bearer).status_code == 401
    with env.sql() as session:
        live = session.scalar(
            select(func.count())
            .select_from(OAuthToken)
            .where(
                OAuthToken.user_id == env.user_ids[OWNER],
                OAuthToken.refresh_token_hash.is_not(None),
                OAuthToken.revoked.is_(False),
            )
        )
    assert live == 0
