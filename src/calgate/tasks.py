"""Periodic background work of a server process (e.g. purging expired slot reservations).

Started and stopped by the composition root. `tick` runs the work once, which is also how
tests drive it without waiting on the clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

log = logging.getLogger("calgate.tasks")


class Periodic:
    def __init__(self, name: str, interval_s: float, work: Callable[[], Awaitable[object]]) -> None:
        self.name = name
        self.interval_s = interval_s
        self._work = work
        self._task: asyncio.Task[None] | None = None
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
            await asyncio.sleep(self.interval_s)
            await self.tick()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
