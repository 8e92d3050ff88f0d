"""Slots and reservations: legacy endpoints (`/slots/available`, `/slots/reserve`,
`/slots/selected-slot`) and the 2024-09-04 ones (`/slots`, `/slots/reservations`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from calgate.api.auth import OptionalPrincipal
from calgate.api.bookings.common import UtcDateTime, to_utc
from calgate.api.bookings.query import number
from calgate.api.schema import BodyId, Input, Name, iso_z
from calgate.api.versions import body_schema, parse_body
from calgate.core import group_by_local_date, present
from calgate.core.timezones import check_zone, zone
from calgate.errors import BadRequest
from calgate.services import slots
from calgate.services.availability import SLOT_WORK, EventTypeRef
from calgate.services.scheduling_spec import parse_usernames
from calgate.services.slots import AvailableSlots, ExplainQuery, Reservation, SlotQuery
from calgate.timefmt import parse_iso_query
from calgate.web.envelope import ok
from calgate.web.state import State

router = APIRouter(prefix="/v2/slots", tags=["Slots"])

USERNAMES = (
    "A dynamic group: at least 2 usernames, comma-separated; slots when all of them are free "
    "(Cal.com's default dynamic event, or the first user's event type named by eventTypeSlug)"
)


def _zone(name: str | None) -> str:
    return check_zone(name or "UTC")


def _bound(name: str, raw: str, tz: str, *, end: bool) -> datetime:
    """A range bound: a full ISO timestamp, or a bare date meaning that day's start/end in tz."""
    raw = raw.strip()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            local = datetime.combine(day + timedelta(days=1) if end else day, time(), zone(tz))
            value = local.astimezone(UTC)
        else:
            value = parse_iso_query(raw)
    except (ValueError, OverflowError):
        raise BadRequest(f"{name} must be an ISO 8601 date or date-time") from None
    try:
        return to_utc(value)
    except ValueError as exc:
        raise BadRequest(f"{name} {exc}") from None


def _holder(principal: Any) -> str | None:
    return f"user:{principal.user.id}" if principal is not None else None


def _max_starts(principal: Any) -> int | None:
    return slots.ANONYMOUS_MAX_STARTS if principal is None else None


WARNINGS_DOC = (
    " calgate extension: when a host's connected calendar could not be read just now, the "
    "availability is computed from its last known busy time and the envelope carries `warnings` "
    'beside `data`: `[{code: "calendar_stale", hostId, message}]` (absent otherwise; '
    "clients that read only `data` are unaffected)."
)


@router.get(
    "",
    summary="Get available slots (cal-api-version 2024-09-04)",
    description="Bookable starts per local date." + WARNINGS_DOC,
)
async def get_slots(
    state: State,
    principal: OptionalPrincipal,
    start: Annotated[str, Query(description="ISO 8601 date or date-time (UTC)")],
    end: Annotated[str, Query(description="ISO 8601 date or date-time (UTC); a date is inclusive")],
    event_type_id: Annotated[str | None, Query(alias="eventTypeId")] = None,
    event_type_slug: Annotated[str | None, Query(alias="eventTypeSlug")] = None,
    username: Annotated[str | None, Query()] = None,
    team_slug: Annotated[str | None, Query(alias="teamSlug")] = None,
    usernames: Annotated[str | None, Query(description=USERNAMES)] = None,
    time_zone: Annotated[str | None, Query(alias="timeZone")] = None,
    duration: Annotated[str | None, Query()] = None,
    format: Annotated[str | None, Query(description="time (default) or range")] = None,
    booking_uid_to_reschedule: Annotated[str | None, Query(alias="bookingUidToReschedule")] = None,
) -> JSONResponse:
    tz = _zone(time_zone)
    if format not in (None, "", "time", "range"):
        raise BadRequest("format must be 'time' or 'range'")
    query = SlotQuery(
        event_type=EventTypeRef(
            id=number("eventTypeId", event_type_id, minimum=1, maximum=2_147_483_647),
            username=username,
            slug=event_type_slug,
            team_slug=team_slug,
            usernames=parse_usernames(usernames),
        ),
        duration=number("duration", duration, minimum=1, maximum=1440),
        holder=_holder(principal),
        reschedule_uid=booking_uid_to_reschedule,
        max_starts=_max_starts(principal),
        # Starts are rounded on the booker's clock; with no zone asked, on the host's.
        booker_time_zone=time_zone or None,
    )
    lo, hi = _bound("start", start, tz, end=False), _bound("end", end, tz, end=True)
    found = await slots.available_slots(state.db, query, lo, hi)
    # Rendering tens of thousands of slots is CPU work like the engine's: off the event loop.
    return await anyio.to_thread.run_sync(
        _slots_v2, found, tz, format == "range", limiter=SLOT_WORK
    )


def _warned(warnings: list[dict[str, Any]]) -> dict[str, Any]:
    """calgate's `warnings` beside `data` (as Cal.com puts `pagination`), only when a host's
    calendar was answered from cache: otherwise the body is exactly Cal.com's."""
    return {"warnings": warnings} if warnings else {}


def _slots_v2(found: AvailableSlots, tz: str, ranges: bool) -> JSONResponse:
    data: dict[str, list[dict[str, Any]]] = {}
    for day, day_slots in group_by_local_date(found.slots, tz).items():
        items = []
        for s in day_slots:
            item: dict[str, Any] = {"start": _local_iso(s.start, tz)}
            if ranges:
                item["end"] = _local_iso(s.end, tz)
            if found.seated:
                item["attendeesCount"] = s.attendees_count
                if s.booking_uid:
                    item["bookingUid"] = s.booking_uid
            items.append(item)
        data[day] = items
    return ok(data, **_warned(found.warnings))


def _local_iso(moment: datetime, tz: str) -> str:
    return moment.astimezone(zone(tz)).isoformat(timespec="milliseconds")


EXTENSION_TAG = "Slots (calgate extension)"


@router.get(
    "/explain",
    tags=[EXTENSION_TAG],
    summary="Explain why a start is (not) bookable (calgate extension)",
    description=(
        "calgate extension, not part of Cal.com's API. For one event type and one start: "
        "whether a booking there would be accepted (`bookable`), whether GET /v2/slots offers "
        "it for that day in `timeZone` (`offered`), every rule that blocks it per host "
        "(`reasons`: a stable `code`, `hostId`, a one-sentence `message` in `timeZone`, and "
        "the data behind it), which hosts are free, and the nearest offered starts before and "
        "after (`nearest`, searched up to 7 days either side). Team event types also say who "
        "is in the way (`blockedBy`) and, for round robin, who a booking would go to "
        "(`chosenHostId`); `usernames` explains a dynamic group. Other people's bookings are "
        "shown to the event type's hosts and its team's admins and owners only; anyone else "
        "sees that the host is busy."
    )
    + WARNINGS_DOC,
)
async def explain(
    state: State,
    principal: OptionalPrincipal,
    start: Annotated[str, Query(description="ISO 8601 date-time of the start to explain")],
    event_type_id: Annotated[str | None, Query(alias="eventTypeId")] = None,
    event_type_slug: Annotated[str | None, Query(alias="eventTypeSlug")] = None,
    username: Annotated[str | None, Query()] = None,
    team_slug: Annotated[str | None, Query(alias="teamSlug")] = None,
    usernames: Annotated[str | None, Query(description=USERNAMES)] = None,
    time_zone: Annotated[str | None, Query(alias="timeZone")] = None,
    length_in_minutes: Annotated[str | None, Query(alias="lengthInMinutes")] = None,
) -> JSONResponse:
    tz = _zone(time_zone)
    if len(start.strip()) <= 10:
        raise BadRequest("start must be an ISO 8601 date-time")
    query = ExplainQuery(
        event_type=EventTypeRef(
            id=number("eventTypeId", event_type_id, minimum=1, maximum=2_147_483_647),
            username=username,
            slug=event_type_slug,
            team_slug=team_slug,
            usernames=parse_usernames(usernames),
        ),
        start=_bound("start", start, tz, end=False),
        length=number("lengthInMinutes", length_in_minutes, minimum=1, maximum=1440),
        holder=_holder(principal),
        booker_time_zone=time_zone or None,
    )
    found = await slots.explain_start(state.db, query)
    return ok(
        present(found.explanation, time_zone=tz, names=found.names, reveal=found.reveal),
        **_warned(found.warnings),
    )


@router.get(
    "/available",
    summary="Get available slots (legacy)",
    description="Bookable starts per local date." + WARNINGS_DOC,
)
async def get_available_legacy(
    state: State,
    principal: OptionalPrincipal,
    start_time: Annotated[str, Query(alias="startTime")],
    end_time: Annotated[str, Query(alias="endTime")],
    event_type_id: Annotated[str | None, Query(alias="eventTypeId")] = None,
    event_type_slug: Annotated[str | None, Query(alias="eventTypeSlug")] = None,
    username: Annotated[str | None, Query(alias="usernameList")] = None,
    time_zone: Annotated[str | None, Query(alias="timeZone")] = None,
    duration: Annotated[str | None, Query()] = None,
    reschedule_uid: Annotated[str | None, Query(alias="rescheduleUid")] = None,
) -> JSONResponse:
    tz = _zone(time_zone)
    query = SlotQuery(
        event_type=EventTypeRef(
            id=number("eventTypeId", event_type_id, minimum=1, maximum=2_147_483_647),
            username=username,
            slug=event_type_slug,
        ),
        duration=number("duration", duration, minimum=1, maximum=1440),
        holder=_holder(principal),
        reschedule_uid=reschedule_uid,
        max_starts=_max_starts(principal),
        booker_time_zone=time_zone or None,
    )
    lo = _bound("startTime", start_time, tz, end=False)
    hi = _bound("endTime", end_time, tz, end=True)
    found = await slots.available_slots(state.db, query, lo, hi)
    return await anyio.to_thread.run_sync(_slots_legacy, found, tz, limiter=SLOT_WORK)


def _slots_legacy(found: AvailableSlots, tz: str) -> JSONResponse:
    grouped = {
        day: [{"time": iso_z(s.start)} for s in day_slots]
        for day, day_slots in group_by_local_date(found.slots, tz).items()
    }
    return ok({"slots": grouped}, **_warned(found.warnings))


class ReserveSlotInput_2024_04_15(Input):
    event_type_id: BodyId
    slot_utc_start_date: UtcDateTime
    slot_utc_end_date: UtcDateTime
    booking_uid: Name | None = None


class ReserveSlotInput_2024_09_04(Input):
    event_type_id: BodyId
    slot_start: UtcDateTime
    slot_duration: int | None = Field(None, ge=1, le=1440)
    reservation_duration: int | None = Field(None, ge=1, le=60)


def _reservation_out(r: Reservation) -> dict[str, Any]:
    rec = r.record
    return {
        "eventTypeId": rec.event_type_id,
        "slotStart": iso_z(rec.slot_start),
        "slotEnd": iso_z(rec.slot_end),
        "slotDuration": r.duration,
        "reservationUid": rec.uid,
        "reservationDuration": r.reservation_minutes,
        "reservationUntil": iso_z(rec.expires_at),
    }


def _reservation_minutes(body: ReserveSlotInput_2024_09_04, principal: Any) -> int:
    if body.reservation_duration is None:
        return slots.DEFAULT_RESERVATION_MINUTES
    if principal is None:
        raise BadRequest("reservationDuration can only be set by authenticated requests")
    return body.reservation_duration


@router.post(
    "/reserve",
    status_code=201,
    summary="Reserve a slot (legacy)",
    description="Holds a slot for other bookers." + WARNINGS_DOC,
    openapi_extra=body_schema(ReserveSlotInput_2024_04_15),
)
async def reserve_legacy(
    request: Request, state: State, principal: OptionalPrincipal
) -> JSONResponse:
    body = await parse_body(request, ReserveSlotInput_2024_04_15)
    minutes = int((body.slot_utc_end_date - body.slot_utc_start_date).total_seconds() // 60)
    if minutes <= 0:
        raise BadRequest("slotUtcEndDate must be after slotUtcStartDate")
    r = await slots.reserve(
        state.db,
        body.event_type_id,
        body.slot_utc_start_date,
        duration=minutes,
        holder=_holder(principal),
    )
    return ok(r.record.uid, status_code=201, **_warned(r.warnings))


@router.delete("/selected-slot", summary="Delete a reserved slot (legacy)")
async def delete_selected_slot(
    state: State, principal: OptionalPrincipal, uid: Annotated[str, Query(min_length=1)]
) -> JSONResponse:
    await slots.delete_reservation(state.db, uid)
    return JSONResponse({"status": "success"})


@router.post(
    "/reservations",
    status_code=201,
    summary="Reserve a slot (cal-api-version 2024-09-04)",
    description="Holds a slot for other bookers." + WARNINGS_DOC,
    openapi_extra=body_schema(ReserveSlotInput_2024_09_04),
)
async def reserve(request: Request, state: State, principal: OptionalPrincipal) -> JSONResponse:
    body = await parse_body(request, ReserveSlotInput_2024_09_04)
    r = await slots.reserve(
        state.db,
        body.event_type_id,
        body.slot_start,
        duration=body.slot_duration,
        reservation_minutes=_reservation_minutes(body, principal),
        holder=_holder(principal),
    )
    return ok(_reservation_out(r), status_code=201, **_warned(r.warnings))


@router.get("/reservations/{uid}", summary="Get a reserved slot")
async def get_reservation(uid: str, state: State) -> JSONResponse:
    return ok(_reservation_out(await slots.get_reservation(state.db, uid)))


@router.patch(
    "/reservations/{uid}",
    summary="Update a reserved slot",
    description="Moves a held slot." + WARNINGS_DOC,
    openapi_extra=body_schema(ReserveSlotInput_2024_09_04),
)
async def update_reservation(
    uid: str, request: Request, state: State, principal: OptionalPrincipal
) -> JSONResponse:
    body = await parse_body(request, ReserveSlotInput_2024_09_04)
    r = await slots.update_reservation(
        state.db,
        uid,
        body.event_type_id,
        body.slot_start,
        duration=body.slot_duration,
        reservation_minutes=_reservation_minutes(body, principal),
        holder=_holder(principal),
    )
    return ok(_reservation_out(r), **_warned(r.warnings))


@router.delete("/reservations/{uid}", summary="Delete a reserved slot")
async def delete_reservation(uid: str, state: State, principal: OptionalPrincipal) -> JSONResponse:
    await slots.delete_reservation(state.db, uid)
    return JSONResponse({"status": "success"})
