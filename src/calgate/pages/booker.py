"""The guest's way in: a host's profile, the slot picker, the booking form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from calgate.core import group_by_local_date
from calgate.core.timezones import zone
from calgate.errors import CalgateError
from calgate.pages import csrf, fields, month, render
from calgate.pages.common import (
    Booker,
    View,
    check_csrf,
    day_param,
    error_page,
    failure_explained,
    failure_reason,
    form_value,
    nearby_times,
    parse_start,
    read_form,
    secure_cookies,
    when_text,
    zone_options,
    zulu,
)
from calgate.services import bookings, event_types, slots
from calgate.services.availability import EventTypeRef
from calgate.services.bookings import AttendeeSpec, NewBooking
from calgate.services.slots import SlotQuery
from calgate.web.state import State

router = APIRouter(include_in_schema=False)
# First path segments that are never a username: the pages' own, and the API's whatever the
# role; `routes.install` adds every segment the app's other routes use.
ALWAYS_RESERVED = frozenset(
    {"booking", "team", "d", "docs", "redoc", "openapi.json", "health", "v2", "auth", "_calgate"}
)


class Reserved:
    # Only grows (every app built in a process adds its segments), so no app's name is lost.
    names: frozenset[str] = ALWAYS_RESERVED


def _owner_name(username: str) -> str:
    if username in Reserved.names:
        raise HTTPException(404)  # what the API's own paths answer when nothing matches
    return username


# ---- profile


@router.get("/{username}")
async def profile(request: Request, state: State, username: str) -> Response:
    _owner_name(username)
    try:
        owner, shown = await event_types.list_public_event_types(state.db, username)
    except CalgateError as exc:
        return error_page(request, exc)
    view = View(request, owner.time_zone, owner.time_format)
    return render.page("profile.html", owner=owner, event_types=shown, view=view)


# ---- slot picker


@router.get("/{username}/{slug}")
async def picker(
    request: Request,
    state: State,
    username: str,
    slug: str,
    month_: Annotated[str | None, Query(alias="month")] = None,
    date_: Annotated[str | None, Query(alias="date")] = None,
    reschedule_uid: Annotated[str | None, Query(alias="rescheduleUid")] = None,
) -> Response:
    _owner_name(username)
    try:
        owner, et = await _event_type(state, username, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return await picker_page(
        request, state, Booker.of_user(owner), et, month_, date_, reschedule_uid
    )


async def picker_page(
    request: Request,
    state: State,
    booker: Booker,
    et: Any,
    month_: str | None,
    date_: str | None,
    reschedule_uid: str | None,
    **extra: Any,
) -> Response:
    """The month and the chosen day's free starts of ``et``, a user's or a team's."""
    view = View(request, booker.time_zone, booker.time_format)
    chosen = day_param(date_)
    first = (day_param(f"{month_}-01") if month_ else None) or chosen
    first = (first or datetime.now(UTC).astimezone(zone(view.tz)).date()).replace(day=1)
    lo, hi = month.bounds(first, view.tz)
    try:
        found_slots = await slots.available_slots(
            state.db,
            SlotQuery(
                event_type=EventTypeRef(id=et.id),
                duration=view.duration,
                reschedule_uid=reschedule_uid,
                max_starts=slots.ANONYMOUS_MAX_STARTS,
                booker_time_zone=view.tz,
            ),
            lo,
            hi,
        )
    except CalgateError as exc:
        return error_page(request, exc)
    by_day = group_by_local_date(found_slots.slots, view.tz)
    if chosen is None or chosen.replace(day=1) != first:
        chosen = date.fromisoformat(min(by_day)) if by_day else None
    day_slots = by_day.get(chosen.isoformat(), []) if chosen else []
    base = booker.page_of(et)
    book_url = f"/booking/{reschedule_uid}/reschedule" if reschedule_uid else f"{base}/book"
    return render.page(
        "picker.html",
        owner=booker.owner,
        et=et,
        view=view,
        month=month.grid(first, set(by_day), chosen, month.week_start_index(booker.week_start)),
        chosen=chosen,
        times=[
            {
                "label": view.clock(s.start),
                "iso": render.local_iso(s.start, view.tz),
                "href": f"{book_url}?{view.params(start=zulu(s.start))}",
                "seats": (et.seats_per_time_slot or 0) - s.attendees_count
                if found_slots.seated and et.seats_show_availability_count
                else None,
            }
            for s in day_slots
        ],
        base=base,
        reschedule_uid=reschedule_uid,
        durations=_durations(et),
        zones=zone_options(view.tz),
        **extra,
    )


def _durations(et: Any) -> list[int]:
    """The lengths a guest may choose (`lengthInMinutesOptions`), the default among them."""
    options = (et.settings or {}).get("length_in_minutes_options") or []
    if not options:
        return []
    return sorted({et.length, *(x for x in options if isinstance(x, int) and 1 <= x <= 1440)})


# ---- booking form


async def _event_type(state: State, username: str, slug: str) -> tuple[Any, Any]:
    # Hidden only keeps an event type off the profile: its own URL books it, as on Cal.com.
    return await event_types.bookable_event_type(state.db, username, slug)


def _form_page(
    request: Request,
    state: State,
    booker: Booker,
    et: Any,
    view: View,
    start: datetime,
    *,
    status: int = 200,
    values: dict[str, list[str]] | None = None,
    errors: dict[str, str] | None = None,
    failure: CalgateError | None = None,
    nearby: list[dict[str, str]] | None = None,
) -> Response:
    nonce = csrf.nonce_of(request)
    length = view.duration or et.length
    day = start.astimezone(zone(view.tz)).date().isoformat()
    response = render.page(
        "book.html",
        status,
        owner=booker.owner,
        et=et,
        view=view,
        start=zulu(start),
        when=when_text(view, start, start + timedelta(minutes=length)),
        fields=fields.form_fields(et.booking_fields or [], et.locations or []),
        values=values or {},
        errors=errors or {},
        failure=failure,
        reason=failure_reason(failure),
        explained=failure_explained(failure),
        nearby=nearby or [],
        csrf_token=csrf.token(state.settings.secret_key, nonce),
        back=f"{booker.page_of(et)}?{view.params(date=day)}",
    )
    csrf.remember(response, nonce, secure=secure_cookies(state))
    return response


@router.get("/{username}/{slug}/book")
async def booking_form(
    request: Request, state: State, username: str, slug: str, start: str | None = None
) -> Response:
    _owner_name(username)
    try:
        owner, et = await _event_type(state, username, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return form_page(request, state, Booker.of_user(owner), et, start)


def form_page(
    request: Request, state: State, booker: Booker, et: Any, start: str | None
) -> Response:
    """The booking form for one chosen start of ``et``."""
    try:
        when = parse_start(start)
    except CalgateError as exc:
        return error_page(request, exc)
    view = View(request, booker.time_zone, booker.time_format)
    return _form_page(request, state, booker, et, view, when)


@router.post("/{username}/{slug}/book")
async def book(request: Request, state: State, username: str, slug: str) -> Response:
    _owner_name(username)
    try:
        owner, et = await _event_type(state, username, slug)
    except CalgateError as exc:
        return error_page(request, exc)
    return await book_from_form(request, state, Booker.of_user(owner), et)


async def book_from_form(request: Request, state: State, booker: Booker, et: Any) -> Response:
    """Books the posted form through the service `POST /v2/bookings` calls."""
    try:
        form = await read_form(request)
        check_csrf(state, request, form)
        view = View(request, booker.time_zone, booker.time_format)
        when = parse_start(form_value(form, "start"))
    except CalgateError as exc:
        return error_page(request, exc)
    asked = fields.form_fields(et.booking_fields or [], et.locations or [])
    answers = fields.parse(asked, form)
    if answers.errors:
        return _form_page(
            request, state, booker, et, view, when, status=400, values=form, errors=answers.errors
        )
    try:
        created = await bookings.create_booking(
            state.db,
            NewBooking(
                event_type=EventTypeRef(id=et.id),
                start=when,
                attendee=AttendeeSpec(answers.name, answers.email, view.tz),
                length=view.duration,
                guests=answers.guests,
                responses=answers.responses,
                location=answers.location,
                hashed_link=booker.link,
            ),
        )
    except CalgateError as exc:
        refused = _field_errors(exc, asked)
        url = f"{booker.page_of(et)}/book"
        # An answer refused is no reason to offer other times.
        nearby = [] if refused else await nearby_times(state, et, view, when, None, url)
        return _form_page(
            request,
            state,
            booker,
            et,
            view,
            when,
            status=exc.status_code,
            values=form,
            errors=refused,
            failure=exc,
            nearby=nearby,
        )
    view.seat = created.seat_uid if et.seats_per_time_slot else None
    return RedirectResponse(f"/booking/{created.booking.uid}?{view.params()}", status_code=303)


def _field_errors(exc: CalgateError, asked: list[fields.FormField]) -> dict[str, str]:
    """The booking service's refusals of single answers (`details.errors[]` naming a
    `field`), worded for the form's inputs, which show them beside the question."""
    details = exc.details if isinstance(exc.details, dict) else {}
    labels = {f.slug: f.label for f in asked}
    found: dict[str, str] = {}
    for item in details.get("errors") or []:
        if not isinstance(item, dict):
            continue
        slug, message = item.get("field"), item.get("message")
        if slug in labels and message and slug not in found:
            found[str(slug)] = f"{labels[slug]} {message}"
    return found
