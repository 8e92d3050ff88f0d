"""A stopping outbox loop is not held up by a send that swallowed its cancellation."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest

from calgate import tasks
from calgate.config import Settings
from calgate.email import messages
from calgate.store.db import Database
from calgate.store.models import OutboundMessage
from calgate.webhooks.delivery import Outcome
from calgate.webhooks.dispatcher import Dispatcher
from calgate.webhooks.mail import Claimed, MessageTable
from tests.conftest import TEST_SECRET


class SwallowingTable(MessageTable):
    """The real message table, sending as a library caught mid-exchange may: the stop's
    cancel is turned into a failed send (aiosmtplib did so while calgate stopped)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, None)
        self.sending = asyncio.Event()

    async def send(self, item: Claimed) -> Outcome:
        self.sending.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            return Outcome(error="SMTPServerDisconnected: the exchange was interrupted")
        return Outcome(status_code=250)


async def _queue_one(db: Database) -> None:
    """One email due now, in the outbox."""
    async with db.transaction() as session:
        messages.queue(
            session,
            channel="email",
            kind="booking",
            recipient="ada@example.com",
            content=messages.Content(subject="s", text="t"),
        )


def test_stop_hands_back_a_send_that_swallowed_the_cancel(
    db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Before the fix the loop waited for a recorder that was cancelled too: the whole grace.
    monkeypatch.setattr(tasks, "STOP_GRACE_S", 3.0)
    settings = Settings(database_url=db_url, secret_key=TEST_SECRET, smtp_url="smtp://127.0.0.1:9")

    async def scenario() -> OutboundMessage | None:
        db = Database(db_url)
        try:
            await _queue_one(db)
            table = SwallowingTable(settings)
            dispatcher = Dispatcher(db, table, settings, name="message")
            await dispatcher.start()
            await asyncio.wait_for(table.sending.wait(), 10)
            await dispatcher.stop()
            async with db.session() as session:
                return await session.get(OutboundMessage, 1)
        finally:
            await db.dispose()

    with caplog.at_level(logging.WARNING, logger="calgate.tasks"):
        row = asyncio.run(scenario())
    assert not [r for r in caplog.records if "did not stop" in r.getMessage()]
    # Handed back unsettled at once: sent again by the next loop, not lost.
    assert row is not None
    assert (row.status, row.locked_by, row.attempts) == ("pending", None, 1)


@pytest.mark.sqlite_only
def test_a_stop_while_the_claim_waits_for_the_write_lock_leaves_no_lock_behind(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stop lets the claim under way finish rather than cancel it inside its transaction
    # (tasks.finish_or_cancel), then hands the claimed row back; no connection is left
    # holding SQLite's write lock for the process's later writes to wait on.
    monkeypatch.setattr(tasks, "STOP_GRACE_S", 3.0)
    settings = Settings(database_url=db_url, secret_key=TEST_SECRET, smtp_url="smtp://127.0.0.1:9")
    path = db_url.removeprefix("sqlite:///")

    async def scenario() -> OutboundMessage | None:
        db = Database(db_url)
        try:
            await _queue_one(db)
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            dispatcher = Dispatcher(db, MessageTable(settings, None), settings, name="message")
            await dispatcher.start()
            await asyncio.sleep(0.5)  # the claim found the row and waits for the lock
            stopping = asyncio.create_task(dispatcher.stop())
            await asyncio.sleep(0.3)
            other.execute("COMMIT")
            other.close()
            await asyncio.wait_for(stopping, 10)
            async with db.session() as session:
                return await session.get(OutboundMessage, 1)
        finally:
            await db.dispose()

    row = asyncio.run(scenario())
    # Nothing holds the lock: another writer gets it at once.
    after = sqlite3.connect(path, isolation_level=None, timeout=2)
    after.execute("BEGIN IMMEDIATE")
    after.execute("COMMIT")
    after.close()
    # Claimed as the stop came, never sent, handed back.
    assert row is not None
    assert (row.status, row.locked_by) == ("pending", None)
