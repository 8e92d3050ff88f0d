"""Gateway harness: the whole calgate app on loopback, with cal-com pointed at a fake provider
(itself a real server on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from calgate.app import create_app
from calgate.config import Settings
from calgate.gateway import GatewaySettings, Provider
from calgate.gateway.keys import create_gateway_key
from calgate.store.db import Database, sync_url
from calgate.store.models import Connection
from tests.gateway.fake_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider
from tests.support.server import free_port, live_server


@dataclass
class Harness:
    url: str
    fake: FakeProvider
    settings: Settings
    gateway_settings: GatewaySettings
    app: Any

    def make_key(self, name: str = "test") -> str:
        async def create() -> str:
            db = Database(self.settings.database_url)
            try:
                async with db.transaction() as session:
                    issued = await create_gateway_key(session, self.settings.secret_key, name)
                    return issued.key
            finally:
                await db.dispose()

        return asyncio.run(create())

    def client(self, key: str | None = None) -> httpx2.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx2.Client(base_url=self.url, headers=headers, timeout=30)

    def connect(self, key: str, user: str = "alice") -> str:
        """Create a connection and complete its browser flow; returns the connection id."""
        self.fake.next_user = user
        with self.client(key) as http:
            created = http.post("/connections", json={"app": "cal-com"})
            assert created.status_code == 200, created.text
            conn = created.json()["connection"]
            page = http.get(conn["url"], follow_redirects=True)
            assert page.status_code == 200, page.text
            assert "connected" in page.text.lower()
            return str(conn["connection_id"])

    def update_connection(self, connection_id: str, **values: Any) -> None:
        engine = create_engine(sync_url(self.settings.database_url))
        try:
            with Session(engine) as session, session.begin():
                session.execute(
                    update(Connection).where(Connection.id == connection_id).values(**values)
                )
        finally:
            engine.dispose()

    def expire(self, connection_id: str, at: datetime) -> None:
        self.update_connection(connection_id, expires_at=at)

    @property
    def refreshes(self) -> int:
        return int(self.app.state.calgate.gateway.refresher.count)


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    with live_server(fake.app()) as url:
        fake.url = url
        yield fake


@pytest.fixture
def make_gateway(
    settings: Settings, fake_provider: FakeProvider
) -> Iterator[Callable[..., Harness]]:
    stack = ExitStack()

    def make(
        provider: Provider | None = None,
        *,
        settings_overrides: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> Harness:
        port = free_port()
        # Gateway events go to loopback receivers here, allowed by the webhook switch.
        app_settings = replace(
            settings,
            public_url=f"http://127.0.0.1:{port}",
            **{"webhook_allow_private": True, **(settings_overrides or {})},
        )
        fake = fake_provider
        gws = GatewaySettings.from_env(
            app_settings, environ={"CALGATE_GATEWAY_ALLOW_PRIVATE": "1"}
        ).with_provider(
            provider
            or Provider(
                app="cal-com",
                base_url=f"{fake.url}/api",
                authorize_url=f"{fake.url}/oauth/authorize",
                token_url=f"{fake.url}/oauth/token",
                client_id=CLIENT_ID,
                client_secret=CLIENT_SECRET,
                scopes=("PROFILE_READ", "BOOKING_READ"),
            )
        )
        gws = replace(gws, **overrides)
        app = create_app(app_settings, gateway_settings=gws)
        url = stack.enter_context(live_server(app, port=port))
        return Harness(url, fake, app_settings, gws, app)

    with stack:
        yield make


@pytest.fixture
def gw(make_gateway: Callable[..., Harness]) -> Harness:
    return make_gateway()
