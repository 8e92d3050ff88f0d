"""Two gateway processes, one PostgreSQL database: an expired token is refreshed exactly once.

The scheduler and its OAuth server run in this process; the two gateways are real
`calgate serve --role gateway` subprocesses. Refreshes are counted where they happen, at the
OAuth server (its token rows), not by a per-process counter.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from calgate.app import create_app
from calgate.config import Settings
from calgate.gateway import GatewaySettings
from calgate.gateway import connections as conns
from calgate.gateway.keys import create_gateway_key
from calgate.gateway.tokens import TokenSet
from calgate.oauth import service as oauth_service
from calgate.security.crypto import Keyring
from calgate.services import users
from calgate.store.db import Database, is_sqlite, sync_url
from calgate.store.models import Connection, OAuthToken, utcnow
from tests.support.server import free_port, live_server, responds, wait_for_process

pytestmark = pytest.mark.skipif(
    is_sqlite(os.environ.get("CALGATE_TEST_DATABASE_URL") or "sqlite:///x.db"),
    reason="needs PostgreSQL (CALGATE_TEST_DATABASE_URL) for two processes on one database",
)

CALLS = 100
TOKEN_PATH = "/v2/auth/oauth2/token"


class TokenEndpointWatch:
    """ASGI wrapper around the scheduler: counts token endpoint calls and holds each one a
    moment, so both gateways' bursts arrive while the refresh is in flight."""

    def __init__(self, app: Any, delay: float) -> None:
        self.app = app
        self.delay = delay
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == TOKEN_PATH:
            self.calls += 1
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


async def _seed(settings: Settings, gateway: GatewaySettings) -> tuple[str, str, str, str]:
    """A user, the gateway's OAuth client, a gateway key and an ACTIVE connection."""
    db = Database(settings.database_url)
    keyring = Keyring(gateway.token_keys)
    try:
        async with db.transaction() as session:
            user = await users.create_user_in(
                session,
                email="two@example.com",
                password="pw-two-processes",
                name="Two",
                time_zone="UTC",
            )
            client, secret = await oauth_service.create_client(
                session, name="gateway", redirect_uris=[gateway.redirect_uri], is_public=False
            )
            assert secret is not None
            key = await create_gateway_key(session, settings.secret_key, "two")
            conn = await conns.create(session, gateway, keyring, key.record.id, "cal-com")
            body = await oauth_service.issue_tokens(
                session, settings, client_id=client.client_id, user_id=user.id
            )
            now = utcnow()
            tokens = TokenSet(body["access_token"], body["refresh_token"], now, body["scope"])
            conns.store_tokens(keyring, conn, tokens, now)
            conns.activate(conn, now)
            return client.client_id, secret, key.key, conn.id
    finally:
        await db.dispose()


@contextmanager
def _gateway_process(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    command = [sys.executable, "-m", "calgate", "serve", "--role", "gateway", "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_process(
            process,
            lambda: responds(f"{url}/connections", 401),
            timeout=60,
            log=log.read_text,
            what="gateway",
        )
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _burst(urls: list[str], key: str) -> list[httpx2.Response]:
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx2.Limits(max_connections=CALLS)
    clients = [
        httpx2.AsyncClient(base_url=u, headers=headers, limits=limits, timeout=60) for u in urls
    ]

    async def call(client: httpx2.AsyncClient) -> httpx2.Response:
        while True:
            r = await client.get("/cal-com/v2/me")
            if r.status_code != 503 or r.json()["error"]["code"] != "ServiceUnavailableException":
                return r
            # PostgreSQL is shared with the other test worker and has 100 connections: a
            # process that got none says it is busy and when to come back, as a polite
            # client would (a clean-clone CI run saw one gateway refused all its 50 calls).
            await asyncio.sleep(int(r.headers.get("Retry-After", "1")))

    try:
        calls = [call(clients[i % len(clients)]) for i in range(CALLS)]
        return list(await asyncio.gather(*calls))
    finally:
        for client in clients:
            await client.aclose()


def test_two_gateway_processes_refresh_an_expired_token_once(
    settings: Settings, tmp_path: Path
) -> None:
    scheduler_port = free_port()
    scheduler = f"http://127.0.0.1:{scheduler_port}"
    ports = [free_port(), free_port()]
    # Both gateways share the public URL of the first (one redirect URI, one keyring).
    gateway = GatewaySettings.from_env(replace(settings, public_url=f"http://127.0.0.1:{ports[0]}"))
    client_id, client_secret, key, conn_id = asyncio.run(_seed(settings, gateway))

    engine = create_engine(sync_url(settings.database_url))
    try:
        # The access token expired everywhere: on the gateway's row and at the OAuth server.
        with Session(engine) as session, session.begin():
            past = datetime.now(UTC) - timedelta(minutes=1)
            session.execute(update(Connection).values(expires_at=past))
            session.execute(update(OAuthToken).values(access_expires_at=past))
        with Session(engine) as session:
            tokens_before = session.scalar(select(func.max(OAuthToken.id)))
            version_before = session.scalar(select(Connection.token_version))

        env = {
            **os.environ,
            "CALGATE_DATABASE_URL": settings.database_url,
            "CALGATE_SECRET_KEY": settings.secret_key,
            "CALGATE_PUBLIC_URL": f"http://127.0.0.1:{ports[0]}",
            "CALGATE_CAL_COM_BASE_URL": scheduler,
            "CALGATE_CAL_COM_AUTHORIZE_URL": f"{scheduler}/auth/oauth2/authorize",
            "CALGATE_CAL_COM_TOKEN_URL": scheduler + TOKEN_PATH,
            "CALGATE_CAL_COM_CLIENT_ID": client_id,
            "CALGATE_CAL_COM_CLIENT_SECRET": client_secret,
            "CALGATE_GATEWAY_ALLOW_PRIVATE": "1",
            "CALGATE_GATEWAY_KEEPALIVE_INTERVAL": "0",
            "CALGATE_LOG_LEVEL": "warning",
        }
        with ExitStack() as stack:
            watch = TokenEndpointWatch(
                create_app(replace(settings, public_url=scheduler, role="scheduler")), delay=0.3
            )
            stack.enter_context(live_server(watch, port=scheduler_port))
            urls = [
                stack.enter_context(_gateway_process(env, port, tmp_path / f"gw{i}.log"))
                for i, port in enumerate(ports)
            ]
            responses = asyncio.run(_burst(urls, key))
            logs = "\n".join(p.read_text() for p in tmp_path.glob("gw*.log"))
            assert [r.status_code for r in responses] == [200] * CALLS, (
                [r.text for r in responses if r.status_code != 200][:3],
                logs,
            )
            assert {r.json()["data"]["email"] for r in responses} == {"two@example.com"}
            with httpx2.Client(base_url=urls[1], headers={"Authorization": f"Bearer {key}"}) as h:
                got = h.get(f"/connections/{conn_id}").json()["connection"]
        assert got["status"] == "ACTIVE"
        with Session(engine) as session:
            refreshes = session.scalar(
                select(func.count()).select_from(OAuthToken).where(OAuthToken.id > tokens_before)
            )
            version_after = session.scalar(select(Connection.token_version))
            lease = session.scalar(select(Connection.refresh_lease_until))
        assert refreshes == 1  # exactly one refresh grant at the OAuth server
        assert watch.calls == 1  # and no second attempt that failed
        assert version_after == (version_before or 0) + 1
        assert lease is None
    finally:
        engine.dispose()
