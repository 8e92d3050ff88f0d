"""What one delivery attempt means, for every outbox: the HTTP call and its classification,
the delivery states, and the retry schedule (CALGATE_WEBHOOK_MAX_ATTEMPTS, _BACKOFF_*)."""

from __future__ import annotations

import email.utils
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import httpx2

from calgate.config import Settings
from calgate.net import ssrf
from calgate.store.models import utcnow

log = logging.getLogger("calgate.webhooks")

RETRYABLE_STATUS = frozenset({408, 425, 429})
_EXCERPT = 1024
_random = secrets.SystemRandom()


class DeliveryStatus(StrEnum):
    """An outbox row's state; the stored values are these strings."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    retryable: bool = False
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def backoff(settings: Settings, round_attempt: int) -> float:
    """Exponential backoff with jitter: base * 2^(n-1), capped, scaled by [0.5, 1)."""
    exponent = min(max(round_attempt - 1, 0), 64)
    delay = min(settings.webhook_backoff_max, settings.webhook_backoff_base * 2**exponent)
    return float(delay * (0.5 + _random.random() / 2))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value[:9]))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


async def post(client: httpx2.AsyncClient, request: httpx2.Request) -> Outcome:
    """Send one delivery and classify the answer: what a 2xx, a redirect, a 429 or 5xx, a
    timeout or a refused address mean for retrying is the same for every kind of webhook."""
    try:
        response = await client.send(request, stream=True)
        try:
            excerpt = await read_excerpt(response)
        finally:
            await response.aclose()
    except ssrf.RefusedTarget as exc:
        return Outcome(error=f"refused: {exc}")
    except httpx2.TimeoutException as exc:
        return Outcome(error=f"timeout: {type(exc).__name__}", retryable=True)
    except (httpx2.HTTPError, OSError) as exc:
        return Outcome(error=f"network error: {type(exc).__name__}: {exc}", retryable=True)
    except Exception as exc:
        # Anything else is a defect to look at, but it must still end as a recorded attempt:
        # an exception escaping here would leave the row to be claimed again forever.
        log.exception("delivery to %s failed unexpectedly", request.url.host)
        return Outcome(error=f"unexpected error: {type(exc).__name__}: {exc}")
    code = response.status_code
    retryable = code >= 500 or code in RETRYABLE_STATUS
    retry_after = None
    if code in (429, 503):
        retry_after = parse_retry_after(response.headers.get("Retry-After"), utcnow())
    error = None
    if not 200 <= code < 300:
        error = "redirect not followed" if 300 <= code < 400 else f"HTTP {code}"
    return Outcome(code, error, excerpt, retryable, retry_after)


def next_state(
    settings: Settings, outcome: Outcome, attempt: int, now: datetime
) -> dict[str, object]:
    """Column values after an attempt: delivered, pending again after a backoff, or dead."""
    values: dict[str, object] = {
        "locked_until": None,
        "locked_by": None,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    if outcome.ok:
        values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif outcome.retryable and attempt < settings.webhook_max_attempts:
        delay = backoff(settings, attempt)
        if outcome.retry_after is not None:
            delay = min(outcome.retry_after, settings.webhook_backoff_max)
        values.update(status=DeliveryStatus.PENDING, not_before=now + timedelta(seconds=delay))
    else:
        values.update(status=DeliveryStatus.DEAD)
    return values


async def read_excerpt(response: httpx2.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= _EXCERPT:
            break
    return b"".join(chunks)[:_EXCERPT].decode("utf-8", "replace")
