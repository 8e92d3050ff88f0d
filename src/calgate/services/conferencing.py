"""Conferencing apps (Cal.com's /v2/conferencing) and the meeting URL a booking gets.

Apps that need no vendor account work for real: `jitsi` gives every booking its own room on
the configured Jitsi server, `personal-link` gives the user's own meeting URL. Apps that need
the vendor's OAuth (Google Meet, Zoom, Daily, Teams) can't be connected from an offline
server and are refused as such.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.config import Settings
from calgate.errors import BadRequest, NotFound
from calgate.services.locations import booking_location
from calgate.store.db import Database
from calgate.store.models import ConferencingApp

JITSI = "jitsi"
PERSONAL_LINK = "personal-link"
# Cal.com's app slug -> its credential type.
TYPES = {
    JITSI: "jitsi_video",
    PERSONAL_LINK: "personal-link_video",
    "google-meet": "google_video",
    "zoom": "zoom_video",
    "daily-video": "daily_video",
    "msteams": "office365_video",
}
OAUTH_ONLY = {"google-meet", "zoom", "daily-video", "msteams"}
# Event type locations (`integrations:<name>`) and the app each one names.
INTEGRATIONS = {"integrations:jitsi": JITSI, "integrations:personal-link": PERSONAL_LINK}
# Cal.com's default location: the user's default app when one is set.
DAILY = "integrations:daily"


def _known(app: str) -> None:
    if app not in TYPES:
        raise BadRequest(f"Invalid app, available apps are: {', '.join(sorted(TYPES))}")
    if app in OAUTH_ONLY:
        raise BadRequest(
            f"{app} needs the vendor's OAuth consent, which this server can't obtain offline; "
            "connect jitsi or personal-link instead"
        )


def _output(row: ConferencingApp) -> dict[str, Any]:
    # appId as Cal.com answers it (the skill document reads it), beside its documented fields.
    return {
        "id": row.id,
        "type": TYPES[row.app],
        "appId": row.app,
        "userId": row.user_id,
        "invalid": False,
    }


async def list_apps(db: Database, user_id: int) -> list[dict[str, Any]]:
    async with db.session() as session:
        rows = await session.scalars(
            select(ConferencingApp)
            .where(ConferencingApp.user_id == user_id)
            .order_by(ConferencingApp.id)
        )
        return [_output(r) for r in rows]


async def connect(
    db: Database, settings: Settings, user_id: int, app: str, link: str | None
) -> dict[str, Any]:
    _known(app)
    if app == PERSONAL_LINK:
        if not link or not link.lower().startswith("https://"):
            raise BadRequest("link: personal-link needs your meeting's https:// URL")
        target = link
    else:
        target = settings.jitsi_url
    async with db.transaction() as session:
        row = await _app(session, user_id, app)
        if row is None:
            row = ConferencingApp(user_id=user_id, app=app, is_default=False)
            session.add(row)
        row.link = target
        await session.flush()
        return _output(row)


async def get_default(db: Database, user_id: int) -> dict[str, Any] | None:
    async with db.session() as session:
        row = await session.scalar(
            select(ConferencingApp).where(
                ConferencingApp.user_id == user_id, ConferencingApp.is_default.is_(True)
            )
        )
        if row is None:
            return None
        link = row.link if row.app == PERSONAL_LINK else None
        return {"appSlug": row.app, "appLink": link}


async def set_default(db: Database, user_id: int, app: str) -> None:
    _known(app)
    async with db.transaction() as session:
        row = await _app(session, user_id, app)
        if row is None:
            raise BadRequest(f"{app} is not connected")
        for other in await session.scalars(
            select(ConferencingApp).where(ConferencingApp.user_id == user_id)
        ):
            other.is_default = other.id == row.id


async def disconnect(db: Database, user_id: int, app: str) -> None:
    if app not in TYPES:
        raise BadRequest(f"Invalid app, available apps are: {', '.join(sorted(TYPES))}")
    async with db.transaction() as session:
        row = await _app(session, user_id, app)
        if row is None:
            raise NotFound(f"{app} is not connected")
        await session.delete(row)


async def _app(session: AsyncSession, user_id: int, app: str) -> ConferencingApp | None:
    return await session.scalar(
        select(ConferencingApp).where(
            ConferencingApp.user_id == user_id, ConferencingApp.app == app
        )
    )


async def meeting_location(
    session: AsyncSession, user_id: int, stored: list[dict[str, Any]], booking_uid: str
) -> str | None:
    """The location a new booking gets: a real meeting URL when its first location is a
    connected conferencing app (Cal.com's default `integrations:daily`, or no location at
    all, meaning the user's default app), else the location as configured."""
    kind = str(stored[0].get("type", "")) if stored else DAILY
    wanted = INTEGRATIONS.get(kind)
    rows = {
        r.app: r
        for r in await session.scalars(
            select(ConferencingApp).where(ConferencingApp.user_id == user_id)
        )
    }
    if wanted is None and kind == DAILY:
        wanted = next((app for app, r in rows.items() if r.is_default), None)
    row = rows.get(wanted) if wanted else None
    if row is None or not row.link:
        return booking_location(stored)
    if row.app == JITSI:
        # Unguessable, so a booking's room is its own.
        return f"{row.link.rstrip('/')}/calgate-{booking_uid}-{secrets.token_hex(4)}"
    return row.link
