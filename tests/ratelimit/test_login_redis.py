"""The login failure limits live on the shared store: with Redis, every process counts the same
failures (issue 12, defect 6)."""

from __future__ import annotations

import asyncio

from calgate.oauth.login_throttle import LoginThrottle
from calgate.web.ratelimit import RateLimitStore
from tests.ratelimit.conftest import REDIS_URL


def test_login_failures_are_shared_by_processes_on_one_redis(redis_prefix: str) -> None:
    async def scenario() -> tuple[list[int], list[int], int]:
        stores = [RateLimitStore(REDIS_URL, redis_prefix, "secret") for _ in range(2)]
        one, two = (LoginThrottle.of(s, per_account=2, per_ip=3, window=300) for s in stores)
        try:
            # Two failures for one account, one through each process: both now refuse it.
            await one.failed("10.0.0.1", "a@example.com")
            await two.failed("10.0.0.1", "A@example.com")
            account = [await t.retry_after("10.0.0.1", "a@example.com") for t in (one, two)]
            # A third email from the same IP reaches the per-IP limit of 3, seen by both.
            await two.failed("10.0.0.1", "b@example.com")
            ip = [await t.retry_after("10.0.0.1", "c@example.com") for t in (one, two)]
            other_ip = await one.retry_after("10.0.0.2", "a@example.com")
            return account, ip, other_ip
        finally:
            for store in stores:
                await store.aclose()

    account, ip, other_ip = asyncio.run(scenario())
    assert all(1 <= wait <= 300 for wait in account), account
    assert all(1 <= wait <= 300 for wait in ip), ip
    assert other_ip == 0
