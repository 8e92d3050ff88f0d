"""The delivery worker: claim due outbox rows, POST them signed, record the outcome.

Claiming is safe across processes: PostgreSQL takes rows with `FOR UPDATE SKIP LOCKED`,
SQLite serialises claims with `BEGIN IMMEDIATE`; either way a claimed row gets a lease
(`locked_until`), and a row whose worker died comes back once the lease expires. Delivery is
at least once; every request carries the row's stable event id for de-duplication.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import os
import secrets
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx2
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calgate import __version__
from calgate.config import Settings
from calgate.net import ssrf
from calgate.net.transport import guarded_client
from calgate.store.db import Database
from calgate.store.models import Webhook, WebhookAttempt, WebhookDelivery, utcnow
from calgate.webhooks import outbox, signing

log = logging.getLogger("calgate.webhooks")

WEBHOOK_ALLOW_PRIVATE = "CALGATE_WEBHOOK_ALLOW_PRIVATE"

EVENT_ID_HEADER = "X-Calgate-Event-Id"
RETRYABLE_STATUS = frozenset({408, 425, 429})
_EXCERPT = 1024
_random = secrets.SystemRandom()


@dataclass(frozen=True)
class Claimed:
    id: int
    event_id: str
    trigger: str
    body: str
    content_type: str
    attempt: int
    round_attempt: int
    created_at: datetime
    url: str
    secret: str | None
    active: bool


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


@dataclass(frozen=True)
class Result:
    item: Claimed
    outcome: Outcome
    started: datetime
    duration_ms: int
    done: asyncio.Future[None]


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


def new_client(settings: Settings) -> httpx2.AsyncClient:
    """The client for subscriber URLs (user webhooks and gateway events): every request passes
    the SSRF guard, private targets only with CALGATE_WEBHOOK_ALLOW_PRIVATE, no redirects."""
    return guarded_client(
        timeout=httpx2.Timeout(settings.webhook_timeout),
        max_connections=max(settings.webhook_concurrency, 1),
        allow_private=settings.webhook_allow_private,
        setting=WEBHOOK_ALLOW_PRIVATE,
    )


class Dispatcher:
    """Runs delivery in the current event loop until stopped."""

    def __init__(
        self, db: Database, settings: Settings, *, client: httpx2.AsyncClient | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.worker_id = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._client = client
        self._owns_client = client is None
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Outcomes are written by one recorder in batches (group commit): on SQLite one write
        # transaction per delivery would make the write lock the bottleneck.
        self._results: asyncio.Queue[Result] = asyncio.Queue()
        self._recorder: asyncio.Task[None] | None = None

    @property
    def lease(self) -> timedelta:
        # Longer than any one attempt can take; a crashed worker's rows return after it.
        t = self.settings.webhook_timeout
        return timedelta(seconds=max(2 * t, t + 5))

    def _waker(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._client is None:
            self._client = new_client(self.settings)
        outbox.add_waker(self._waker)
        self._task = asyncio.create_task(self._run(), name="calgate-webhook-dispatcher")
        self._recorder = asyncio.create_task(self._record_loop(), name="calgate-webhook-recorder")

    async def stop(self) -> None:
        self._stopping = True
        outbox.remove_waker(self._waker)
        self._wake.set()
        tasks = [t for t in (self._task, *self._inflight, self._recorder) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._inflight.clear()
        with contextlib.suppress(Exception):
            await self._release_leases()
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run_until(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            free = self.settings.webhook_concurrency - len(self._inflight)
            claimed: list[Claimed] = []
            # Claim in batches: while deliveries are in flight, wait for half the slots to free.
            batch = max(1, self.settings.webhook_concurrency // 2)
            if free > 0 and (not self._inflight or free >= batch):
                try:
                    claimed = await self.claim(free)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("webhook claim failed")
            for item in claimed:
                task = asyncio.create_task(self._deliver_and_record(item))
                self._inflight.add(task)
                task.add_done_callback(self._done)
            if claimed and len(claimed) == free:
                await asyncio.sleep(0)
                if len(self._inflight) < self.settings.webhook_concurrency:
                    continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.webhook_poll_interval)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        if not self._stopping:
            self._wake.set()

    def _due(self, now: datetime) -> ColumnElement[bool]:
        return and_(
            WebhookDelivery.status == "pending",
            WebhookDelivery.not_before <= now,
            or_(WebhookDelivery.locked_until.is_(None), WebhookDelivery.locked_until < now),
        )

    async def claim(self, limit: int) -> list[Claimed]:
        now = utcnow()
        async with self.db.session() as session:
            # A cheap read first, so idle polling never takes SQLite's write lock.
            due = (
                await session.execute(select(WebhookDelivery.id).where(self._due(now)).limit(1))
            ).first()
        if due is None:
            return []
        async with self.db.transaction(immediate=True) as session:
            ids = list(
                (
                    await session.execute(
                        select(WebhookDelivery.id)
                        .where(self._due(now))
                        .order_by(WebhookDelivery.not_before, WebhookDelivery.id)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            if not ids:
                return []
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(ids))
                .values(
                    locked_until=now + self.lease,
                    locked_by=self.worker_id,
                    attempts=WebhookDelivery.attempts + 1,
                    round_attempts=WebhookDelivery.round_attempts + 1,
                )
            )
            rows = (
                await session.execute(
                    select(WebhookDelivery, Webhook)
                    .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                    .where(WebhookDelivery.id.in_(ids))
                    .execution_options(populate_existing=True)
                )
            ).all()
            return [
                Claimed(
                    id=d.id,
                    event_id=d.event_id,
                    trigger=d.trigger,
                    body=d.body,
                    content_type=d.content_type,
                    attempt=d.attempts,
                    round_attempt=d.round_attempts,
                    created_at=d.created_at,
                    url=w.subscriber_url,
                    secret=w.secret,
                    active=w.active,
                )
                for d, w in rows
            ]

    async def _deliver_and_record(self, item: Claimed) -> None:
        started = utcnow()
        t0 = time.monotonic()
        if not item.active:
            outcome = Outcome(error="webhook is inactive")
        else:
            outcome = await self.send(item)
        duration_ms = int((time.monotonic() - t0) * 1000)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._results.put(Result(item, outcome, started, duration_ms, done))
        await done

    async def _record_loop(self) -> None:
        while True:
            batch = [await self._results.get()]
            while not self._results.empty() and len(batch) < 500:
                batch.append(self._results.get_nowait())
            try:
                await self.record_many(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The leases run out and the rows are tried again: at least once, never lost.
                log.exception("recording %d webhook deliveries failed", len(batch))
            for result in batch:
                if not result.done.done():
                    result.done.set_result(None)

    async def send(self, item: Claimed) -> Outcome:
        if self._client is None:
            raise RuntimeError("dispatcher not started")
        headers = {
            "Content-Type": item.content_type,
            signing.SIGNATURE_HEADER: signing.sign(item.secret, item.body),
            EVENT_ID_HEADER: item.event_id,
            "webhook-id": item.event_id,
            "X-Calgate-Trigger": item.trigger,
            "X-Calgate-Delivery-Attempt": str(item.attempt),
            "User-Agent": f"calgate-webhooks/{__version__}",
        }
        request = self._client.build_request(
            "POST", item.url, content=item.body.encode(), headers=headers
        )
        return await post(self._client, request)

    async def record_many(self, batch: list[Result]) -> None:
        async with self.db.transaction(immediate=True) as session:
            for r in batch:
                await self._record_in(session, r.item, r.outcome, r.started, r.duration_ms)

    async def _record_in(
        self,
        session: AsyncSession,
        item: Claimed,
        outcome: Outcome,
        started: datetime,
        duration_ms: int,
    ) -> None:
        values = next_state(self.settings, outcome, item.round_attempt, utcnow())
        if not outcome.ok and not item.active:
            values["status"] = "cancelled"
        session.add(
            WebhookAttempt(
                delivery_id=item.id,
                attempt=item.attempt,
                started_at=started,
                duration_ms=duration_ms,
                status_code=outcome.status_code,
                error=outcome.error,
                response_excerpt=outcome.excerpt,
            )
        )
        await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == item.id,
                WebhookDelivery.locked_by == self.worker_id,
                WebhookDelivery.status == "pending",
            )
            .values(**values)
        )

    async def _release_leases(self) -> None:
        """On a clean stop, hand our unfinished rows back at once instead of at lease expiry."""
        async with self.db.transaction(immediate=True) as session:
            await session.execute(
                update(WebhookDelivery)
                .where(
                    and_(
                        WebhookDelivery.locked_by == self.worker_id,
                        WebhookDelivery.status == "pending",
                    )
                )
                .values(locked_until=None, locked_by=None)
            )


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
        values.update(status="delivered", delivered_at=now)
    elif outcome.retryable and attempt < settings.webhook_max_attempts:
        delay = backoff(settings, attempt)
        if outcome.retry_after is not None:
            delay = min(outcome.retry_after, settings.webhook_backoff_max)
        values.update(status="pending", not_before=now + timedelta(seconds=delay))
    else:
        values.update(status="dead")
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


async def run_forever(settings: Settings) -> None:
    """`calgate worker`: deliver until SIGINT/SIGTERM, then stop cleanly."""
    import signal

    db = Database(settings.database_url, pool_size=max(2, settings.webhook_concurrency // 4))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await Dispatcher(db, settings).run_until(stop)
    finally:
        await db.dispose()
