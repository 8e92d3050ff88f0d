"""End to end against the embedded OAuth server over real HTTP: the gateway's default cal-com
provider is this very server, reached only through its public URL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import httpx2
import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from calgate.app import create_app
from calgate.config import Settings
from calgate.gateway import GatewaySettings
from calgate.gateway.keys import create_gateway_key
from calgate.oauth import service as oauth_service
from calgate.services import users
from calgate.store.db import Database, sync_url
from calgate.store.models import Connection
from tests.oauth.conftest import hidden_fields
from tests.support.server import free_port, live_server

EMAIL = "owner@example.com"
PASSWORD = "owner-password-1"


@dataclass
class Embedded:
    url: str
    key: str
    settings: Settings


@pytest.fixture
def embedded(settings: Settings) -> Iterator[Embedded]:
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    app_settings = replace(settings, public_url=public)

    async def seed() -> tuple[str, str, str]:
        db = Database(app_settings.database_url)
        try:
            async with db.transaction() as session:
                await users.create_user_in(
                    session, email=EMAIL, password=PASSWORD, name="Owner", time_zone="UTC"
                )
                client, secret = await oauth_service.create_client(
                    session,
                    name="calgate gateway",
                    redirect_uris=[public + "/connect/callback"],
                    is_public=False,
                )
                issued = await create_gateway_key(session, app_settings.secret_key, "agent")
                assert secret is not None
                return client.client_id, secret, issued.key
        finally:
            await db.dispose()

    client_id, client_secret, key = asyncio.run(seed())
    gws = GatewaySettings.from_env(
        app_settings,
        environ={
            "CALGATE_CAL_COM_CLIENT_ID": client_id,
            "CALGATE_CAL_COM_CLIENT_SECRET": client_secret,
        },
    )
    assert gws.providers["cal-com"].token_url == public + "/v2/auth/oauth2/token"
    app = create_app(app_settings, gateway_settings=gws)
    with live_server(app, port=port) as url:
        yield Embedded(url, key, app_settings)


def _connect(env: Embedded, browser: httpx2.Client, decision: str = "allow") -> tuple[str, str]:
    gw = {"Authorization": f"Bearer {env.key}"}
    conn = browser.post("/connections", json={"app": "cal-com"}, headers=gw).json()["connection"]
    to_provider = browser.get(conn["url"])
    assert to_provider.status_code == 302
    assert to_provider.headers["location"].startswith(f"{env.url}/auth/oauth2/authorize?")
    login_page = browser.get(to_provider.headers["location"])
    assert login_page.status_code == 200, login_page.text
    consent = browser.post(
        "/auth/oauth2/login",
        data={**hidden_fields(login_page.text), "email": EMAIL, "password": PASSWORD},
        follow_redirects=True,
    )
    assert consent.status_code == 200, consent.text
    back = browser.post(
        "/auth/oauth2/authorize", data={**hidden_fields(consent.text), "decision": decision}
    )
    assert back.status_code == 302, back.text
    assert back.headers["location"].startswith(f"{env.url}/connect/callback?")
    done = browser.get(back.headers["location"])
    return conn["connection_id"], done.text


def test_connect_proxy_and_refresh_against_embedded_server(embedded: Embedded) -> None:
    gw = {"Authorization": f"Bearer {embedded.key}"}
    with httpx2.Client(base_url=embedded.url, timeout=30) as browser:
        connection_id, page = _connect(embedded, browser)
        assert "Connected to cal-com" in page
        status = browser.get(f"/connections/{connection_id}", headers=gw).json()["connection"]
        assert status["status"] == "ACTIVE"

        me = browser.get("/cal-com/v2/me", headers=gw)
        assert me.status_code == 200, me.text
        assert me.json()["data"]["email"] == EMAIL

        # Expire the stored token: the gateway refreshes it at the embedded token endpoint
        # (which writes to the same database: no lock may be held across that call).
        engine = create_engine(sync_url(embedded.settings.database_url))
        with Session(engine) as session, session.begin():
            session.execute(
                update(Connection)
                .where(Connection.id == connection_id)
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        engine.dispose()
        again = browser.get("/cal-com/v2/me", headers=gw)
        assert again.status_code == 200, again.text
        assert again.json()["data"]["email"] == EMAIL
        third = browser.get("/cal-com/v2/me", headers=gw)
        assert third.status_code == 200


def test_denied_consent_fails_connection(embedded: Embedded) -> None:
    gw = {"Authorization": f"Bearer {embedded.key}"}
    with httpx2.Client(base_url=embedded.url, timeout=30) as browser:
        connection_id, page = _connect(embedded, browser, decision="deny")
        assert "Connection failed" in page
        status = browser.get(f"/connections/{connection_id}", headers=gw).json()["connection"]
    assert status["status"] == "FAILED"
    assert status["metadata"]["error"] == "access_denied"
