"""Write-back delivery: the calendar_writes outbox on the shared loop (webhooks.dispatcher).

Each row puts or deletes one event resource on its CalDAV server: a booking's, or a recurring
series' (calendars.outbox). A failure (server down,
slow, refusing) leaves the row pending with a growing delay, so the write happens once the
server is back; after MAX_ATTEMPTS it is given up as dead and logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
import httpx2
from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from calgate.calendars import ics
from calgate.calendars.caldav import CalDAVClient, CalDAVError, UidConflict
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
        ids = await _in_turn(session, ids)
        if not ids:
            return []
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
                    await _put(dav, item)
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


async def _in_turn(session: AsyncSession, ids: list[int]) -> list[int]:
    """The rows no earlier write of the same event is still waiting before. The loop delivers
    side by side, and a later write overtaken by an earlier one leaves the event stale (a
    cancelled meeting back in the calendar, a seat missing), so one event's writes go out one
    at a time, in order. A row left waiting is moved behind its predecessor's next attempt:
    rows stuck behind a server that is down don't take the claims of other calendars'."""
    earlier = aliased(CalendarWrite)
    waiting = await session.execute(
        select(CalendarWrite.id, func.max(earlier.not_before))
        .join(
            earlier,
            and_(
                earlier.calendar_id == CalendarWrite.calendar_id,
                earlier.booking_uid == CalendarWrite.booking_uid,
                earlier.id < CalendarWrite.id,
                earlier.status == DeliveryStatus.PENDING,
            ),
        )
        .where(CalendarWrite.id.in_(ids))
        .group_by(CalendarWrite.id)
    )
    held = set()
    for row_id, after in waiting.all():
        held.add(row_id)
        await session.execute(
            update(CalendarWrite)
            .where(CalendarWrite.id == row_id, CalendarWrite.not_before < after)
            .values(not_before=after)
        )
    return [i for i in ids if i not in held]


async def _put(dav: CalDAVClient, item: Write) -> None:
    """PUT the event at `<booking uid>.ics` (a series': `<recurring booking uid>.ics`). A
    server that refuses it for its UID holds the meeting elsewhere or holds another UID here;
    either way that copy is replaced, so the calendar keeps one event per meeting:
    - this resource was written before events carried the meeting's UID (the booking uid was
      its UID): a PUT may not change a resource's UID, so it is deleted and written again;
    - another resource has the meeting's UID: the booking this one was rescheduled from (its
      own delete is queued beside this write and may come second), a series' first
      occurrence written on its own before (its delete likewise), or the emailed invite a
      calendar client filed in this calendar first."""
    body = (item.body or "").encode()
    try:
        await dav.put_event(item.calendar_url, item.uid, body)
        return
    except UidConflict:
        pass
    await dav.delete_event(item.calendar_url, item.uid)
    for uid in _uids(body):
        held = await dav.find_event(item.calendar_url, uid)
        if held is not None:
            await dav.remove_event(held)
    await dav.put_event(item.calendar_url, item.uid, body)


def _uids(body: bytes) -> set[str]:
    try:
        cal = ics.parse(body)
    except ics.InvalidCalendar:
        return set()
    return {str(event["UID"]) for event in cal.walk("VEVENT") if "UID" in event}


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
