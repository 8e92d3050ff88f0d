"""Periodic background work of a server process (e.g. purging expired slot reservations).

Started and stopped by the composition root. `tick` runs the work once, which is also how
tests drive it without waiting on the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("calgate.tasks")

# How long a stopping server waits for its background work to wind down. A task that ignores
# its cancellation (a library mid-I/O that swallows it) or a clean-up blocked by the database
# must not hold the process's shutdown forever: work left undone is leased, and another
# worker takes it over once the lease runs out.
STOP_GRACE_S = 10.0


async def cancel_and_wait(tasks: list[asyncio.Task[None]], what: str) -> None:
    """Cancel ``tasks`` and wait for them, at most STOP_GRACE_S."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=STOP_GRACE_S)
    for task in pending:
        # Where it is stuck, for whoever reads the log: the one clue a hung shutdown leaves.
        where = io.StringIO()
        task.print_stack(limit=8, file=where)
        log.warning("%s did not stop within %.0f s\n%s", what, STOP_GRACE_S, where.getvalue())


async def finish_or_cancel(tasks: list[asyncio.Task[None]], what: str) -> None:
    """Let ``tasks``, already told to stop, finish what they are doing; cancel what is still
    running after STOP_GRACE_S.

    Database work is not cancelled midway when it can be let finish: a task cancelled while
    SQLite was still taking its write lock leaves the BEGIN IMMEDIATE to complete on
    aiosqlite's thread with nobody to end it, and the lock held until that connection dies.
    """
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=STOP_GRACE_S)
    await cancel_and_wait(list(pending), what)


async def bounded(work: Awaitable[object], what: str) -> None:
    """A clean-up step at shutdown, given at most STOP_GRACE_S; a failure is logged, not raised."""
    try:
        await asyncio.wait_for(work, STOP_GRACE_S)
    except Exception:
        log.warning("%s did not complete at shutdown", what, exc_info=True)


class Periodic:
    def __init__(self, name: str, interval_s: float, work: Callable[[], Awaitable[object]]) -> None:
        self.name = name
        self.interval_s = interval_s
        self._work = work
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.ticks = 0

    async def tick(self) -> None:
        try:
            await self._work()
        except Exception:  # one failed sweep must not end the loop; the next one retries
            log.exception("periodic task %s failed", self.name)
        self.ticks += 1

    async def _loop(self) -> None:
        # The first run waits one interval too: start-up has writes of its own to make.
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval_s)
            if self._stop.is_set():
                return
            await self.tick()

    def start(self) -> None:
        # Background tasks are named calgate-*: logs and tests tell them from requests.
        self._task = asyncio.create_task(self._loop(), name=f"calgate-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            # A sweep under way ends first (finish_or_cancel says why).
            self._stop.set()
            await finish_or_cancel([self._task], self.name)
            self._task = None
