"""The booking pages' routes. Mounted after every API and gateway route (`install`), so a
username never shadows them; a name taken by such a route is never a profile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute
from starlette.staticfiles import StaticFiles

from calgate.core import group_by_local_date
from calgate.core.timezones import check_zone, zone
from calgate.errors import BadRequest, CalgateError, NotFound
from calgate.pages import csrf, fields, ics, month, render
from calgate.services import bookings, event_types, slots
from calgate.services.availability import EventTypeRef
from calgate.services.bookings import AttendeeSpec, NewBooking
from calgate.services.slots import SlotQuery
from calgate.web.state import State

router = APIRouter(include_in_schema=False)
# First path segments the pages own or that belong to the API, whatever routes exist.
ALWAYS_RESERVED = frozenset(
    {"booking", "team", "d", "docs", "redoc", "openapi.json", "health", "v2", "auth", "_calgate"}
)
NEARBY = 6


class Reserved:
    names: frozenset[str] = ALWAYS_RESERVED


def install(app: FastAPI) -> None:
    """Mount the static files and the pages; call after every other route is added."""
    Reserved.names = ALWAYS_RESERVED | _first_segments(app.routes)
    app.mount(render.STATIC_PATH, StaticFiles(directory=render.STATIC_DIR), name="pages-static")
    # `/booking/...` before `/{username}/...`: a literal first segment wins over a name.
    router.routes.sort(key=lambda route: getattr(route, "path", "").startswith("/{"))
    app.include_router(router)


def _first_segments(routes: Sequence[BaseRoute]) -> frozenset[str]:
    names = set()
    for route in routes:
        path = getattr(route, "path", "")
        head = path.strip("/").split("/", 1)[0]
        if head and not head.startswith("{"):
            names.add(head)
    return frozenset(names)


def _owner_name(username: str) -> str:
    if username in Reserved.names:
        raise HTTPException(404)  # what the API's own paths answer when nothing matches
    return username


# ---- query parameters shared by the pages


def _tz(raw: str | None, fallback: str) -> str:
    try:
        return check_zone(raw or fallback)
    except CalgateError:
        return check_zone(fallback)


def _duration(raw: str | None) -> int | None:
    if raw and raw.isdigit() and 1 <= int(raw) <= 1440:
        return int(raw)
    return None


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _start(raw: str | None) -> datetime:
    try:
        value = datetime.fromisoformat((raw or "").replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest("start must be an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise BadRequest("start must carry a UTC offset")
    return value.astimezone(UTC)


def _zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class View:
    """What every page's links keep: zone, clock, duration, embedding."""

    def __init__(self, request: Request, host_zone: str, host_clock: int = 12) -> None:
        q = request.query_params
        self.tz = _tz(q.get("tz"), host_zone)
        hour = q.get("hour")
        self.hour12 = hour == "12" if hour in ("12", "24") else host_clock == 12
        self.duration = _duration(q.get("duration"))
        self.embed = q.get("embed") == "1"
        # The seat of a seated booking this visitor holds (several guests share its uid).
        self.seat = q.get("seat") or None

    def params(self, **extra: Any) -> str:
        items: dict[str, Any] = {"tz": self.tz, "hour": "12" if self.hour12 else "24"}
        if self.duration:
            items["duration"] = self.duration
        if self.embed:
            items["embed"] = 1
        if self.seat:
            items["seat"] = self.seat
        items.update({k: v for k, v in extra.items() if v is not None})
        return urlencode(items)

    def clock(self, moment: datetime) -> str:
        return render.clock(moment, self.tz, self.hour12)


def _error(request: Request, exc: CalgateError, view: View | None = None) -> Response:
    return render.page(
        "error.html", exc.status_code, message=exc.message, view=view, request=request
    )


# ---- profile


@router.get("/{username}")
async def profile(request: Request, state: State, username: str) -> Response:
    _owner_name(username)
    try:
        owner, shown = await event_types.list_public_event_types(state.db, username)
    except CalgateError as exc:
        return _error(request, exc)
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
        owner, found = await event_types.list_public_event_types(state.db, username, slug)
        if not found:
            raise NotFound(f"Event type '{slug}' of user '{username}' not found")
        et = found[0]
        view = View(request, owner.time_zone, owner.time_format)
        chosen = _day(date_)
        first = (_day(f"{month_}-01") if month_ else None) or chosen
        first = (first or datetime.now(UTC).astimezone(zone(view.tz)).date()).replace(day=1)
        lo, hi = month.bounds(first, view.tz)
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
        return _error(request, exc)
    by_day = group_by_local_date(found_slots.slots, view.tz)
    if chosen is None or chosen.replace(day=1) != first:
        chosen = date.fromisoformat(min(by_day)) if by_day else None
    day_slots = by_day.get(chosen.isoformat(), []) if chosen else []
    if reschedule_uid:
        book_url = f"/booking/{reschedule_uid}/reschedule"
    else:
        book_url = f"/{owner.username}/{et.slug}/book"
    return render.page(
        "picker.html",
        owner=owner,
        et=et,
        view=view,
        month=month.grid(first, set(by_day), chosen, month.week_start_index(owner.week_start)),
        chosen=chosen,
        times=[
            {
                "label": view.clock(s.start),
                "iso": render.local_iso(s.start, view.tz),
                "href": f"{book_url}?{view.params(start=_zulu(s.start))}",
                "seats": (et.seats_per_time_slot or 0) - s.attendees_count
                if found_slots.seated and et.seats_show_availability_count
                else None,
            }
            for s in day_slots
        ],
        base=f"/{owner.username}/{et.slug}",
        reschedule_uid=reschedule_uid,
        durations=_durations(et),
    )


def _durations(et: Any) -> list[int]:
    options = (et.metadata_ or {}).get("multipleDuration") or []
    return sorted({int(x) for x in options if isinstance(x, int) and 1 <= x <= 1440})


# ---- booking form


async def _event_type(state: State, username: str, slug: str) -> tuple[Any, Any]:
    owner, found = await event_types.list_public_event_types(state.db, username, slug)
    if not found:
        raise NotFound(f"Event type '{slug}' of user '{username}' not found")
    return owner, found[0]


def _form_page(
    request: Request,
    state: State,
    owner: Any,
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
    response = render.page(
        "book.html",
        status,
        owner=owner,
        et=et,
        view=view,
        start=_zulu(start),
        when=_when(view, start, start + timedelta(minutes=length)),
        fields=fields.form_fields(et.booking_fields or [], et.locations or []),
        values=values or {},
        errors=errors or {},
        failure=failure,
        reason=_reason(failure),
        nearby=nearby or [],
        csrf_token=csrf.token(state.settings.secret_key, nonce),
        back=f"/{owner.username}/{et.slug}?{view.params(date=start.astimezone(zone(view.tz)).date().isoformat())}",
    )
    csrf.remember(response, nonce, secure=_secure(state))
    return response


def _reason(failure: CalgateError | None) -> str | None:
    details = failure.details if failure is not None else None
    return str(details["reason"]) if isinstance(details, dict) and "reason" in details else None


def _secure(state: State) -> bool:
    return state.settings.public_url.startswith("https://")


def _when(view: View, start: datetime, end: datetime) -> str:
    return (
        f"{render.long_date(start, view.tz)}, {view.clock(start)} to {view.clock(end)} ({view.tz})"
    )


@router.get("/{username}/{slug}/book")
async def booking_form(
    request: Request, state: State, username: str, slug: str, start: str | None = None
) -> Response:
    _owner_name(username)
    try:
        owner, et = await _event_type(state, username, slug)
        when = _start(start)
    except CalgateError as exc:
        return _error(request, exc)
    return _form_page(
        request, state, owner, et, View(request, owner.time_zone, owner.time_format), when
    )


async def _form(request: Request) -> dict[str, list[str]]:
    try:
        form = await request.form()
    except Exception:  # a malformed body is the visitor's mistake, not a 500
        raise BadRequest("The form could not be read") from None
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(key, []).append(value)
    return out


def _field(form: dict[str, list[str]], name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


def _check_csrf(state: State, request: Request, form: dict[str, list[str]]) -> None:
    submitted = _field(form, csrf.FIELD)
    if not csrf.valid(state.settings.secret_key, request, submitted):
        raise BadRequest(
            "This form has expired or was not sent from this site; go back, reload and try again",
            {"reason": "invalid_csrf_token"},
        )


async def _nearby(
    state: State, et: Any, view: View, start: datetime, reschedule: str | None, url: str
) -> list[dict[str, str]]:
    """Free starts closest to the one that could not be booked."""
    try:
        found = await slots.available_slots(
            state.db,
            SlotQuery(
                event_type=EventTypeRef(id=et.id),
                duration=view.duration,
                reschedule_uid=reschedule,
                max_starts=slots.ANONYMOUS_MAX_STARTS,
                booker_time_zone=view.tz,
            ),
            start - timedelta(days=1),
            start + timedelta(days=2),
        )
    except CalgateError:
        return []
    closest = sorted(found.slots, key=lambda s: abs((s.start - start).total_seconds()))[:NEARBY]
    return [
        {
            "label": f"{render.long_date(s.start, view.tz)} {view.clock(s.start)}",
            "href": f"{url}?{view.params(start=_zulu(s.start))}",
        }
        for s in sorted(closest, key=lambda s: s.start)
    ]


@router.post("/{username}/{slug}/book")
async def book(request: Request, state: State, username: str, slug: str) -> Response:
    _owner_name(username)
    try:
        owner, et = await _event_type(state, username, slug)
        form = await _form(request)
        _check_csrf(state, request, form)
        view = View(request, owner.time_zone, owner.time_format)
        when = _start(_field(form, "start"))
    except CalgateError as exc:
        return _error(request, exc)
    asked = fields.form_fields(et.booking_fields or [], et.locations or [])
    answers = fields.parse(asked, form)
    if answers.errors:
        return _form_page(
            request, state, owner, et, view, when, status=400, values=form, errors=answers.errors
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
            ),
        )
    except CalgateError as exc:
        url = f"/{owner.username}/{et.slug}/book"
        nearby = await _nearby(state, et, view, when, None, url)
        return _form_page(
            request,
            state,
            owner,
            et,
            view,
            when,
            status=exc.status_code,
            values=form,
            failure=exc,
            nearby=nearby,
        )
    view.seat = created.seat_uid if et.seats_per_time_slot else None
    return RedirectResponse(f"/booking/{created.booking.uid}?{view.params()}", status_code=303)


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


def _calendar_links(found: Held, uid: str) -> dict[str, str]:
    b, et = found.booking, found.event_type
    title = et.title if et is not None else b.title
    dates = f"{_stamp(b.start_time)}/{_stamp(b.end_time)}"
    google = urlencode(
        {"action": "TEMPLATE", "text": title, "dates": dates, "location": b.location or ""}
    )
    outlook = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": title,
            "startdt": b.start_time.astimezone(UTC).isoformat(),
            "enddt": b.end_time.astimezone(UTC).isoformat(),
            "location": b.location or "",
        }
    )
    return {
        "Google Calendar": f"https://calendar.google.com/calendar/render?{google}",
        "Outlook": f"https://outlook.live.com/calendar/0/deeplink/compose?{outlook}",
        "Download .ics": f"/booking/{uid}/event.ics",
    }


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@router.get("/booking/{uid}")
async def confirmation(request: Request, state: State, uid: str) -> Response:
    try:
        found = await _booking(state, uid)
    except CalgateError as exc:
        return _error(request, exc)
    b = found.booking
    view = _view(request, found)
    host_view = View(request, found.host.time_zone, found.host.time_format)
    host_view.tz = found.host.time_zone
    location = b.location or ""
    return render.page(
        "booking.html",
        b=b,
        et=found.event_type,
        host=found.host,
        owner=found.host,
        view=view,
        guest_when=_when(view, b.start_time, b.end_time),
        host_when=_when(host_view, b.start_time, b.end_time),
        location=location,
        meeting_link=location if location.startswith(("https://", "http://")) else None,
        state_name=str(b.status),
        successor=found.rescheduled_to_uid,
        links=_calendar_links(found, uid),
        changeable=str(b.status) in ("accepted", "pending") and b.end_time > datetime.now(UTC),
        reschedulable=not _seated(found),
        cancellable=not _seated(found) or _guest(found, view.seat) is not None,
        uid=uid,
    )


@router.get("/booking/{uid}/event.ics")
async def calendar_file(request: Request, state: State, uid: str) -> Response:
    try:
        found = await _booking(state, uid)
    except CalgateError as exc:
        return _error(request, exc)
    b, et, host = found.booking, found.event_type, found.host
    body = ics.event(
        uid=b.ics_uid or f"{uid}@calgate",
        start=b.start_time,
        end=b.end_time,
        summary=et.title,
        description=f"{et.title} with {host.name or host.username}",
        location=b.location,
        cancelled=str(b.status) in ("cancelled", "rejected"),
        now=datetime.now(UTC),
    )
    return PlainTextResponse(
        body,
        media_type="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{et.slug}.ics"'},
    )


@router.get("/booking/{uid}/reschedule")
async def reschedule_form(
    request: Request, state: State, uid: str, start: str | None = None
) -> Response:
    try:
        found = await _booking(state, uid)
    except CalgateError as exc:
        return _error(request, exc)
    view = _view(request, found)
    try:
        _check_holder(found, view, reschedule=True)
    except CalgateError as exc:
        return _error(request, exc, view)
    if start is None:  # first pick a new time
        picker_url = f"/{found.host.username}/{found.event_type.slug}"
        return RedirectResponse(f"{picker_url}?{view.params(rescheduleUid=uid)}", status_code=303)
    try:
        when = _start(start)
    except CalgateError as exc:
        return _error(request, exc, view)
    return _change_page(
        request,
        state,
        "reschedule.html",
        found,
        view,
        start=_zulu(when),
        new_when=_when(view, when, when + (found.booking.end_time - found.booking.start_time)),
    )


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
        old_when=_when(view, b.start_time, b.end_time),
        csrf_token=csrf.token(state.settings.secret_key, nonce),
        **extra,
    )
    csrf.remember(response, nonce, secure=_secure(state))
    return response


@router.post("/booking/{uid}/reschedule")
async def reschedule(request: Request, state: State, uid: str) -> Response:
    try:
        found = await _booking(state, uid)
        form = await _form(request)
        _check_csrf(state, request, form)
        when = _start(_field(form, "start"))
    except CalgateError as exc:
        return _error(request, exc)
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
        nearby = await _nearby(state, found.event_type, view, when, uid, url)
        length = found.booking.end_time - found.booking.start_time
        return _change_page(
            request,
            state,
            "reschedule.html",
            found,
            view,
            exc.status_code,
            start=_zulu(when),
            new_when=_when(view, when, when + length),
            failure=exc,
            reason=_reason(exc),
            nearby=nearby,
        )
    return RedirectResponse(f"/booking/{moved.booking.uid}?{view.params()}", status_code=303)


@router.get("/booking/{uid}/cancel")
async def cancel_form(request: Request, state: State, uid: str) -> Response:
    try:
        found = await _booking(state, uid)
    except CalgateError as exc:
        return _error(request, exc)
    view = _view(request, found)
    try:
        _check_holder(found, view)
    except CalgateError as exc:
        return _error(request, exc, view)
    return _change_page(request, state, "cancel.html", found, view)


@router.post("/booking/{uid}/cancel")
async def cancel(request: Request, state: State, uid: str) -> Response:
    try:
        found = await _booking(state, uid)
        form = await _form(request)
        _check_csrf(state, request, form)
    except CalgateError as exc:
        return _error(request, exc)
    view = _view(request, found)
    reason = (form.get("reason") or [""])[0].strip()[: fields.MAX_TEXT] or None
    try:
        guest = _check_holder(found, view)
        await bookings.cancel_booking(
            state.db,
            uid,
            reason=reason,
            cancelled_by=guest.email if guest is not None else None,
            seat_uid=view.seat if _seated(found) else None,
        )
    except CalgateError as exc:
        return _change_page(
            request,
            state,
            "cancel.html",
            found,
            view,
            exc.status_code,
            failure=exc,
            reason=_reason(exc),
        )
    return RedirectResponse(f"/booking/{uid}?{view.params()}", status_code=303)
