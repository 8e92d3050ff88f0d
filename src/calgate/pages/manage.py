"""A booking, for whoever holds its link: confirmation, calendar file, reschedule, cancel. An
occurrence of a recurring series shows the series, and its cancel page offers to cancel this
occurrence only or every remaining one (calgate.pages.series)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from calgate.calendars import booking_event
from calgate.errors import BadRequest, CalgateError, NotFound
from calgate.pages import csrf, fields, render, series
from calgate.pages.common import (
    ENDED,
    View,
    check_csrf,
    error_page,
    failure_explained,
    failure_reason,
    form_value,
    nearby_times,
    parse_start,
    read_form,
    secure_cookies,
    when_text,
    zulu,
)
from calgate.services import booking_links, bookings, public_teams
from calgate.web.state import State

router = APIRouter(include_in_schema=False)

# ---- the booking: confirmation, calendar file, reschedule, cancel


@dataclass(frozen=True)
class Held:
    """A booking whose event type and host still exist: what the pages can show."""

    booking: Any
    event_type: Any
    host: Any
    rescheduled_to_uid: str | None


async def _booking(state: State, uid: str) -> Held:
    found = await bookings.get_booking(state.db, uid)
    if found.event_type is None or found.host is None:
        raise NotFound(f"Booking with uid={uid} not found")
    return Held(found.booking, found.event_type, found.host, found.rescheduled_to_uid)


def _seated(found: Held) -> bool:
    return bool(found.event_type.seats_per_time_slot)


def _guest(found: Held, seat: str | None) -> Any:
    """The attendee holding this link: a seated booking's uid is shared by every guest, so
    there only the one whose seat is named; None if it isn't."""
    attendees = found.booking.attendees
    if _seated(found):
        return next((a for a in attendees if seat and a.seat_uid == seat), None)
    return attendees[0] if attendees else None


def _guest_zone(found: Held, seat: str | None = None) -> str:
    guest = _guest(found, seat)
    return str(guest.time_zone if guest is not None else found.host.time_zone)


def _view(request: Request, found: Held) -> View:
    return View(
        request, _guest_zone(found, request.query_params.get("seat")), found.host.time_format
    )


def _check_holder(found: Held, view: View, *, reschedule: bool = False) -> Any:
    guest = _guest(found, view.seat)
    if _seated(found) and (guest is None or reschedule):
        raise BadRequest(
            "A seat is changed with the link sent when it was booked; a seated booking can be "
            "cancelled, not rescheduled, from here",
            {"reason": "seat_link_required"},
        )
    return guest


def _ended(found: Held) -> bool:
    return str(found.booking.status) in ENDED


def _event(found: Held) -> booking_event.Event:
    """The booking as the guest's calendar shows it: no attendee list, since a seated
    booking's link holder may not see the other seats."""
    b, et, host = found.booking, found.event_type, found.host
    return booking_event.Event(
        uid=b.calendar_uid,
        title=et.title,
        start=b.start_time,
        end=b.end_time,
        description=f"{et.title} with {host.name or host.username}",
        location=b.location,
        cancelled=_ended(found),
    )


@router.get("/booking/{uid}")
async def confirmation(request: Request, state: State, uid: str) -> Response:
    try:
        found = await _booking(state, uid)
        recurring = await _series(state, found)
        links = await booking_links.page_links(
            state.db, found.booking, _event(found), ics_link=f"/booking/{uid}/event.ics"
        )
    except CalgateError as exc:
        return error_page(request, exc)
    b = found.booking
    view = _view(request, found)
    host_view = View(request, found.host.time_zone, found.host.time_format)
    host_view.tz = found.host.time_zone
    location = b.location or ""
    now = datetime.now(UTC)
    asked = series.wants_all_remaining(request.query_params.get(series.ALL_REMAINING))
    return render.page(
        "booking.html",
        b=b,
        et=found.event_type,
        host=found.host,
        owner=found.host,
        view=view,
        guest_when=when_text(view, b.start_time, b.end_time),
        host_when=when_text(host_view, b.start_time, b.end_time),
        location=location,
        meeting_link=location if location.startswith(("https://", "http://")) else None,
        state_name=str(b.status),
        successor=found.rescheduled_to_uid,
        links=links,
        changeable=str(b.status) in ("accepted", "pending") and b.end_time > now,
        reschedulable=not _seated(found),
        cancellable=not _seated(found) or _guest(found, view.seat) is not None,
        uid=uid,
        series=recurring,
        occurrences=series.listed(recurring.occurrences, view, uid) if recurring else [],
        remaining=bool(recurring and recurring.remaining(now)),
        # Kept on the way to the cancel page, where it picks "all remaining", as Cal.com's.
        cancel_params=view.params(**{series.ALL_REMAINING: "true" if asked else None}),
        shown=series.SHOWN,
    )


async def _series(state: State, found: Held) -> series.Series | None:
    """The recurring series this booking is an occurrence of (seated event types book one
    occurrence at a time, and a seat's link speaks for that seat alone)."""
    return None if _seated(found) else await series.of_booking(state, found.booking)


@router.get("/booking/{uid}/event.ics")
async def calendar_file(request: Request, state: State, uid: str) -> Response:
    try:
        found = await _booking(state, uid)
    except CalgateError as exc:
        return error_page(request, exc)
    if found.rescheduled_to_uid:
        # The meeting moved and kept its UID: this booking's file would be an older, cancelled
        # copy of it; the file is the meeting as it is now.
        return RedirectResponse(f"/booking/{found.rescheduled_to_uid}/event.ics", status_code=303)
    guest = _guest(found, request.query_params.get("seat"))
    body = await booking_links.calendar_file(
        state.db, found.booking, _event(found), attendee=guest.email if guest else None
    )
    return PlainTextResponse(
        body,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{found.event_type.slug}.ics"'},
    )


@router.get("/booking/{uid}/reschedule")
async def reschedule_form(
    request: Request, state: State, uid: str, start: str | None = None
) -> Response:
    try:
        found = await _booking(state, uid)
    except CalgateError as exc:
        return error_page(request, exc)
    view = _view(request, found)
    try:
        _check_holder(found, view, reschedule=True)
    except CalgateError as exc:
        return error_page(request, exc, view)
    if start is None:  # first pick a new time
        picker_url = await _picker_url(state, found)
        return RedirectResponse(f"{picker_url}?{view.params(rescheduleUid=uid)}", status_code=303)
    try:
        when = parse_start(start)
    except CalgateError as exc:
        return error_page(request, exc, view)
    return _change_page(
        request,
        state,
        "reschedule.html",
        found,
        view,
        start=zulu(when),
        new_when=when_text(view, when, when + (found.booking.end_time - found.booking.start_time)),
    )


async def _picker_url(state: State, found: Held) -> str:
    """The slot picker the booking was made on: its team's or its host's."""
    et = found.event_type
    if et.team_id is not None:
        return f"/team/{await public_teams.team_slug(state.db, et.team_id)}/{et.slug}"
    return f"/{found.host.username}/{et.slug}"


def _change_page(
    request: Request,
    state: State,
    template: str,
    found: Held,
    view: View,
    status: int = 200,
    **extra: Any,
) -> Response:
    nonce = csrf.nonce_of(request)
    b = found.booking
    response = render.page(
        template,
        status,
        b=b,
        et=found.event_type,
        host=found.host,
        owner=found.host,
        view=view,
        uid=b.uid,
        old_when=when_text(view, b.start_time, b.end_time),
        csrf_token=csrf.token(state.settings.secret_key, nonce),
        **extra,
    )
    csrf.remember(response, nonce, secure=secure_cookies(state))
    return response


@router.post("/booking/{uid}/reschedule")
async def reschedule(request: Request, state: State, uid: str) -> Response:
    try:
        found = await _booking(state, uid)
        form = await read_form(request)
        check_csrf(state, request, form)
        when = parse_start(form_value(form, "start"))
    except CalgateError as exc:
        return error_page(request, exc)
    view = _view(request, found)
    reason = (form.get("reason") or [""])[0].strip()[: fields.MAX_TEXT] or None
    try:
        guest = _check_holder(found, view, reschedule=True)
        moved = await bookings.reschedule_booking(
            state.db,
            uid,
            when,
            rescheduled_by=guest.email if guest is not None else None,
            reason=reason,
        )
    except CalgateError as exc:
        url = f"/booking/{uid}/reschedule"
        nearby = await nearby_times(state, found.event_type, view, when, uid, url)
        length = found.booking.end_time - found.booking.start_time
        return _change_page(
            request,
            state,
            "reschedule.html",
            found,
            view,
            exc.status_code,
            start=zulu(when),
            new_when=when_text(view, when, when + length),
            failure=exc,
            reason=failure_reason(exc),
            explained=failure_explained(exc),
            nearby=nearby,
        )
    return RedirectResponse(f"/booking/{moved.booking.uid}?{view.params()}", status_code=303)


@router.get("/booking/{uid}/cancel")
async def cancel_form(request: Request, state: State, uid: str) -> Response:
    try:
        found = await _booking(state, uid)
    except CalgateError as exc:
        return error_page(request, exc)
    view = _view(request, found)
    asked = series.wants_all_remaining(request.query_params.get(series.ALL_REMAINING))
    try:
        _check_holder(found, view)
        recurring = await _series(state, found)
        if asked and recurring is not None:
            recurring.first_remaining(datetime.now(UTC))  # refuses a series with none left
    except CalgateError as exc:
        return error_page(request, exc, view)
    return _cancel_page(request, state, found, view, recurring, all_remaining=asked)


def _cancel_page(
    request: Request,
    state: State,
    found: Held,
    view: View,
    recurring: series.Series | None,
    *,
    all_remaining: bool,
    status: int = 200,
    **extra: Any,
) -> Response:
    """The cancel form; an occurrence of a series with occurrences still ahead offers this
    occurrence only or all remaining (chosen when asked, or when this one has ended)."""
    remaining = recurring.remaining(datetime.now(UTC)) if recurring else []
    this_open = not _ended(found)
    return _change_page(
        request,
        state,
        "cancel.html",
        found,
        view,
        status,
        series=recurring if remaining else None,
        remaining=series.listed(remaining, view),
        all_remaining=bool(remaining) and (all_remaining or not this_open),
        this_open=this_open,
        shown=series.SHOWN,
        **extra,
    )


@router.post("/booking/{uid}/cancel")
async def cancel(request: Request, state: State, uid: str) -> Response:
    try:
        found = await _booking(state, uid)
        form = await read_form(request)
        check_csrf(state, request, form)
    except CalgateError as exc:
        return error_page(request, exc)
    view = _view(request, found)
    reason = (form.get("reason") or [""])[0].strip()[: fields.MAX_TEXT] or None
    # The form's choice; a post without one (a script) goes by the page's query, as Cal.com's.
    choice = form_value(form, series.ALL_REMAINING) or request.query_params.get(
        series.ALL_REMAINING
    )
    asked = series.wants_all_remaining(choice)
    recurring = None
    target, scope = uid, None
    try:
        guest = _check_holder(found, view)
        recurring = await _series(state, found)
        # All remaining, named by the first occurrence still ahead: this one may have been
        # cancelled (the series email's link is the first occurrence's), and the service, as
        # Cal.com, refuses to cancel by an ended booking. A booking outside a series has nothing
        # more to cancel, as on Cal.com.
        if asked and recurring is not None:
            target, scope = recurring.first_remaining(datetime.now(UTC)).uid, "remaining"
        await bookings.cancel_booking(
            state.db,
            target,
            reason=reason,
            cancelled_by=guest.email if guest is not None else None,
            seat_uid=view.seat if _seated(found) else None,
            series=scope,
        )
    except CalgateError as exc:
        return _cancel_page(
            request,
            state,
            found,
            view,
            recurring,
            all_remaining=asked,
            status=exc.status_code,
            failure=exc,
            reason=failure_reason(exc),
        )
    return RedirectResponse(f"/booking/{target}?{view.params()}", status_code=303)
