from __future__ import annotations

from typing import Annotated, Any, Protocol, cast

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from calgate.api.auth import CurrentPrincipal, OptionalPrincipal
from calgate.api.bookings import legacy, query, v2024_08_13
from calgate.api.bookings.common import Listing, Rescheduling
from calgate.api.versions import BOOKINGS, Versioned, body_schema, parse_body
from calgate.api.versions import Shapes as VersionShapes
from calgate.services import bookings
from calgate.services.booking_queries import STATUS_FILTERS, BookingFilter, list_bookings
from calgate.services.bookings import BookingView, NewBooking
from calgate.web.envelope import ok
from calgate.web.state import State

router = APIRouter(prefix="/v2/bookings", tags=["Bookings"])


class CreateInput(Protocol):
    def to_booking(self, holder: str | None) -> NewBooking: ...

    def rescheduling(self) -> Rescheduling | None: ...


class CancelInput(Protocol):
    cancellation_reason: str | None

    def seat(self) -> str | None: ...

    def series(self) -> str | None: ...


class MarkAbsentInput(Protocol):
    def marks(self) -> tuple[bool | None, dict[str, bool]]: ...


class BookingShapes(VersionShapes[BookingView], Protocol):
    @property
    def Create(self) -> type[BaseModel]: ...

    @property
    def Cancel(self) -> type[BaseModel]: ...

    @property
    def MarkAbsent(self) -> type[BaseModel]: ...

    @property
    def default_take(self) -> int: ...

    @staticmethod
    def offset(skip: str | None, cursor: str | None) -> int: ...

    @staticmethod
    def many(views: list[BookingView], total: int, skip: int, take: int) -> Listing: ...

    @staticmethod
    def booked(v: BookingView | list[BookingView]) -> Any: ...

    @staticmethod
    def cancelled(v: BookingView | list[BookingView], only_removed_attendee: bool) -> Any: ...


VERSIONS: Versioned[BookingShapes] = Versioned(
    BOOKINGS, legacy=legacy.Shapes(), current=v2024_08_13.Shapes()
)
Shapes = Annotated[BookingShapes, Depends(VERSIONS.dependency())]


def _warned(created: BookingView | list[BookingView]) -> dict[str, Any]:
    """calgate's `warnings` beside `data` when a host's calendar was read from cache."""
    views = created if isinstance(created, list) else [created]
    warnings = [w for v in views for w in v.warnings]
    return {"warnings": list({repr(w): w for w in warnings}.values())} if warnings else {}


def _holder(principal: Any) -> str | None:
    return f"user:{principal.user.id}" if principal is not None else None


@router.post(
    "",
    status_code=201,
    summary="Create a booking",
    openapi_extra=body_schema(
        legacy.CreateBookingInput_2024_04_15, v2024_08_13.CreateBookingInput_2024_08_13
    ),
)
async def create_booking(
    request: Request, shapes: Shapes, principal: OptionalPrincipal, state: State
) -> JSONResponse:
    body = cast(CreateInput, await parse_body(request, shapes.Create))
    move = body.rescheduling()
    if move is not None:
        view = await bookings.reschedule_booking(
            state.db, move.uid, move.start, reason=move.reason, holder=_holder(principal)
        )
        return ok(shapes.one(view), status_code=201, **_warned(view))
    created = await bookings.book(state.db, body.to_booking(_holder(principal)))
    return ok(shapes.booked(created), status_code=201, **_warned(created))


@router.get("", summary="Get all bookings")
async def list_all(
    request: Request,
    shapes: Shapes,
    principal: CurrentPrincipal,
    state: State,
    status: Annotated[
        str | None,
        Query(
            description="Comma-separated: upcoming, recurring, past, cancelled, unconfirmed "
            "(legacy also: accepted)"
        ),
    ] = None,
    take: Annotated[str | None, Query(description="Page size (max 250)")] = None,
    skip: Annotated[str | None, Query()] = None,
    cursor: Annotated[
        str | None, Query(description="Legacy: offset returned as nextCursor")
    ] = None,
    limit: Annotated[str | None, Query(description="Legacy alias of take")] = None,
    attendee_email: Annotated[str | None, Query(alias="attendeeEmail")] = None,
    attendee_name: Annotated[str | None, Query(alias="attendeeName")] = None,
    booking_uid: Annotated[str | None, Query(alias="bookingUid")] = None,
    event_type_id: Annotated[str | None, Query(alias="eventTypeId")] = None,
    event_type_ids: Annotated[str | None, Query(alias="eventTypeIds")] = None,
    team_id: Annotated[str | None, Query(alias="teamId")] = None,
    teams_ids: Annotated[str | None, Query(alias="teamsIds")] = None,
    after_start: Annotated[str | None, Query(alias="afterStart")] = None,
    before_end: Annotated[str | None, Query(alias="beforeEnd")] = None,
    after_created_at: Annotated[str | None, Query(alias="afterCreatedAt")] = None,
    before_created_at: Annotated[str | None, Query(alias="beforeCreatedAt")] = None,
    after_updated_at: Annotated[str | None, Query(alias="afterUpdatedAt")] = None,
    before_updated_at: Annotated[str | None, Query(alias="beforeUpdatedAt")] = None,
    sort_start: Annotated[str | None, Query(alias="sortStart")] = None,
    sort_end: Annotated[str | None, Query(alias="sortEnd")] = None,
    sort_created: Annotated[str | None, Query(alias="sortCreated")] = None,
    sort_updated: Annotated[str | None, Query(alias="sortUpdatedAt")] = None,
) -> JSONResponse:
    status = status or request.query_params.get("filters[status]")
    size = query.number("take", take if take is not None else limit, minimum=1, maximum=250)
    offset = shapes.offset(skip, cursor)
    sort = tuple(
        (name, d)
        for name, raw in (
            ("start", sort_start),
            ("end", sort_end),
            ("created", sort_created),
            ("updated", sort_updated),
        )
        if (d := query.direction(f"sort{name.title()}", raw))
    )
    f = BookingFilter(
        statuses=query.choice_list("status", status, STATUS_FILTERS),
        attendee_email=attendee_email,
        attendee_name=attendee_name,
        booking_uid=booking_uid,
        event_type_ids=query.id_list("eventTypeIds", event_type_ids)
        + query.id_list("eventTypeId", event_type_id),
        team_ids=query.id_list("teamsIds", teams_ids) + query.id_list("teamId", team_id),
        after_start=query.moment("afterStart", after_start),
        before_end=query.moment("beforeEnd", before_end),
        after_created=query.moment("afterCreatedAt", after_created_at),
        before_created=query.moment("beforeCreatedAt", before_created_at),
        after_updated=query.moment("afterUpdatedAt", after_updated_at),
        before_updated=query.moment("beforeUpdatedAt", before_updated_at),
        sort=sort,
        take=size or shapes.default_take,
        skip=offset,
    )
    views, total = await list_bookings(state.db, principal.user, f)
    data, extra = shapes.many(views, total, f.skip, f.take)
    return ok(data, **extra)


def _viewer(principal: Any) -> int | None:
    return principal.user.id if principal is not None else None


@router.get("/by-seat/{seat_uid}", summary="Get a seated booking by its seat")
async def get_booking_by_seat(
    seat_uid: str, shapes: Shapes, principal: OptionalPrincipal, state: State
) -> JSONResponse:
    view = await bookings.get_booking_by_seat(state.db, seat_uid, _viewer(principal))
    return ok(shapes.one(view))


@router.get("/{booking_uid}", summary="Get a booking")
async def get_booking(
    booking_uid: str, shapes: Shapes, principal: OptionalPrincipal, state: State
) -> JSONResponse:
    found = await bookings.find_booking(state.db, booking_uid, _viewer(principal))
    return ok(shapes.booked(found))


@router.post(
    "/{booking_uid}/cancel",
    summary="Cancel a booking",
    openapi_extra=body_schema(
        legacy.CancelBookingInput_2024_04_15, v2024_08_13.CancelBookingInput_2024_08_13
    ),
)
async def cancel(
    booking_uid: str,
    request: Request,
    shapes: Shapes,
    principal: OptionalPrincipal,
    state: State,
) -> JSONResponse:
    body = cast(CancelInput, await parse_body(request, shapes.Cancel))
    view, only_attendee = await bookings.cancel_booking(
        state.db,
        booking_uid,
        reason=body.cancellation_reason,
        cancelled_by=principal.user.email if principal else None,
        seat_uid=body.seat(),
        viewer_id=_viewer(principal),
        series=body.series(),
    )
    return ok(shapes.cancelled(view, only_attendee))


@router.post(
    "/{booking_uid}/reschedule",
    status_code=201,
    summary="Reschedule a booking",
    openapi_extra=body_schema(v2024_08_13.RescheduleBookingInput_2024_08_13),
)
async def reschedule(
    booking_uid: str,
    request: Request,
    shapes: Shapes,
    principal: OptionalPrincipal,
    state: State,
) -> JSONResponse:
    body = await parse_body(request, v2024_08_13.RescheduleBookingInput_2024_08_13)
    view = await bookings.reschedule_booking(
        state.db,
        booking_uid,
        body.start,
        rescheduled_by=body.rescheduled_by or (principal.user.email if principal else None),
        reason=body.rescheduling_reason,
        holder=_holder(principal),
    )
    return ok(shapes.one(view), status_code=201)


@router.post("/{booking_uid}/confirm", summary="Confirm a pending booking")
async def confirm(
    booking_uid: str, shapes: Shapes, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    return ok(shapes.one(await bookings.confirm_booking(state.db, booking_uid, principal.user.id)))


@router.post(
    "/{booking_uid}/decline",
    summary="Decline a pending booking",
    openapi_extra=body_schema(v2024_08_13.DeclineBookingInput_2024_08_13),
)
async def decline(
    booking_uid: str,
    request: Request,
    shapes: Shapes,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    body = await parse_body(request, v2024_08_13.DeclineBookingInput_2024_08_13)
    view = await bookings.decline_booking(state.db, booking_uid, principal.user.id, body.reason)
    return ok(shapes.one(view))


@router.post(
    "/{booking_uid}/mark-absent",
    summary="Mark host or attendees absent",
    openapi_extra=body_schema(
        legacy.MarkNoShowInput_2024_04_15, v2024_08_13.MarkAbsentBookingInput_2024_08_13
    ),
)
async def mark_absent(
    booking_uid: str,
    request: Request,
    shapes: Shapes,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    body = cast(MarkAbsentInput, await parse_body(request, shapes.MarkAbsent))
    host, attendees = body.marks()
    view = await bookings.mark_absent(
        state.db, booking_uid, principal.user.id, host=host, attendees=attendees
    )
    return ok(shapes.one(view))
