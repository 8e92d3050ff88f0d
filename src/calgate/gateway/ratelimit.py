"""Per-gateway-key token bucket, in process memory (one bucket set per worker process)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from calgate.errors import TooManyRequests
from calgate.gateway.config import RateLimit


class RateLimiter:
    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._rate = limit.requests / limit.period_s
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}

    def hit(self, key_id: int) -> None:
        """Take one token for this key or raise TooManyRequests with a Retry-After."""
        now = self._clock()
        tokens, stamp = self._buckets.get(key_id, (float(self.limit.requests), now))
        tokens = min(float(self.limit.requests), tokens + (now - stamp) * self._rate)
        if tokens < 1.0:
            self._buckets[key_id] = (tokens, now)
            retry = max(1, math.ceil((1.0 - tokens) / self._rate))
            raise TooManyRequests(
                f"Rate limit exceeded ({self.limit.requests} requests per "
                f"{self.limit.period_s:g} s per gateway key); retry in {retry} s",
                retry_after=retry,
            )
        self._buckets[key_id] = (tokens - 1.0, now)
