"""Rate-limit fixtures: an app with limits on, callers of each kind, and the real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
import redis
from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings

REDIS_URL = os.environ.get("CALGATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class Callers:
    api_key: str
    other_api_key: str
    access_token: str


def seed_callers(client: TestClient, settings: Settings) -> Callers:
    """A user with two API keys and an OAuth access token, made through the services."""
    from calgate.oauth import service as oauth_service
    from calgate.services import api_keys
    from tests.support.accounts import seed_account_in

    async def create() -> Callers:
        db = client.app.state.calgate.db  # type: ignore[attr-defined]
        async with db.transaction() as session:
            user, one = await seed_account_in(
                session,
                settings.secret_key,
                email=f"limits-{uuid.uuid4().hex[:8]}@example.com",
                name="Limits",
                time_zone="UTC",
            )
            two = await api_keys.create_api_key_in(session, settings.secret_key, user)
            oauth, _ = await oauth_service.create_client(
                session, name="agent", redirect_uris=["https://app.example.com/cb"]
            )
            tokens = await oauth_service.issue_tokens(
                session, settings, client_id=oauth.client_id, user_id=user.id
            )
            return Callers(one.key, two.key, str(tokens["access_token"]))

    assert client.portal is not None
    return client.portal.call(create)


@pytest.fixture
def limited(settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """Start the app with rate limits on and the given overrides of the Settings."""
    clients: list[TestClient] = []

    def start(**overrides: Any) -> TestClient:
        app = create_app(replace(settings, **{"rate_limit": True, **overrides}))
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def _redis_or_fail() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as exc:
        connection.close()
        # CI has a Redis server (.ci/run): its absence there is a failure, not a skip.
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    return connection


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix unique to this test; its keys are deleted afterwards."""
    connection = _redis_or_fail()
    prefix = f"calgate-test-{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        keys = list(connection.scan_iter(match=f"{prefix}*"))
        if keys:
            connection.delete(*keys)
        connection.close()
