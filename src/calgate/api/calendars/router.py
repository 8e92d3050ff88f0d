"""Cal.com's connected-calendar endpoints: ICS feeds, CalDAV (Apple, calgate's `caldav`),
the calendar list, selected and destination calendars, and busy times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from calgate.api.auth import CurrentPrincipal
from calgate.api.bookings.common import UtcDateTime
from calgate.api.schema import NAME_CHARS, BodyId, Input, Name, Text, TimeZoneName
from calgate.api.versions import body_schema, parse_body
from calgate.errors import BadRequest, ServiceUnavailable
from calgate.services import calendar_events, calendars
from calgate.services.calendars import Sealer
from calgate.timefmt import parse_iso_query
from calgate.web.envelope import ok
from calgate.web.state import Db, State

router = APIRouter(tags=["Calendars"])

Url = Annotated[str, Field(min_length=1, max_length=2048)]
CalendarApp = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,32}$")]
_TO_LOAD = re.compile(r"^calendarsToLoad\[(\d{1,3})\]\[(credentialId|externalId)\]$")


class IcsFeedInput(Input):
    urls: list[Url] = Field(min_length=1, max_length=20)
    read_only: bool = True


class CredentialsInput(Input):
    username: str = Field(min_length=1, max_length=255)
    password: str = Field(min_length=1, max_length=1024)
    # calgate's `caldav` calendar: the server's URL (Apple's is known).
    url: Url | None = None


class DisconnectInput(Input):
    id: BodyId


class SelectedCalendarInput(Input):
    integration: str = Field(min_length=1, max_length=64)
    external_id: str = Field(min_length=1, max_length=2048)
    credential_id: BodyId


class DestinationInput(Input):
    integration: str = Field(min_length=1, max_length=64)
    external_id: str = Field(min_length=1, max_length=2048)


class EventTimeInput(Input):
    time: UtcDateTime
    time_zone: TimeZoneName | None = None


class EventAttendeeInput(Input):
    email: Annotated[str, Field(min_length=3, max_length=NAME_CHARS, pattern=r"^[^@\s]+@[^@\s]+$")]
    name: Name | None = None
    response_status: Literal["accepted", "pending", "declined", "needsAction"] | None = None
    is_self: bool | None = Field(None, alias="self")
    optional: bool | None = None
    host: bool | None = None


class UpdateEventInput(Input):
    """Cal.com's UpdateUnifiedCalendarEventInput."""

    start: EventTimeInput | None = None
    end: EventTimeInput | None = None
    title: Name | None = None
    description: Text | None = None
    attendees: list[EventAttendeeInput] | None = Field(None, max_length=100)
    status: Literal["accepted", "pending", "declined", "cancelled"] | None = None

    def changes(self) -> calendar_events.EventChanges:
        def when(t: EventTimeInput | None) -> calendar_events.When | None:
            return calendar_events.When(t.time, t.time_zone) if t else None

        return calendar_events.EventChanges(
            fields=frozenset(self.given()),
            start=when(self.start),
            end=when(self.end),
            title=self.title,
            description=self.description,
            attendees=None
            if self.attendees is None
            else [
                calendar_events.Guest(a.email, a.name, a.response_status, a.optional)
                for a in self.attendees
            ],
            status=self.status,
        )


def _keyring(state: State) -> Sealer:
    if state.keyring is None:
        raise ServiceUnavailable("storing calendar credentials needs CALGATE_SECRET_KEY")
    return state.keyring


@router.post(
    "/v2/calendars/ics-feed/save",
    status_code=201,
    summary="Save an ICS feed",
    openapi_extra=body_schema(IcsFeedInput),
)
async def save_ics_feed(
    request: Request, principal: CurrentPrincipal, state: State, db: Db
) -> JSONResponse:
    body = await parse_body(request, IcsFeedInput)
    saved = await calendars.save_ics_feeds(
        db, state.settings, principal.user.id, body.urls, body.read_only
    )
    return ok(saved, status_code=201)


@router.get("/v2/calendars/ics-feed/check", summary="Check an ICS feed")
async def check_ics_feed(principal: CurrentPrincipal, db: Db) -> JSONResponse:
    return ok(await calendars.check(db, principal.user.id, calendars.ICS_FEED))


@router.get("/v2/calendars/busy-times", summary="Get busy times")
async def busy_times(
    request: Request,
    principal: CurrentPrincipal,
    db: Db,
    date_from: Annotated[str | None, Query(alias="dateFrom", max_length=40)] = None,
    date_to: Annotated[str | None, Query(alias="dateTo", max_length=40)] = None,
    logged_in_tz: Annotated[str | None, Query(alias="loggedInUsersTz", max_length=64)] = None,
    time_zone: Annotated[str | None, Query(alias="timeZone", max_length=64)] = None,
) -> JSONResponse:
    zone = _zone(logged_in_tz or time_zone)
    start = _instant(date_from, "dateFrom", zone) or datetime.now(UTC)
    end = _instant(date_to, "dateTo", zone) or start + timedelta(days=1)
    if end <= start:
        raise BadRequest("dateTo must be after dateFrom")
    found = await calendars.busy_times(
        db, principal.user.id, _calendars_to_load(request), start, end
    )
    return ok(found)


@router.get("/v2/calendars", summary="Get all calendars")
async def list_calendars(principal: CurrentPrincipal, db: Db) -> JSONResponse:
    return ok(await calendars.connected(db, principal.user.id))


@router.post(
    "/v2/calendars/{calendar}/credentials",
    status_code=201,
    summary="Save calendar credentials",
    openapi_extra=body_schema(CredentialsInput),
)
async def save_credentials(
    calendar: CalendarApp, request: Request, principal: CurrentPrincipal, state: State, db: Db
) -> JSONResponse:
    body = await parse_body(request, CredentialsInput)
    saved = await calendars.save_caldav(
        db,
        state.settings,
        _keyring(state),
        principal.user.id,
        calendar,
        body.username,
        body.password,
        body.url,
    )
    return ok(saved, status_code=201)


@router.get("/v2/calendars/{calendar}/check", summary="Check a calendar connection")
async def check_calendar(
    calendar: CalendarApp, principal: CurrentPrincipal, db: Db
) -> JSONResponse:
    return ok(await calendars.check(db, principal.user.id, calendar))


@router.post(
    "/v2/calendars/{calendar}/disconnect",
    summary="Disconnect a calendar",
    openapi_extra=body_schema(DisconnectInput),
)
async def disconnect(
    calendar: CalendarApp, request: Request, principal: CurrentPrincipal, db: Db
) -> JSONResponse:
    body = await parse_body(request, DisconnectInput)
    return ok(await calendars.disconnect(db, principal.user.id, calendar, body.id))


@router.post(
    "/v2/selected-calendars",
    status_code=201,
    summary="Add a selected calendar",
    tags=["Selected Calendars"],
    openapi_extra=body_schema(SelectedCalendarInput),
)
async def add_selected(request: Request, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    body = await parse_body(request, SelectedCalendarInput)
    out = await calendars.select_calendar(
        db, principal.user.id, body.integration, body.external_id, body.credential_id, True
    )
    return ok(out, status_code=201)


@router.delete(
    "/v2/selected-calendars", summary="Remove a selected calendar", tags=["Selected Calendars"]
)
async def remove_selected(
    principal: CurrentPrincipal,
    db: Db,
    integration: Annotated[str, Query(min_length=1, max_length=64)],
    external_id: Annotated[str, Query(alias="externalId", min_length=1, max_length=2048)],
    credential_id: Annotated[int, Query(alias="credentialId", ge=1, le=2**31 - 1)],
) -> JSONResponse:
    out = await calendars.select_calendar(
        db, principal.user.id, integration, external_id, credential_id, False
    )
    return ok(out)


@router.put(
    "/v2/destination-calendars",
    summary="Update the destination calendar",
    tags=["Destination Calendars"],
    openapi_extra=body_schema(DestinationInput),
)
async def set_destination(request: Request, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    body = await parse_body(request, DestinationInput)
    out = await calendars.set_destination(db, principal.user.id, body.integration, body.external_id)
    return ok(out)


UNIFIED_TAG = "Cal Unified Calendars"


@router.get(
    "/v2/calendars/{calendar}/event/{eventUid}",
    summary="Get meeting details from calendar",
    description=(
        "One event of the caller's connected CalDAV calendar (`apple` or calgate's `caldav`), "
        "read from the calendar server: a booking's event has the booking's uid. Cal.com's "
        "`google` is not connectable in calgate."
    ),
    tags=[UNIFIED_TAG],
)
async def get_calendar_event(
    calendar: CalendarApp,
    event_uid: Annotated[str, Path(alias="eventUid", min_length=1, max_length=1024)],
    principal: CurrentPrincipal,
    state: State,
    db: Db,
) -> JSONResponse:
    found = await calendar_events.get_event(
        db, state.settings, _keyring(state), principal.user.id, calendar, event_uid
    )
    return ok(found)


@router.patch(
    "/v2/calendars/{calendar}/events/{eventUid}",
    summary="Update meeting details in calendar",
    description=(
        "Updates the event on the caller's CalDAV calendar server (only if unchanged since "
        "read, else 409). `attendees` replaces the whole list; `start` alone moves the event "
        "keeping its length; `status` is accepted, pending or cancelled."
    ),
    tags=[UNIFIED_TAG],
    openapi_extra=body_schema(UpdateEventInput),
)
async def update_calendar_event(
    calendar: CalendarApp,
    event_uid: Annotated[str, Path(alias="eventUid", min_length=1, max_length=1024)],
    request: Request,
    principal: CurrentPrincipal,
    state: State,
    db: Db,
) -> JSONResponse:
    body = await parse_body(request, UpdateEventInput)
    found = await calendar_events.update_event(
        db, state.settings, _keyring(state), principal.user.id, calendar, event_uid, body.changes()
    )
    return ok(found)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadRequest(f"unknown time zone {name!r}") from exc


def _instant(value: str | None, name: str, zone: ZoneInfo) -> datetime | None:
    """A date-time, or a date (midnight in the caller's zone, as Cal.com reads it)."""
    if not value:
        return None
    try:
        found = parse_iso_query(value)
    except ValueError as exc:
        raise BadRequest(f"{name}: not a date or date-time") from exc
    return found if found.tzinfo is not None else found.replace(tzinfo=zone)


def _calendars_to_load(request: Request) -> list[tuple[int, str]]:
    """Cal.com's `calendarsToLoad[i][credentialId]` / `[externalId]` pairs (qs-style), or one
    plain `credentialId` + `externalId`."""
    parts: dict[int, dict[str, str]] = {}
    for key, value in request.query_params.multi_items():
        if match := _TO_LOAD.match(key):
            parts.setdefault(int(match[1]), {})[match[2]] = value
    if not parts and "credentialId" in request.query_params:
        parts[0] = {
            "credentialId": request.query_params["credentialId"],
            "externalId": request.query_params.get("externalId", ""),
        }
    pairs: list[tuple[int, str]] = []
    for index in sorted(parts):
        item = parts[index]
        raw, external = item.get("credentialId", ""), item.get("externalId", "")
        if not raw.isdigit() or not external or len(external) > 2048:
            raise BadRequest(f"calendarsToLoad[{index}]: credentialId and externalId required")
        pairs.append((int(raw), external))
    return pairs
