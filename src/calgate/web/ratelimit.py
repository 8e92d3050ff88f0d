"""Rate-limit counters on the `limits` library: fixed windows, in memory or in Redis.

One store per process holds every limit (the /v2 limits per caller and the gateway's per-key
limit). In memory each process counts for itself; with Redis (``redis://...``) every process
that points at the same server and prefix shares one count. Callers are identified by what they
present, never stored raw: credentials go in as keyed hashes.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError

log = logging.getLogger("calgate.ratelimit")

MEMORY = "memory://"
_OFF = ("", "off", "none", "0")
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def parse_rate(text: str) -> RateLimitItem | None:
    """'120/minute', '120 per 30 seconds' or a bare '120' (per 60 s); None for 'off'."""
    value = text.strip()
    if value.lower() in _OFF:
        return None
    if value.isdigit():
        return RateLimitItemPerMinute(int(value))
    try:
        return parse(value)
    except ValueError as exc:
        raise ValueError(f"invalid rate limit {text!r}; expected e.g. '120/minute'") from exc


def check_storage_url(url: str) -> str:
    if url != MEMORY and not url.startswith(_REDIS_SCHEMES):
        raise ValueError(f"rate-limit storage must be {MEMORY} or redis://...; got {url!r}")
    return url


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    # Whole seconds until the window resets.
    reset_after: int

    @property
    def retry_after(self) -> int:
        return max(1, self.reset_after)

    def headers(self) -> list[tuple[str, str]]:
        """Cal.com's throttler headers (its one throttler is named "default")."""
        return [
            ("X-RateLimit-Limit-Default", str(self.limit)),
            ("X-RateLimit-Remaining-Default", str(self.remaining)),
            ("X-RateLimit-Reset-Default", str(self.reset_after)),
        ]


class RateLimitStore:
    """The process's counters. Storage is made on first use inside the running event loop
    (a Redis connection pool belongs to one loop) and dropped by ``aclose``."""

    def __init__(self, url: str = MEMORY, prefix: str = "calgate", secret: str = "") -> None:
        self.url = check_storage_url(url)
        self.prefix = prefix
        self._hash_key = hashlib.sha256(("ratelimit:" + secret).encode()).digest()
        self._storage: Storage | None = None
        self._limiter: FixedWindowRateLimiter | None = None
        self._last_failure_log = 0.0

    def _open(self) -> FixedWindowRateLimiter:
        if self._limiter is None:
            if self.url == MEMORY:
                self._storage = MemoryStorage()
            else:
                self._storage = RedisStorage(
                    "async+" + self.url,
                    implementation="redispy",
                    key_prefix=self.prefix,
                    wrap_exceptions=True,
                    socket_timeout=2.0,
                    socket_connect_timeout=2.0,
                )
            self._limiter = FixedWindowRateLimiter(self._storage)
        return self._limiter

    def identity(self, secret: str) -> str:
        """A keyed hash of a credential: the counter's name without the credential in it."""
        return hashlib.blake2b(secret.encode(), key=self._hash_key, digest_size=16).hexdigest()

    async def hit(self, item: RateLimitItem, *identifiers: str) -> Verdict:
        """Count one request against ``item`` for this caller.

        A storage that cannot be reached lets the request through (logged at most once a
        minute): a Redis outage must not take the API down with it.
        """
        return await self._ask(item, identifiers, count=True)

    async def peek(self, item: RateLimitItem, *identifiers: str) -> Verdict:
        """Where this caller stands against ``item``, without counting anything.

        ``allowed`` says whether one more hit would be within the limit."""
        return await self._ask(item, identifiers, count=False)

    async def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        """Forget this caller's count for ``item`` (a storage outage is ignored, as in hit)."""
        limiter = self._open()
        try:
            await limiter.clear(item, *self._ids(identifiers))
        except StorageError as exc:
            self._storage_failed(exc)

    def _ids(self, identifiers: tuple[str, ...]) -> tuple[str, ...]:
        # The memory storage's keys share the process; prefix them as Redis does.
        return (self.prefix, *identifiers) if self.url == MEMORY else identifiers

    async def _ask(self, item: RateLimitItem, identifiers: tuple[str, ...], count: bool) -> Verdict:
        limiter = self._open()
        ids = self._ids(identifiers)
        try:
            allowed = await (limiter.hit if count else limiter.test)(item, *ids)
            stats = await limiter.get_window_stats(item, *ids)
        except StorageError as exc:
            self._storage_failed(exc)
            return Verdict(True, item.amount, item.amount, item.get_expiry())
        reset_after = max(0, math.ceil(stats.reset_time - time.time()))
        return Verdict(allowed, item.amount, stats.remaining, reset_after)

    def _storage_failed(self, exc: StorageError) -> None:
        now = time.monotonic()
        if now - self._last_failure_log > 60:
            self._last_failure_log = now
            log.warning("rate-limit storage unavailable, not limiting: %s", exc.storage_error)

    async def aclose(self) -> None:
        storage, self._storage, self._limiter = self._storage, None, None
        if isinstance(storage, RedisStorage):
            # The redis.asyncio client the bridge made (limits offers no close of its own).
            client: Any = getattr(storage.bridge, "storage", None)
            if client is not None:
                await client.aclose()
