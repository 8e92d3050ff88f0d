"""All-in-one: the gateway proxies to the scheduler in the same process (no loopback HTTP).

Set up the way `calgate serve --demo` does it: the gateway registered as an OAuth client of the
embedded server, and a gateway key whose connection holds tokens that server issued.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx2
import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from calgate.allinone import EMBEDDED_CLIENT_ID, ensure_demo_connection
from calgate.app import create_app
from calgate.config import Settings
from calgate.gateway.config import GatewaySettings
from calgate.services import users
from calgate.store.db import Database, sync_url
from calgate.store.models import Connection, utcnow
from tests.conftest import TEST_SECRET
from tests.interop.calcom_mcp import available as cal_mcp_available
from tests.interop.test_calcom_mcp import prepare, run_through_gateway
from tests.support.server import free_port, live_server


@pytest.fixture
def aio(db_url: str) -> Iterator[tuple[httpx2.Client, Settings, str, object]]:
    port = free_port()
    settings = Settings(
        database_url=db_url, secret_key=TEST_SECRET, public_url=f"http://127.0.0.1:{port}"
    )

    async def seed() -> dict[str, str]:
        db = Database(db_url)
        try:
            async with db.transaction() as session:
                user = await users.create_user_in(
                    session,
                    email="aio@example.com",
                    password="pw-aio-123",
                    name="Aio",
                    time_zone="UTC",
                    username="aio",
                )
                user_id = user.id
            return await ensure_demo_connection(
                db, settings, GatewaySettings.from_env(settings), user_id
            )
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:
        info = pool.submit(lambda: asyncio.run(seed())).result()
    app = create_app(settings)
    with (
        live_server(app, port=port) as base,
        httpx2.Client(
            base_url=base, headers={"Authorization": f"Bearer {info['gateway_key']}"}, timeout=30
        ) as http,
    ):
        yield http, settings, info["connection_id"], app


def test_gateway_is_registered_and_dispatches_in_process(aio: tuple) -> None:  # type: ignore[type-arg]
    http, settings, _, app = aio
    provider = app.state.calgate.gateway.settings.providers["cal-com"]
    assert provider.client_id == EMBEDDED_CLIENT_ID
    assert app.state.calgate.gateway.in_process(settings.public_url + "/v2/me")
    me = http.get("/cal-com/v2/me")
    assert me.status_code == 200, me.text
    assert me.json()["data"]["username"] == "aio"


def test_versioned_body_query_and_errors_pass_through(aio: tuple) -> None:  # type: ignore[type-arg]
    http = aio[0]
    created = http.post(
        "/cal-com/v2/event-types",
        headers={"cal-api-version": "2024-06-14"},
        json={"title": "Chat", "slug": "chat", "lengthInMinutes": 25},
    )
    assert created.status_code == 201, created.text
    assert created.json()["data"]["lengthInMinutes"] == 25
    legacy = http.get("/cal-com/v2/event-types").json()["data"]
    assert legacy["eventTypeGroups"][0]["eventTypes"][0]["length"] == 25
    et_id = created.json()["data"]["id"]
    slots = http.get(
        "/cal-com/v2/slots/available",
        params={"eventTypeId": et_id, "startTime": "2030-01-07", "endTime": "2030-01-07"},
    )
    assert slots.status_code == 200, slots.text
    assert "slots" in slots.json()["data"]
    missing = http.get("/cal-com/v2/event-types/999999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NotFoundException"
    unknown = http.get("/cal-com/v2/no-such-thing")
    assert unknown.status_code == 404


def test_expired_token_is_refreshed_once_in_process(aio: tuple) -> None:  # type: ignore[type-arg]
    http, settings, connection_id, app = aio
    engine = create_engine(sync_url(settings.database_url))
    try:
        with Session(engine) as session, session.begin():
            session.execute(
                update(Connection)
                .where(Connection.id == connection_id)
                .values(expires_at=utcnow() - timedelta(minutes=1))
            )
    finally:
        engine.dispose()
    before = app.state.calgate.gateway.refresher.count
    results = [http.get("/cal-com/v2/me").status_code for _ in range(5)]
    assert results == [200] * 5
    assert app.state.calgate.gateway.refresher.count == before + 1


@pytest.mark.skipif(
    not cal_mcp_available() and not os.environ.get("CI"),
    reason="node and npm are needed to run Cal.com's MCP server",
)
def test_calcom_mcp_server_through_the_gateway(aio: tuple) -> None:  # type: ignore[type-arg]
    http = aio[0]
    et_id = prepare(http, {}, prefix="/cal-com")
    run_through_gateway(
        http.headers["Authorization"], str(http.base_url).rstrip("/") + "/cal-com", et_id
    )
