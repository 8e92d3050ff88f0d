"""The outbox delivery loop, shared by user webhooks and gateway events.

A `Dispatcher` runs one outbox `Table` in the current event loop: it claims due rows with a
lease, sends them with bounded concurrency, and hands the outcomes to one recorder that writes
them in batches. Claiming is safe across processes: PostgreSQL takes rows with
`FOR UPDATE SKIP LOCKED`, SQLite serialises claims with `BEGIN IMMEDIATE`; either way a claimed
row gets a lease (`locked_until`), and a row whose worker died comes back once the lease
expires. Delivery is at least once: a row is settled only by the worker holding its lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.config import Settings
from calgate.store.db import Database
from calgate.store.models import (
    CalendarWrite,
    GatewayEvent,
    OutboundMessage,
    WebhookDelivery,
    utcnow,
)
from calgate.tasks import bounded, cancel_and_wait, finish_or_cancel
from calgate.webhooks import outbox
from calgate.webhooks.delivery import DeliveryStatus, Outcome

log = logging.getLogger("calgate.webhooks")

T = TypeVar("T")
Row = type[WebhookDelivery] | type[GatewayEvent] | type[CalendarWrite] | type[OutboundMessage]


@dataclass(frozen=True)
class Result(Generic[T]):
    item: T
    outcome: Outcome
    started: datetime
    duration_ms: int


class Table(Protocol[T]):
    """One outbox table, as the loop sees it. The loop owns the transactions: it hands
    `claim` and `record` a session in a write transaction (`BEGIN IMMEDIATE` on SQLite)."""

    @property
    def row(self) -> Row:
        """The outbox model: its status, not_before, locked_until and locked_by columns."""
        ...

    async def claim(self, session: AsyncSession, ids: list[int], lease: Lease) -> list[T]:
        """Lease these due rows, already locked (the oldest first, skipping others' rows)."""
        ...

    async def send(self, item: T) -> Outcome:
        """One attempt; never raises for a failed delivery, the outcome says it."""
        ...

    async def record(
        self, session: AsyncSession, result: Result[T], worker: str, now: datetime
    ) -> None:
        """Settle one attempt (see `settle`): only a row `worker` still holds."""
        ...


@dataclass(frozen=True)
class Lease:
    worker: str
    until: datetime


def due(row: Row, now: datetime) -> ColumnElement[bool]:
    return and_(
        row.status == DeliveryStatus.PENDING,
        row.not_before <= now,
        or_(row.locked_until.is_(None), row.locked_until < now),
    )


async def take(
    session: AsyncSession, row: Row, ids: list[int], lease: Lease, **more: object
) -> None:
    """Lease these rows to `lease`'s worker and count the attempt (`more`: a table's own)."""
    await session.execute(
        update(row)
        .where(row.id.in_(ids))
        .values(locked_until=lease.until, locked_by=lease.worker, attempts=row.attempts + 1, **more)
    )


async def settle(
    session: AsyncSession, row: Row, row_id: int, worker: str, values: dict[str, object]
) -> None:
    """Write an attempt's outcome, unless the lease was lost (the row is someone else's now)."""
    await session.execute(
        update(row)
        .where(row.id == row_id, row.locked_by == worker, row.status == DeliveryStatus.PENDING)
        .values(**values)
    )


@dataclass(frozen=True)
class _Recorded(Generic[T]):
    result: Result[T]
    done: asyncio.Future[None]


class Dispatcher(Generic[T]):
    """Runs delivery of one table in the current event loop until stopped.

    Concurrency, poll interval and lease come from the webhook settings
    (CALGATE_WEBHOOK_CONCURRENCY, _POLL_INTERVAL, _TIMEOUT).
    """

    def __init__(
        self,
        db: Database,
        table: Table[T],
        settings: Settings,
        *,
        name: str,
        aclose: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.table = table
        self.settings = settings
        self.name = name
        # Run once stopped, after the leases went back: closes what the table was built with.
        self._aclose = aclose
        self.worker_id = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Whether this dispatcher ever leased rows: a stop with none hands nothing back (no
        # write transaction at every shutdown).
        self._leased = False
        # Outcomes are written by one recorder in batches (group commit): on SQLite one write
        # transaction per delivery would make the write lock the bottleneck.
        self._results: asyncio.Queue[_Recorded[T] | None] = asyncio.Queue()
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
        outbox.add_waker(self._waker)
        self._task = asyncio.create_task(self._run(), name=f"calgate-{self.name}-dispatcher")
        self._recorder = asyncio.create_task(
            self._record_loop(), name=f"calgate-{self.name}-recorder"
        )

    async def stop(self) -> None:
        self._stopping = True
        outbox.remove_waker(self._waker)
        self._wake.set()
        # The claim loop ends at its next turn and the recorder once it has written what is
        # queued: neither is cancelled in the middle of a transaction (tasks.finish_or_cancel
        # says why). Sends under way are cancelled: their rows go back unsettled.
        if self._task is not None:
            await finish_or_cancel([self._task], f"{self.name} dispatcher")
        await cancel_and_wait(list(self._inflight), f"{self.name} deliveries")
        self._inflight.clear()
        if self._recorder is not None:
            self._results.put_nowait(None)
            await finish_or_cancel([self._recorder], f"{self.name} recorder")
        await bounded(self._release(), f"{self.name}: handing back leased rows")
        if self._aclose is not None:
            aclose, self._aclose = self._aclose, None
            await bounded(aclose(), f"{self.name}: closing its client")

    async def run_until(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()

    async def _run(self) -> None:
        concurrency = self.settings.webhook_concurrency
        while not self._stopping:
            self._wake.clear()
            free = concurrency - len(self._inflight)
            claimed: list[T] = []
            # Claim in batches: while deliveries are in flight, wait for half the slots to free.
            batch = max(1, concurrency // 2)
            if free > 0 and (not self._inflight or free >= batch):
                try:
                    claimed = await self._claim(free)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s claim failed", self.name)
            if self._stopping:
                # Claimed as the stop came: _release hands these rows back.
                return
            for item in claimed:
                name = f"calgate-{self.name}-delivery"
                task = asyncio.create_task(self._deliver(item), name=name)
                self._inflight.add(task)
                task.add_done_callback(self._done)
            if claimed and len(claimed) == free:
                await asyncio.sleep(0)
                if len(self._inflight) < concurrency:
                    continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.webhook_poll_interval)

    async def _claim(self, limit: int) -> list[T]:
        row = self.table.row
        now = utcnow()
        async with self.db.session() as session:
            # A cheap read first, so idle polling never takes SQLite's write lock.
            found = await session.execute(select(row.id).where(due(row, now)).limit(1))
            if found.first() is None:
                return []
        lease = Lease(self.worker_id, now + self.lease)
        query = (
            select(row.id)
            .where(due(row, now))
            .order_by(row.not_before, row.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=row)
        )
        self._leased = True
        async with self.db.transaction() as session:
            ids = list((await session.execute(query)).scalars())
            return await self.table.claim(session, ids, lease) if ids else []

    async def _record(self, results: list[Result[T]]) -> None:
        now = utcnow()
        async with self.db.transaction() as session:
            for result in results:
                await self.table.record(session, result, self.worker_id, now)

    async def _release(self) -> None:
        """On a clean stop, hand our unsettled rows back at once instead of at lease expiry."""
        if not self._leased:
            return
        row = self.table.row
        async with self.db.transaction() as session:
            await session.execute(
                update(row)
                .where(row.locked_by == self.worker_id, row.status == DeliveryStatus.PENDING)
                .values(locked_until=None, locked_by=None)
            )

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        if not self._stopping:
            self._wake.set()

    async def _deliver(self, item: T) -> None:
        started = utcnow()
        t0 = time.monotonic()
        outcome = await self.table.send(item)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # The stop's cancel arrived during the send and a library swallowed it (aiosmtplib
            # turns a cancelled SMTP exchange into its own error): the stop is not waiting
            # for this outcome. The row goes back unsettled, to be sent again: at least once,
            # never lost.
            raise asyncio.CancelledError
        duration_ms = int((time.monotonic() - t0) * 1000)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._results.put(_Recorded(Result(item, outcome, started, duration_ms), done))
        # The slot stays taken until the outcome is written, so claims never outrun records.
        await done

    async def _record_loop(self) -> None:
        """Writes outcomes in batches until stop() queues None."""
        while True:
            queued = [await self._results.get()]
            while not self._results.empty() and len(queued) < 500:
                queued.append(self._results.get_nowait())
            batch = [r for r in queued if r is not None]
            try:
                if batch:
                    await self._record([r.result for r in batch])
            except asyncio.CancelledError:
                raise
            except Exception:
                # The leases run out and the rows are tried again: at least once, never lost.
                log.exception("recording %d %s deliveries failed", len(batch), self.name)
            for r in batch:
                if not r.done.done():
                    r.done.set_result(None)
            if None in queued:
                return
