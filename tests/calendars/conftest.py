from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from calgate.config import Settings
from tests.calendars.servers import Feeds, Radicale, ics_server, radicale
from tests.conftest import TEST_SECRET


@pytest.fixture
def settings(db_url: str) -> Settings:
    # The calendar servers of these tests are on loopback; the refresher is driven by `refresh`.
    return Settings(
        database_url=db_url,
        secret_key=TEST_SECRET,
        rate_limit=False,
        calendar_allow_private=True,
        calendar_timeout=3.0,
        calendar_ttl=3600.0,
    )


@pytest.fixture
def caldav_server(tmp_path: Path) -> Iterator[Radicale]:
    with radicale(tmp_path / "radicale") as server:
        yield server


@pytest.fixture
def feeds() -> Iterator[Feeds]:
    with ics_server() as served:
        yield served


@pytest.fixture
def refresh(client: TestClient) -> Any:
    """Run the background refresher's work once, now, for every calendar (TTL ignored)."""
    from sqlalchemy import update

    from calgate.calendars.http import calendar_client
    from calgate.services.calendars import refresh_due
    from calgate.store.models import Calendar

    def run() -> int:
        runtime = client.app.state.calgate  # type: ignore[attr-defined]

        async def go() -> int:
            async with runtime.db.transaction() as session:
                await session.execute(update(Calendar).values(fetched_at=None))
            async with calendar_client(runtime.settings) as http:
                return await refresh_due(runtime.db, runtime.settings, runtime.keyring, http)

        assert client.portal is not None
        return int(client.portal.call(go))

    return run
