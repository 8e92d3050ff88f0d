"""Per-gateway-key rate limit, counted in the process's rate-limit store (web.ratelimit).

With the default memory store each process counts for itself; with Redis
(CALGATE_RATE_LIMIT_STORAGE) every gateway process sharing it shares each key's count.
"""

from __future__ import annotations

from limits import RateLimitItem, RateLimitItemPerSecond

from calgate.errors import TooManyRequests
from calgate.gateway.config import RateLimit
from calgate.web.ratelimit import RateLimitStore


def _item(limit: RateLimit) -> RateLimitItem:
    # RateLimit allows seconds, minutes, hours and days: all whole seconds.
    return RateLimitItemPerSecond(limit.requests, int(limit.period_s))


class RateLimiter:
    def __init__(self, limit: RateLimit, store: RateLimitStore | None = None) -> None:
        self.limit = limit
        self._item = _item(limit)
        self._store = store or RateLimitStore()

    async def hit(self, key_id: int) -> None:
        """Count one call for this key or raise TooManyRequests with a Retry-After."""
        verdict = await self._store.hit(self._item, "gateway_key", str(key_id))
        if not verdict.allowed:
            retry = verdict.retry_after
            raise TooManyRequests(
                f"Rate limit exceeded ({self.limit.requests} requests per "
                f"{self.limit.period_s:g} s per gateway key); retry in {retry} s",
                retry_after=retry,
            )
