from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from calgate.api.auth import CurrentPrincipal, OptionalPrincipal
from calgate.api.bookings import legacy, query, v2024_08_13
from calgate.api.deps import State
from calgate.api.envelope import ok
from calgate.api.versions import BOOKINGS, Versioned, body_schema, parse_body
from calgate.services import bookings
from calgate.services.availability import EventTypeRef
from calgate.services.booking_queries import STATUS_FILTERS, BookingFilter, list_bookings
from calgate.services.bookings import BookingView, NewBooking

router = APIRouter(prefix="/v2/bookings", tags=["Bookings"])

VERSIONS: Versioned[bool] = Versioned(BOOKINGS, legacy=False, current=True)
IsCurrent = Annotated[bool, Depends(VERSIONS.dependency())]


def _one(current: bool, v: BookingView) -> Any:
    if current:
        out: Any = v2024_08_13.BookingOutput_2024_08_13.of(v)
        if v.seat_uid:
            fields = out.model_dump(by_alias=False)
            out = v2024_08_13.SeatedBookingOutput_2024_08_13(**fields, seat_uid=v.seat_uid)
        return out
    out = legacy.BookingOutput_2024_04_15.of(v)
    if v.seat_uid:
        fields = out.model_dump(by_alias=False)
        out = legacy.SeatedBookingOutput_2024_04_15(**fields, seat_reference_uid=v.seat_uid)
    return out


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
    request: Request, current: IsCurrent, principal: OptionalPrincipal, state: State
) -> JSONResponse:
    if current:
        body = await parse_body(request, v2024_08_13.CreateBookingInput_2024_08_13)
        req = NewBooking(
            event_type=EventTypeRef(
                id=body.event_type_id, username=body.username, slug=body.event_type_slug
            ),
            start=body.start,
            attendee=body.attendee.to_spec(),
            length=body.length_in_minutes,
            guests=tuple(str(g) for g in body.guests),
            responses=dict(body.booking_fields_responses),
            metadata=body.metadata,
            location=body.location_text(),
            reservation_uid=body.reservation_uid,
            holder=_holder(principal),
        )
        view = await bookings.create_booking(state.db, req)
    else:
        lb = await parse_body(request, legacy.CreateBookingInput_2024_04_15)
        if lb.reschedule_uid:
            view = await bookings.reschedule_booking(
                state.db, lb.reschedule_uid, lb.start, reason=lb.rescheduling_reason
            )
        else:
            req = NewBooking(
                event_type=EventTypeRef(id=lb.event_type_id),
                start=lb.start,
                attendee=lb.attendee(),
                length=lb.length(),
                guests=tuple(str(g) for g in lb.responses.guests),
                responses=lb.extra_responses(),
                metadata=lb.metadata,
                location=lb.location_text(),
                reservation_uid=lb.reservation_uid,
                holder=_holder(principal),
            )
            view = await bookings.create_booking(state.db, req)
    return ok(_one(current, view), status_code=201)


@router.get("", summary="Get all bookings")
async def list_all(
    request: Request,
    current: IsCurrent,
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
    if current:
        offset = query.number("skip", skip, minimum=0, maximum=10_000_000) or 0
    else:
        offset = query.number("cursor", cursor, minimum=0, maximum=10_000_000) or 0
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
        after_start=query.moment("afterStart", after_start),
        before_end=query.moment("beforeEnd", before_end),
        after_created=query.moment("afterCreatedAt", after_created_at),
        before_created=query.moment("beforeCreatedAt", before_created_at),
        after_updated=query.moment("afterUpdatedAt", after_updated_at),
        before_updated=query.moment("beforeUpdatedAt", before_updated_at),
        sort=sort,
        take=size or (100 if current else 10),
        skip=offset,
    )
    views, total = await list_bookings(state.db, principal.user, f)
    if current:
        returned = len(views)
        pages = -(-total // f.take) if total else 0
        return ok(
            [v2024_08_13.BookingOutput_2024_08_13.of(v) for v in views],
            pagination={
                "totalItems": total,
                "remainingItems": max(0, total - f.skip - returned),
                "returnedItems": returned,
                "itemsPerPage": f.take,
                "currentPage": f.skip // f.take + 1,
                "totalPages": pages,
                "hasNextPage": f.skip + returned < total,
                "hasPreviousPage": f.skip > 0,
            },
        )
    next_offset = f.skip + len(views)
    return ok(
        {
            "bookings": [legacy.BookingOutput_2024_04_15.of(v) for v in views],
            "recurringInfo": [],
            "totalCount": total,
            "nextCursor": next_offset if next_offset < total else None,
        }
    )


@router.get("/{booking_uid}", summary="Get a booking")
async def get_booking(booking_uid: str, current: IsCurrent, state: State) -> JSONResponse:
    return ok(_one(current, await bookings.get_booking(state.db, booking_uid)))


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
    current: IsCurrent,
    principal: OptionalPrincipal,
    state: State,
) -> JSONResponse:
    by = principal.user.email if principal else None
    if current:
        body = await parse_body(request, v2024_08_13.CancelBookingInput_2024_08_13)
        view, _ = await bookings.cancel_booking(
            state.db,
            booking_uid,
            reason=body.cancellation_reason,
            cancelled_by=by,
            seat_uid=body.seat_uid,
        )
        return ok(_one(True, view))
    lb = await parse_body(request, legacy.CancelBookingInput_2024_04_15)
    view, only_attendee = await bookings.cancel_booking(
        state.db,
        booking_uid,
        reason=lb.cancellation_reason,
        cancelled_by=by,
        seat_uid=lb.seat_reference_uid,
    )
    return ok(
        {
            "bookingId": view.booking.id,
            "bookingUid": view.booking.uid,
            "onlyRemovedAttendee": only_attendee,
        }
    )


@router.post(
    "/{booking_uid}/reschedule",
    status_code=201,
    summary="Reschedule a booking",
    openapi_extra=body_schema(v2024_08_13.RescheduleBookingInput_2024_08_13),
)
async def reschedule(
    booking_uid: str,
    request: Request,
    current: IsCurrent,
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
    )
    return ok(_one(current, view), status_code=201)


@router.post("/{booking_uid}/confirm", summary="Confirm a pending booking")
async def confirm(
    booking_uid: str, current: IsCurrent, principal: CurrentPrincipal, state: State
) -> JSONResponse:
    return ok(
        _one(current, await bookings.confirm_booking(state.db, booking_uid, principal.user.id))
    )


@router.post(
    "/{booking_uid}/decline",
    summary="Decline a pending booking",
    openapi_extra=body_schema(v2024_08_13.DeclineBookingInput_2024_08_13),
)
async def decline(
    booking_uid: str,
    request: Request,
    current: IsCurrent,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    body = await parse_body(request, v2024_08_13.DeclineBookingInput_2024_08_13)
    view = await bookings.decline_booking(state.db, booking_uid, principal.user.id, body.reason)
    return ok(_one(current, view))


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
    current: IsCurrent,
    principal: CurrentPrincipal,
    state: State,
) -> JSONResponse:
    if current:
        body = await parse_body(request, v2024_08_13.MarkAbsentBookingInput_2024_08_13)
        host, attendees = body.host, {str(a.email): a.absent for a in body.attendees}
    else:
        lb = await parse_body(request, legacy.MarkNoShowInput_2024_04_15)
        host, attendees = lb.no_show_host, {str(a.email): a.no_show for a in lb.attendees}
    view = await bookings.mark_absent(
        state.db, booking_uid, principal.user.id, host=host, attendees=attendees
    )
    return ok(_one(current, view))
