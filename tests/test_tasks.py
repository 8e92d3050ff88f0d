"""A stopping server never waits forever on its background work."""

from __future__ import annotations

import asyncio

import pytest

from calgate import tasks


def test_stop_does_not_wait_forever_on_a_task_that_ignores_cancellation(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(tasks, "STOP_GRACE_S", 0.1)

    async def scenario() -> bool:
        swallowed = asyncio.Event()

        async def stubborn() -> None:
            # Swallows the first cancellation, as a library caught mid-I/O may.
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                swallowed.set()
            await asyncio.Event().wait()

        task = asyncio.create_task(stubborn())
        await asyncio.sleep(0)
        await tasks.cancel_and_wait([task], "stubborn work")
        still_running = not task.done() and swallowed.is_set()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return still_running

    assert asyncio.run(scenario())
    assert "did not stop" in caplog.text


def test_a_clean_up_step_that_hangs_is_given_up(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(tasks, "STOP_GRACE_S", 0.1)
    asyncio.run(tasks.bounded(asyncio.Event().wait(), "handing back rows"))
    assert "handing back rows did not complete" in caplog.text
