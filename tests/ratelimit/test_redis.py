"""Rate limits in Redis: processes that share a Redis server and prefix share every count.

These run against the real Redis server (CALGATE_TEST_REDIS_URL, default 127.0.0.1:6379); in
CI its absence fails them. Each test uses a key prefix of its own and deletes its keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import pytest
from limits import RateLimitItemPerMinute
from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings
from calgate.errors import TooManyRequests
from calgate.gateway.config import RateLimit
from calgate.gateway.ratelimit import RateLimiter
from calgate.web.ratelimit import RateLimitStore
from tests.ratelimit.conftest import REDIS_URL, seed_callers


def test_two_stores_on_one_redis_share_a_count(redis_prefix: str) -> None:
    item = RateLimitItemPerMinute(5)

    async def scenario() -> list[tuple[bool, int]]:
        one = RateLimitStore(REDIS_URL, redis_prefix, "secret")
        two = RateLimitStore(REDIS_URL, redis_prefix, "secret")
        apart = RateLimitStore(REDIS_URL, redis_prefix + "-other", "secret")
        try:
            seen = []
            for store in (one, two, one, two, one, two, one):
                verdict = await store.hit(item, "api_key", "k")
                assert verdict.limit == 5
                assert 1 <= verdict.reset_after <= 60
                seen.append((verdict.allowed, verdict.remaining))
            assert (await apart.hit(item, "api_key", "k")).remaining == 4
            return seen
        finally:
            for store in (one, two, apart):
                await store.aclose()

    seen = asyncio.run(scenario())
    assert seen == [
        (True, 4),
        (True, 3),
        (True, 2),
        (True, 1),
        (True, 0),
        (False, 0),
        (False, 0),
    ]


def test_gateway_key_limit_holds_across_limiters_on_redis(redis_prefix: str) -> None:
    async def scenario() -> list[int | None]:
        stores = [RateLimitStore(REDIS_URL, redis_prefix, "s") for _ in range(2)]
        limiters = [RateLimiter(RateLimit(3, 60.0), store) for store in stores]
        # None: let through; else the Retry-After of the 429.
        outcomes: list[int | None] = []
        try:
            for i in range(6):
                try:
                    await limiters[i % 2].hit(42)
                    outcomes.append(None)
                except TooManyRequests as exc:
                    outcomes.append(exc.retry_after)
            await limiters[0].hit(43)  # another key has its own count
        finally:
            for store in stores:
                await store.aclose()
        return outcomes

    outcomes = asyncio.run(scenario())
    assert outcomes[:3] == [None, None, None]
    assert all(isinstance(wait, int) and 1 <= wait <= 60 for wait in outcomes[3:])


def test_app_instances_share_the_api_key_count_through_redis(
    limited: Callable[..., TestClient], settings: Settings, redis_prefix: str
) -> None:
    options = {
        "rate_limit_storage": REDIS_URL,
        "rate_limit_prefix": redis_prefix,
        "rate_limit_api_key": "3/minute",
    }
    first = limited(**options)
    callers = seed_callers(first, settings)
    headers = {"Authorization": f"Bearer {callers.api_key}"}
    assert [first.get("/v2/me", headers=headers).status_code for _ in range(2)] == [200, 200]
    # A second server (its own event loop and Redis pool) continues the same count.
    second = limited(**options)
    r = second.get("/v2/me", headers=headers)
    assert r.status_code == 200
    assert r.headers["X-RateLimit-Remaining-Default"] == "0"
    for client in (first, second):
        r = client.get("/v2/me", headers=headers)
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "ThrottlerException"
        assert int(r.headers["Retry-After"]) >= 1


def test_the_gateway_uses_the_apps_redis_store(settings: Settings, redis_prefix: str) -> None:
    app = create_app(
        replace(
            settings, rate_limit=True, rate_limit_storage=REDIS_URL, rate_limit_prefix=redis_prefix
        )
    )
    with TestClient(app, raise_server_exceptions=False):
        runtime = app.state.calgate
        store = runtime.rate_limits
        assert store.url == REDIS_URL
        limiter = runtime.gateway.limiter
        assert limiter is not None
        assert limiter._store is store


@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0"])
def test_an_unreachable_redis_lets_requests_through(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> list[bool]:
        store = RateLimitStore(url, "calgate-unreachable", "s")
        try:
            return [
                (await store.hit(RateLimitItemPerMinute(1), "ip", "x")).allowed for _ in range(3)
            ]
        finally:
            await store.aclose()

    assert asyncio.run(scenario()) == [True, True, True]
    warnings = [r for r in caplog.records if r.name == "calgate.ratelimit"]
    assert len(warnings) == 1
