"""A live calgate (real uvicorn on loopback) seeded with a user, an API key, an event type and
a gateway key whose cal-com connection is ACTIVE, as `calgate serve --demo` sets it up; tests
take it in direct mode (API key, `/v2`) and in gateway mode (gateway key, `/cal-com/v2`)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calgate.allinone import ensure_demo_connection
from calgate.app import create_app
from calgate.client import Client, ClientConfig
from calgate.config import Settings
from calgate.gateway.config import GatewaySettings
from calgate.services import event_types
from calgate.store.db import Database
from tests.conftest import TEST_SECRET
from tests.support.accounts import seed_account_in
from tests.support.server import free_port, live_server

HOST_ZONE = "America/New_York"
REPO = Path(__file__).resolve().parents[2]
CALGATE = str(REPO / ".venv" / "bin" / "calgate")


@dataclass
class Target:
    mode: str
    url: str
    api_key: str
    gateway_key: str
    connection_id: str
    event_type_id: int
    email: str

    @property
    def config(self) -> ClientConfig:
        if self.mode == "gateway":
            return ClientConfig(
                base_url=self.url, gateway_key=self.gateway_key, connection=self.connection_id
            )
        return ClientConfig(base_url=self.url, api_key=self.api_key)

    def client(self) -> Client:
        return Client(config=self.config)

    def env(self, config_home: Path) -> dict[str, str]:
        """Environment for a `calgate` subprocess talking to this server in this mode."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CALGATE_", "MATON_"))}
        env.update(
            CALGATE_URL=self.url,
            XDG_CONFIG_HOME=str(config_home),
            PYTHONTZPATH="",
            COLUMNS="160",
        )
        if self.mode == "gateway":
            env.update(CALGATE_GATEWAY_KEY=self.gateway_key, CALGATE_CONNECTION=self.connection_id)
        else:
            env["CALGATE_API_KEY"] = self.api_key
        return env


def seed(settings: Settings) -> dict[str, str | int]:
    async def run() -> dict[str, str | int]:
        db = Database(settings.database_url)
        try:
            async with db.transaction() as session:
                user, issued = await seed_account_in(
                    session,
                    settings.secret_key,
                    email="host@example.com",
                    password="host-password-1",
                    name="Host",
                    time_zone=HOST_ZONE,
                    username="host",
                )
                et = await event_types.create_event_type_in(
                    session,
                    user,
                    event_types.EventTypeChanges(title="Intro call", slug="intro", length=30),
                )
                info: dict[str, str | int] = {
                    "user_id": user.id,
                    "api_key": issued.key,
                    "event_type_id": et.id,
                }
            info.update(
                await ensure_demo_connection(
                    db, settings, GatewaySettings.from_env(settings), int(info["user_id"])
                )
            )
            return info
        finally:
            await db.dispose()

    # The test may already run inside an event loop (anyio tests): seed on a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(run())).result()


@pytest.fixture
def server(db_url: str) -> Iterator[tuple[str, dict[str, str | int]]]:
    port = free_port()
    settings = Settings(
        database_url=db_url, secret_key=TEST_SECRET, public_url=f"http://127.0.0.1:{port}"
    )
    info = seed(settings)
    with live_server(create_app(settings), port=port) as url:
        yield url, info


def _target(mode: str, server: tuple[str, dict[str, str | int]]) -> Target:
    url, info = server
    return Target(
        mode=mode,
        url=url,
        api_key=str(info["api_key"]),
        gateway_key=str(info["gateway_key"]),
        connection_id=str(info["connection_id"]),
        event_type_id=int(info["event_type_id"]),
        email="host@example.com",
    )


@pytest.fixture(params=["direct", "gateway"])
def target(request: pytest.FixtureRequest, server: tuple[str, dict[str, str | int]]) -> Target:
    return _target(request.param, server)


@pytest.fixture
def gateway_target(server: tuple[str, dict[str, str | int]]) -> Target:
    return _target("gateway", server)


def next_workday(days_ahead: int = 3) -> date:
    """A Monday-Friday date far enough ahead for the minimum booking notice."""
    day = datetime.now(ZoneInfo(HOST_ZONE)).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0, zone: str = HOST_ZONE) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


def recurring_event_type(client: Client, occurrences: int = 3) -> int:
    """A weekly event type of the seeded host, booked as a series of `occurrences`."""
    made = client.event_types.create(
        title="Weekly sync",
        slug="weekly",
        length_in_minutes=30,
        recurrence={"frequency": "weekly", "interval": 1, "occurrences": occurrences},
    )
    return made.id
