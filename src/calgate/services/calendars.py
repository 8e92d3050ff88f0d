"""Connected calendars: connecting ICS feeds and CalDAV accounts, choosing calendars, and
keeping each selected calendar's busy time fresh in the database.

Slot queries and booking checks read the busy time stored on the calendar rows (see
`calendar_busy`), never a calendar server: `refresh_due` reads the servers in the background,
each read bounded by CALGATE_CALENDAR_TIMEOUT, and a failed read keeps the last good busy time
and records the failure (served as a warning).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
import httpx2
from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.calendars import feed, ics
from calgate.calendars.caldav import (
    ICLOUD_URL,
    CalDAVClient,
    CalDAVError,
    RemoteCalendar,
    Unauthorized,
)
from calgate.calendars.http import calendar_client
from calgate.config import Settings
from calgate.core import Interval
from calgate.errors import BadRequest, CalgateError, NotFound
from calgate.store.db import Database
from calgate.store.models import Calendar, CalendarCredential
from calgate.tasks import Periodic

log = logging.getLogger("calgate.calendars")
T = TypeVar("T")

TABLE = "calendar_credentials"
ICS_FEED = "ics-feed"
APPLE = "apple"
CALDAV = "caldav"
# Cal.com's integration types and titles; calgate's generic CalDAV calendar follows the pattern.
INTEGRATIONS = {
    ICS_FEED: ("ics-feed_calendar", "ICS Feed"),
    APPLE: ("apple_calendar", "Apple Calendar"),
    CALDAV: ("caldav_calendar", "CalDAV Server"),
}
BY_TYPE = {kind: app for app, (kind, _) in INTEGRATIONS.items()}
# Busy time is kept from a day back to this far ahead; the booking window rarely reaches past.
PAST = timedelta(days=1)
HORIZON = timedelta(days=120)
# Seconds between the background refresher's looks for calendars due a read.
REFRESH_POLL = 5.0


class Sealer(Protocol):
    """The keyring the composition root passes (the gateway's, so rotate-secrets covers it)."""

    def encrypt(self, plaintext: str, context: str) -> str: ...

    def decrypt(self, stored: str, context: str) -> str: ...


def password_context(credential_id: int) -> str:
    return f"{TABLE}|{credential_id}|password"


# The code of the warning a response carries when a calendar's cached busy time was used.
CALENDAR_STALE = "calendar_stale"


@dataclass(frozen=True)
class CalendarBusy:
    """What the calendars add to one request: busy intervals per host, and warnings (each
    `{code, hostId, message}`, safe to show any caller: no calendar names, URLs or errors;
    those are the owner's, in the logs and GET /v2/calendars/{calendar}/check)."""

    busy: dict[int, list[Interval]]
    warnings: list[dict[str, Any]]
    # Ids of the calendars whose last read failed, for the log line.
    stale: list[int]


# -- connecting ------------------------------------------------------------------------------


async def save_ics_feeds(
    db: Database, settings: Settings, user_id: int, urls: Sequence[str], read_only: bool
) -> dict[str, Any]:
    """Reads every feed once (so a wrong URL is refused now, not at the first slot query),
    then stores them as one credential whose calendars are selected for conflicts."""
    if not urls:
        raise BadRequest("urls: at least one feed URL is required")
    now = datetime.now(UTC)
    read: list[tuple[str, feed.Feed, str | None, list[ics.Busy]]] = []
    async with calendar_client(settings) as http:
        for url in urls:
            if not url.lower().startswith(("http://", "https://", "webcal://", "webcals://")):
                raise BadRequest(f"urls: {url!r} is not an http(s) or webcal URL")
            try:
                got = await bounded(settings, feed.read(http, url))
            except feed.FeedError as exc:
                raise BadRequest(f"urls: {url}: {exc}") from exc
            name, zone, busy = await _expand(got.body or b"", None, now)
            read.append((name or url, got, zone, busy))
    async with db.transaction() as session:
        credential = CalendarCredential(user_id=user_id, app=ICS_FEED, invalid=False)
        session.add(credential)
        await session.flush()
        for (name, got, zone, busy), url in zip(read, urls, strict=True):
            session.add(
                Calendar(
                    credential_id=credential.id,
                    user_id=user_id,
                    external_id=url,
                    name=name,
                    read_only=read_only,
                    primary=False,
                    selected=True,
                    destination=False,
                    time_zone=zone,
                    busy=_store(busy),
                    busy_from=now - PAST,
                    busy_to=now + HORIZON,
                    fetched_at=now,
                    etag=got.etag,
                    last_modified=got.last_modified,
                    failures=0,
                )
            )
        return credential_output(credential)


async def save_caldav(
    db: Database,
    settings: Settings,
    keyring: Sealer,
    user_id: int,
    app: str,
    username: str,
    password: str,
    url: str | None,
) -> dict[str, Any]:
    """Checks the account (it must list its calendars) and stores it, password sealed.
    Connecting the same account again replaces its password and keeps its choices."""
    server = _server_url(app, url)
    async with calendar_client(settings) as http:
        remote = await bounded(settings, CalDAVClient(http, server, username, password).calendars())
        if not remote:
            raise BadRequest("the CalDAV account has no calendars with events")
        out = await _store_caldav(db, keyring, user_id, app, server, username, password, remote)
        # The selected calendar's busy time is read now, so the first slot query has it.
        await refresh_due(db, settings, keyring, http, credential_id=out["id"])
    return out


async def _store_caldav(
    db: Database,
    keyring: Sealer,
    user_id: int,
    app: str,
    server: str,
    username: str,
    password: str,
    remote: Sequence[RemoteCalendar],
) -> dict[str, Any]:
    async with db.transaction() as session:
        credential = await session.scalar(
            select(CalendarCredential).where(
                CalendarCredential.user_id == user_id,
                CalendarCredential.app == app,
                CalendarCredential.server_url == server,
                CalendarCredential.username == username,
            )
        )
        if credential is None:
            credential = CalendarCredential(
                user_id=user_id, app=app, server_url=server, username=username
            )
            session.add(credential)
            await session.flush()
        credential.invalid = False
        credential.password_enc = keyring.encrypt(password, password_context(credential.id))
        known = {
            c.external_id: c
            for c in await session.scalars(
                select(Calendar).where(Calendar.credential_id == credential.id)
            )
        }
        has_destination = await _has_destination(session, user_id)
        for index, cal in enumerate(remote):
            row = known.pop(cal.url, None)
            if row is None:
                row = Calendar(
                    credential_id=credential.id,
                    user_id=user_id,
                    external_id=cal.url,
                    primary=index == 0,
                    selected=index == 0,
                    destination=index == 0 and not has_destination and not cal.read_only,
                    busy=[],
                    failures=0,
                )
                session.add(row)
            row.name = cal.name
            row.read_only = cal.read_only
            row.time_zone = cal.time_zone
            # Read on the next refresh, which the caller starts at once.
            row.fetched_at = None
        for gone in known.values():
            await session.delete(gone)
        await session.flush()
        return credential_output(credential)


def _server_url(app: str, url: str | None) -> str:
    if app == APPLE:
        return ICLOUD_URL
    if app != CALDAV:
        raise NotFound(f"no calendar app {app!r} takes credentials (apple, caldav)")
    if not url or not url.lower().startswith(("http://", "https://")):
        raise BadRequest("url: the CalDAV server's http(s) URL is required")
    return url


async def check(db: Database, user_id: int, app: str) -> dict[str, Any]:
    """Cal.com's check: is there a valid credential for this calendar app?"""
    if app not in INTEGRATIONS:
        raise NotFound(f"unknown calendar app {app!r}")
    async with db.session() as session:
        credential = await session.scalar(
            select(CalendarCredential)
            .where(CalendarCredential.user_id == user_id, CalendarCredential.app == app)
            .order_by(CalendarCredential.id.desc())
        )
        if credential is None:
            raise BadRequest(f"no {app} calendar is connected")
        if credential.invalid:
            raise BadRequest(f"the {app} calendar's credentials are no longer accepted")
        errors = list(
            await session.scalars(
                select(Calendar.fetch_error).where(
                    Calendar.credential_id == credential.id, Calendar.fetch_error.is_not(None)
                )
            )
        )
    if errors:
        raise BadRequest(f"the {app} calendar could not be read: {errors[0]}")
    return {"allowConnect": False, "checked": True}


async def disconnect(db: Database, user_id: int, app: str, credential_id: int) -> dict[str, Any]:
    async with db.transaction() as session:
        credential = await session.scalar(
            select(CalendarCredential).where(
                CalendarCredential.id == credential_id,
                CalendarCredential.user_id == user_id,
                CalendarCredential.app == app,
            )
        )
        if credential is None:
            raise NotFound(f"no {app} calendar credential {credential_id}")
        out = credential_output(credential)
        await session.execute(delete(Calendar).where(Calendar.credential_id == credential.id))
        await session.delete(credential)
        return out


def credential_output(credential: CalendarCredential) -> dict[str, Any]:
    kind, _ = INTEGRATIONS[credential.app]
    return {
        "id": credential.id,
        "type": kind,
        "userId": credential.user_id,
        "teamId": None,
        "appId": credential.app,
        "invalid": bool(credential.invalid),
    }


# -- choosing ----------------------------------------------------------------------------------


async def connected(db: Database, user_id: int) -> dict[str, Any]:
    """Cal.com's ConnectedCalendarsData."""
    async with db.session() as session:
        credentials = list(
            await session.scalars(
                select(CalendarCredential)
                .where(CalendarCredential.user_id == user_id)
                .order_by(CalendarCredential.id)
            )
        )
        calendars = list(
            await session.scalars(
                select(Calendar).where(Calendar.user_id == user_id).order_by(Calendar.id)
            )
        )
    out: list[dict[str, Any]] = []
    destination: dict[str, Any] | None = None
    for credential in credentials:
        kind, title = INTEGRATIONS[credential.app]
        mine = [_calendar_output(c, kind) for c in calendars if c.credential_id == credential.id]
        primary = next((c for c in mine if c["primary"]), mine[0] if mine else None)
        out.append(
            {
                "integration": _integration(credential.app),
                "credentialId": credential.id,
                "primary": primary,
                "calendars": mine,
            }
        )
        for cal in calendars:
            if cal.credential_id == credential.id and cal.destination:
                destination = {
                    "id": cal.id,
                    "integration": kind,
                    "externalId": cal.external_id,
                    "primaryEmail": None,
                    "userId": user_id,
                    "eventTypeId": None,
                    "credentialId": credential.id,
                    "name": cal.name,
                    "primary": cal.primary,
                    "readOnly": cal.read_only,
                    "email": credential.username,
                    "integrationTitle": title,
                }
    return {"connectedCalendars": out, "destinationCalendar": destination}


def _integration(app: str) -> dict[str, Any]:
    kind, title = INTEGRATIONS[app]
    return {
        "name": title,
        "description": f"{title} connected to calgate",
        "installed": True,
        "type": kind,
        "title": title,
        "variant": "calendar",
        "category": "calendar",
        "categories": ["calendar"],
        "logo": f"/app-store/{app}/icon.svg",
        "publisher": "calgate",
        "slug": app,
        "url": "https://cal.com/apps",
        "email": "",
        "locationOption": None,
    }


def _calendar_output(cal: Calendar, kind: str) -> dict[str, Any]:
    return {
        "externalId": cal.external_id,
        "integration": kind,
        "name": cal.name,
        "primary": cal.primary,
        "readOnly": cal.read_only,
        "email": None,
        "isSelected": cal.selected,
        "credentialId": cal.credential_id,
    }


async def _owned_calendar(
    session: AsyncSession,
    user_id: int,
    integration: str,
    external_id: str,
    credential_id: int | None,
) -> Calendar:
    app = BY_TYPE.get(integration, integration)
    query = (
        select(Calendar)
        .join(CalendarCredential, CalendarCredential.id == Calendar.credential_id)
        .where(
            Calendar.user_id == user_id,
            Calendar.external_id == external_id,
            CalendarCredential.app == app,
        )
    )
    if credential_id is not None:
        query = query.where(Calendar.credential_id == credential_id)
    cal = await session.scalar(query.limit(1))
    if cal is None:
        raise NotFound(f"no connected {integration} calendar {external_id!r}")
    return cal


async def select_calendar(
    db: Database,
    user_id: int,
    integration: str,
    external_id: str,
    credential_id: int,
    selected: bool,
) -> dict[str, Any]:
    """Whether this calendar's events count as busy time."""
    async with db.transaction() as session:
        cal = await _owned_calendar(session, user_id, integration, external_id, credential_id)
        cal.selected = selected
        if selected:
            # Read on the next refresh, which the caller starts at once.
            cal.fetched_at = None
        return {
            "userId": user_id,
            "integration": integration,
            "externalId": external_id,
            "credentialId": cal.credential_id,
        }


async def set_destination(
    db: Database, user_id: int, integration: str, external_id: str
) -> dict[str, Any]:
    """Where bookings are written; one per user."""
    async with db.transaction() as session:
        cal = await _owned_calendar(session, user_id, integration, external_id, None)
        # Feeds are read over HTTP GET: there is nowhere to write an event.
        if cal.read_only or integration in (ICS_FEED, INTEGRATIONS[ICS_FEED][0]):
            raise BadRequest(f"calendar {external_id!r} is read-only")
        for other in await session.scalars(
            select(Calendar).where(Calendar.user_id == user_id, Calendar.destination.is_(True))
        ):
            other.destination = False
        cal.destination = True
        return {
            "userId": user_id,
            "integration": integration,
            "externalId": external_id,
            "credentialId": cal.credential_id,
        }


async def _has_destination(session: AsyncSession, user_id: int) -> bool:
    found = await session.scalar(
        select(Calendar.id).where(Calendar.user_id == user_id, Calendar.destination.is_(True))
    )
    return found is not None


# -- busy time ---------------------------------------------------------------------------------


async def busy_times(
    db: Database,
    user_id: int,
    wanted: Iterable[tuple[int, str]],
    start: datetime,
    end: datetime,
) -> list[dict[str, Any]]:
    """Cal.com's busy-times: the cached busy intervals of the named calendars in [start, end)."""
    pairs = list(wanted)
    if not pairs:
        raise BadRequest("calendarsToLoad: name at least one calendar")
    async with db.session() as session:
        rows = list(
            await session.scalars(
                select(Calendar).where(
                    Calendar.user_id == user_id,
                    or_(
                        *(
                            (Calendar.credential_id == cid) & (Calendar.external_id == ext)
                            for cid, ext in pairs
                        )
                    ),
                )
            )
        )
    out: list[dict[str, Any]] = []
    for cal in rows:
        for lo, hi in _load(cal.busy):
            if lo < end and hi > start:
                out.append({"start": _iso(lo), "end": _iso(hi), "source": cal.name})
    out.sort(key=lambda b: (b["start"], b["end"]))
    return out


# Read on every slot query: built once (see services/availability.py's statements).
_SELECTED_BUSY = select(Calendar.id, Calendar.user_id, Calendar.busy, Calendar.fetch_error).where(
    Calendar.user_id.in_(bindparam("user_ids", expanding=True)), Calendar.selected.is_(True)
)


async def calendar_busy(
    session: AsyncSession, user_ids: Sequence[int], start: datetime, end: datetime
) -> CalendarBusy:
    """The busy source the availability object adds: selected calendars' cached busy time."""
    conn = await session.connection()
    rows = await conn.execute(_SELECTED_BUSY, {"user_ids": list(user_ids)})
    busy: dict[int, list[Interval]] = {}
    stale: dict[int, list[int]] = {}
    for calendar_id, user_id, stored, error in rows:
        if error:
            stale.setdefault(user_id, []).append(calendar_id)
        for lo, hi in _load(stored):
            if lo < end and hi > start:
                busy.setdefault(user_id, []).append(Interval(lo, hi))
    warnings = [
        {
            "code": CALENDAR_STALE,
            "hostId": user_id,
            "message": (
                "A connected calendar of this host could not be read just now; "
                "its last known busy time was used"
            ),
        }
        for user_id in sorted(stale)
    ]
    found = CalendarBusy(busy, warnings, sorted(c for ids in stale.values() for c in ids))
    if found.stale:
        log.warning(
            "busy time of calendar(s) %s served from cache: their last read failed",
            ", ".join(map(str, found.stale)),
        )
    return found


_URL = re.compile(r"(?i)\b(?:https?|webcals?)://[^\s'\"<>]+")


def redact(message: str) -> str:
    """An error message with every URL cut to its scheme and host: feed URLs carry secret
    tokens (private ICS links) and URLs may carry user:password; neither belongs in logs."""

    def cut(match: re.Match[str]) -> str:
        parts = urlsplit(match[0])
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"

    return _URL.sub(cut, message)


def _store(busy: Iterable[ics.Busy]) -> list[list[str]]:
    return [[_iso(lo), _iso(hi)] for lo, hi in busy]


def _load(stored: Iterable[Sequence[str]] | None) -> list[tuple[datetime, datetime]]:
    return [(datetime.fromisoformat(lo), datetime.fromisoformat(hi)) for lo, hi in stored or ()]


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- refreshing ------------------------------------------------------------------------------


async def bounded(
    settings: Settings, work: Awaitable[T], failed: Callable[[str], CalgateError] = BadRequest
) -> T:
    """A calendar server gets CALGATE_CALENDAR_TIMEOUT in all, not per network step. Its
    silence or failure is `failed`'s error: by default a 400, the server being the one the
    caller is connecting now; refused credentials are always a 400."""
    try:
        with anyio.fail_after(settings.calendar_timeout):
            return await work
    except TimeoutError as exc:
        raise failed(
            f"the calendar server did not answer within {settings.calendar_timeout:g} s"
        ) from exc
    except Unauthorized as exc:
        raise BadRequest(str(exc)) from exc
    except CalDAVError as exc:
        raise failed(str(exc)) from exc


async def _expand(
    body: bytes | Sequence[str], zone: str | None, now: datetime
) -> tuple[str | None, str | None, list[ics.Busy]]:
    """(calendar name, zone, busy) of ICS data: parsing and recurrence expansion are CPU work
    of a second or more for big calendars, done off the event loop."""

    def work() -> tuple[str | None, str | None, list[ics.Busy]]:
        docs = [body] if isinstance(body, bytes) else list(body)
        name: str | None = None
        found_zone = zone
        busy: list[ics.Busy] = []
        for doc in docs:
            if not doc:
                continue
            cal = ics.parse(doc)
            name = name or (str(cal["X-WR-CALNAME"]) if "X-WR-CALNAME" in cal else None)
            found_zone = ics.calendar_zone(cal, found_zone)
            busy.extend(ics.busy_times(cal, now - PAST, now + HORIZON, found_zone))
        busy.sort()
        return name, found_zone, busy

    try:
        return await anyio.to_thread.run_sync(work)
    except ics.InvalidCalendar as exc:
        raise feed.FeedError(str(exc)) from exc


@dataclass(frozen=True)
class _Due:
    id: int
    app: str
    external_id: str
    time_zone: str | None
    etag: str | None
    last_modified: str | None
    server_url: str | None
    username: str | None
    password_enc: str | None
    credential_id: int
    stale_window: bool


async def refresh_due(
    db: Database,
    settings: Settings,
    keyring: Sealer,
    http: httpx2.AsyncClient,
    *,
    credential_id: int | None = None,
) -> int:
    """Reads every selected calendar whose busy time is older than CALGATE_CALENDAR_TTL (or
    never read), concurrently, each bounded; returns how many were read successfully."""
    now = datetime.now(UTC)
    async with db.session() as session:
        rows = (
            await session.execute(
                select(Calendar, CalendarCredential)
                .join(CalendarCredential, CalendarCredential.id == Calendar.credential_id)
                .where(
                    Calendar.selected.is_(True),
                    CalendarCredential.invalid.is_(False),
                    or_(
                        Calendar.fetched_at.is_(None),
                        Calendar.fetched_at < now - timedelta(seconds=settings.calendar_ttl),
                    ),
                    *(() if credential_id is None else (Calendar.credential_id == credential_id,)),
                )
            )
        ).all()
    due = [
        _Due(
            cal.id,
            cred.app,
            cal.external_id,
            cal.time_zone,
            cal.etag,
            cal.last_modified,
            cred.server_url,
            cred.username,
            cred.password_enc,
            cred.id,
            cal.busy_to is None or cal.busy_to < now + HORIZON - timedelta(days=1),
        )
        for cal, cred in rows
    ]
    done = 0

    async def one(item: _Due) -> None:
        nonlocal done
        if await _refresh_one(db, settings, keyring, http, item, now):
            done += 1

    async with anyio.create_task_group() as tg:
        for item in due:
            tg.start_soon(one, item)
    return done


async def _refresh_one(
    db: Database,
    settings: Settings,
    keyring: Sealer,
    http: httpx2.AsyncClient,
    item: _Due,
    now: datetime,
) -> bool:
    values: dict[str, Any] = {"fetched_at": now}
    invalid = False
    try:
        with anyio.fail_after(settings.calendar_timeout):
            if item.app == ICS_FEED:
                got = await feed.read(
                    http,
                    item.external_id,
                    etag=None if item.stale_window else item.etag,
                    last_modified=None if item.stale_window else item.last_modified,
                )
                values.update(etag=got.etag, last_modified=got.last_modified)
                docs: bytes | list[str] | None = got.body
            else:
                password = keyring.decrypt(
                    item.password_enc or "", password_context(item.credential_id)
                )
                client = CalDAVClient(http, item.server_url or "", item.username or "", password)
                docs = await client.events(item.external_id, now - PAST, now + HORIZON)
        if docs is not None:
            _, zone, busy = await _expand(docs, item.time_zone, now)
            values.update(
                busy=_store(busy), busy_from=now - PAST, busy_to=now + HORIZON, time_zone=zone
            )
        values.update(fetch_error=None, failures=0)
        ok = True
    except Exception as exc:  # any failure keeps the last good busy time; it is reported
        invalid = isinstance(exc, Unauthorized)
        message = "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
        message = redact(message)
        log.warning("calendar %d could not be read: %s", item.id, message)
        values.update(fetch_error=message[:500])
        ok = False
    async with db.transaction() as session:
        cal = await session.get(Calendar, item.id)
        if cal is None:
            return False
        for key, value in values.items():
            setattr(cal, key, value)
        if not ok:
            cal.failures = (cal.failures or 0) + 1
        if invalid:
            credential = await session.get(CalendarCredential, item.credential_id)
            if credential is not None:
                credential.invalid = True
    return ok


@asynccontextmanager
async def calendar_refresher(
    settings: Settings, db: Database, keyring: Sealer
) -> AsyncIterator[Periodic]:
    """The background reader of selected calendars, with its own guarded client; checks for
    due calendars every few seconds (cheap: one indexed query when none is due)."""
    async with calendar_client(settings) as http:

        async def work() -> None:
            await refresh_due(db, settings, keyring, http)

        yield Periodic("calendar-refresh", min(settings.calendar_ttl, REFRESH_POLL), work)
