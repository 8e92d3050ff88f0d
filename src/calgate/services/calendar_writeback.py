"""Write-back delivery: the calendar_writes outbox on the shared loop (webhooks.dispatcher).

Each row puts or deletes one booking's event on its CalDAV server. A failure (server down,
slow, refusing) leaves the row pending with a growing delay, so the write happens once the
server is back; after MAX_ATTEMPTS it is given up as dead and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
import httpx2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.calendars.caldav import CalDAVClient, CalDAVError
from calgate.calendars.http import calendar_client
from calgate.calendars.outbox import DELETE
from calgate.config import Settings
from calgate.services.calendars import Sealer, password_context
from calgate.store.db import Database
from calgate.store.models import Calendar, CalendarCredential, CalendarWrite
from calgate.webhooks.delivery import DeliveryStatus, Outcome
from calgate.webhooks.dispatcher import Dispatcher, Lease, Result, settle, take

log = logging.getLogger("calgate.calendars")

# About two days of retries at the capped delay: long enough to ride out an outage.
MAX_ATTEMPTS = 50
MAX_DELAY = timedelta(hours=1)


@dataclass(frozen=True)
class Write:
    id: int
    op: str
    uid: str
    body: str | None
    calendar_url: str
    server_url: str
    username: str
    password_enc: str
    credential_id: int
    attempt: int


class CalendarWriteTable:
    row = CalendarWrite

    def __init__(self, settings: Settings, keyring: Sealer, client: httpx2.AsyncClient) -> None:
        self.settings = settings
        self.keyring = keyring
        self.client = client

    async def claim(self, session: AsyncSession, ids: list[int], lease: Lease) -> list[Write]:
        await take(session, CalendarWrite, ids, lease)
        rows = (
            await session.execute(
                select(CalendarWrite, Calendar, CalendarCredential)
                .join(Calendar, Calendar.id == CalendarWrite.calendar_id)
                .join(CalendarCredential, CalendarCredential.id == Calendar.credential_id)
                .where(CalendarWrite.id.in_(ids))
                .order_by(CalendarWrite.id)
                .execution_options(populate_existing=True)
            )
        ).all()
        return [
            Write(
                id=w.id,
                op=w.op,
                uid=w.booking_uid,
                body=w.body,
                calendar_url=c.external_id,
                server_url=cred.server_url or "",
                username=cred.username or "",
                password_enc=cred.password_enc or "",
                credential_id=cred.id,
                attempt=w.attempts,
            )
            for w, c, cred in rows
        ]

    async def send(self, item: Write) -> Outcome:
        try:
            password = self.keyring.decrypt(item.password_enc, password_context(item.credential_id))
            dav = CalDAVClient(self.client, item.server_url, item.username, password)
            with anyio.fail_after(self.settings.calendar_timeout):
                if item.op == DELETE:
                    await dav.delete_event(item.calendar_url, item.uid)
                else:
                    await dav.put_event(item.calendar_url, item.uid, (item.body or "").encode())
        except TimeoutError:
            return Outcome(error="the calendar server timed out")
        except CalDAVError as exc:
            return Outcome(error=str(exc))
        except Exception as exc:  # a write must never kill the loop; the row is retried
            return Outcome(error=f"{type(exc).__name__}: {exc}")
        return Outcome(status_code=200)

    async def record(
        self, session: AsyncSession, result: Result[Write], worker: str, now: datetime
    ) -> None:
        item, outcome = result.item, result.outcome
        values: dict[str, object] = {"locked_until": None, "locked_by": None}
        if outcome.error is None:
            values.update(status=DeliveryStatus.DELIVERED, last_error=None)
        elif item.attempt >= MAX_ATTEMPTS:
            log.error(
                "calendar write %d (%s %s) given up: %s", item.id, item.op, item.uid, outcome.error
            )
            values.update(status=DeliveryStatus.DEAD, last_error=outcome.error)
        else:
            delay = min(timedelta(seconds=2 ** min(item.attempt, 12)), MAX_DELAY)
            values.update(not_before=now + delay, last_error=outcome.error)
        await settle(session, CalendarWrite, item.id, worker, values)


def calendar_write_dispatcher(
    db: Database, settings: Settings, keyring: Sealer
) -> Dispatcher[Write]:
    """The write-back dispatcher, with its own guarded calendar client (closed on stop)."""
    http = calendar_client(settings)
    return Dispatcher(
        db,
        CalendarWriteTable(settings, keyring, http),
        settings,
        name="calendar-writes",
        aclose=http.aclose,
    )
