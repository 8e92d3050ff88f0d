"""A server whose every pooled connection stays busy, or whose database turns new connections
away, answers 503 with Retry-After in Cal.com's envelope (it is at capacity, not broken),
never a 500."""

from __future__ import annotations

import asyncio
import os
import secrets
from typing import Any

import psycopg
import pytest
from httpx2 import Response
from starlette.testclient import TestClient

from calgate.store.db import Database

pytestmark = pytest.mark.skipif(
    not os.environ.get("CALGATE_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="SQLite has no connection pool to exhaust",
)


def _me_while_held(
    client: TestClient, db: Database, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Response:
    """GET /v2/me from a server using ``db``, while another session holds a connection of it."""
    monkeypatch.setattr(client.app.state.calgate, "db", db)  # type: ignore[attr-defined]
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with db.session() as session:
            await session.connection()
            held.set()
            await release.wait()

    assert client.portal is not None
    holder = client.portal.start_task_soon(hold)
    client.portal.call(held.wait)
    try:
        return client.get("/v2/me", headers=headers)
    finally:
        client.portal.call(release.set)
        holder.result(timeout=10)
        client.portal.call(db.dispose)


def _assert_busy(r: Response) -> None:
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "ServiceUnavailableException"
    assert r.headers["Retry-After"] == "1"


def test_an_exhausted_pool_is_a_503_with_retry_after(
    client: TestClient, make_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    acct = make_account()
    url = client.app.state.calgate.db.url  # type: ignore[attr-defined]
    small = Database(url.render_as_string(hide_password=False), pool_size=1)
    small.engine.pool._max_overflow = 0  # type: ignore[attr-defined]
    small.engine.pool._timeout = 0.2  # type: ignore[attr-defined]
    _assert_busy(_me_while_held(client, small, acct.headers, monkeypatch))


def test_a_database_that_turns_connections_away_is_a_503(
    client: TestClient, make_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL at its connection limit ("too many connections", SQLSTATE 53300): a role
    allowed one connection, which another session holds."""
    acct = make_account()
    url = client.app.state.calgate.db.url  # type: ignore[attr-defined]
    role = f"calgate_full_{secrets.token_hex(4)}"
    admin_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 1')
        try:
            limited = Database(url.set(username=role).render_as_string(hide_password=False))
            r = _me_while_held(client, limited, acct.headers, monkeypatch)
        finally:
            admin.execute(f'DROP ROLE "{role}"')
    _assert_busy(r)
