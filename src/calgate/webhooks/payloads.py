"""Cal.com's webhook bodies (version 2021-10-20) and payload templates.

The default body is `{"triggerEvent", "createdAt", "payload"}` serialised compactly, as
`JSON.stringify` does. A webhook's `payloadTemplate` is rendered with `{{path.to.value}}`
substitution (Handlebars-style HTML escaping, then `&quot;` turned back into `"` as Cal.com
does); a template that is JSON is re-serialised and sent as application/json, anything else
as application/x-www-form-urlencoded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from calgate.store.models import Booking, BookingStatus, EventType, User
from calgate.timefmt import iso_z

JSON_CONTENT = "application/json"
FORM_CONTENT = "application/x-www-form-urlencoded"

# Cal.com's default labels for the system booking fields.
_SYSTEM_LABELS = {
    "name": "your_name",
    "email": "email_address",
    "location": "location",
    "title": "what_is_this_meeting_about",
    "notes": "additional_notes",
    "guests": "additional_guests",
    "rescheduleReason": "reason_for_reschedule",
    "attendeePhoneNumber": "phone_number",
}


class BookingLike(Protocol):
    """What payloads need of a booking: services.bookings.BookingView satisfies it."""

    @property
    def booking(self) -> Booking: ...

    @property
    def event_type(self) -> EventType | None: ...

    @property
    def host(self) -> User | None: ...


def cal_time(value: datetime) -> str:
    """dayjs().utc().format(): 2026-02-13T17:00:00Z."""
    return iso_z(value, "seconds")


def cal_created_at(value: datetime) -> str:
    """Date.toISOString(): 2026-02-13T17:00:00.000Z."""
    return iso_z(value)


def utc_offset(time_zone: str | None, at: datetime) -> int | None:
    """Minutes east of UTC at `at`, as Cal.com's getUTCOffsetByTimezone."""
    if not time_zone:
        return None
    try:
        offset = at.astimezone(ZoneInfo(time_zone)).utcoffset()
    except (KeyError, ValueError):
        return None
    return int(offset.total_seconds() // 60) if offset is not None else None


def _split_name(name: str) -> tuple[str, str]:
    trimmed = (name or "").strip()
    first, _, last = trimmed.partition(" ")
    return first, last.strip()


def _responses(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    responses: dict[str, Any] = {}
    user_fields: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        entry = {"label": _SYSTEM_LABELS.get(key, key), "value": value}
        responses[key] = entry
        if key not in _SYSTEM_LABELS:
            user_fields[key] = entry
    return responses, user_fields


def _organizer(host: User | None, start: datetime) -> dict[str, Any]:
    if host is None:
        return {}
    return {
        "id": host.id,
        "name": host.name or host.username,
        "email": host.email,
        "username": host.username,
        "timeZone": host.time_zone,
        "language": {"locale": host.locale or "en"},
        "timeFormat": "HH:mm" if host.time_format == 24 else "h:mma",
        "utcOffset": utc_offset(host.time_zone, start),
    }


def _attendees(booking: Booking) -> list[dict[str, Any]]:
    return [attendee_json(a, booking) for a in booking.attendees]


def attendee_json(a: Any, booking: Booking) -> dict[str, Any]:
    first, last = _split_name(a.name)
    item: dict[str, Any] = {
        "email": a.email,
        "name": a.name,
        "firstName": first,
        "lastName": last,
        "timeZone": a.time_zone,
        "language": {"locale": a.locale or "en"},
        "utcOffset": utc_offset(a.time_zone, booking.start_time),
    }
    if a.phone_number:
        item["phoneNumber"] = a.phone_number
    return item


_STATUS = {
    BookingStatus.ACCEPTED: "ACCEPTED",
    BookingStatus.PENDING: "PENDING",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.REJECTED: "REJECTED",
}

# The status Cal.com's builder stamps on each trigger's payload.
_TRIGGER_STATUS = {
    "BOOKING_CREATED": "ACCEPTED",
    "BOOKING_CONFIRMED": "ACCEPTED",
    "BOOKING_RESCHEDULED": "ACCEPTED",
    "BOOKING_REQUESTED": "PENDING",
    "BOOKING_CANCELLED": "CANCELLED",
    "BOOKING_REJECTED": "REJECTED",
}


def booking_payload(trigger: str, view: BookingLike, extra: dict[str, Any]) -> dict[str, Any]:
    """The `payload` object of a booking trigger (CalendarEvent fields plus event type info)."""
    b, et, host = view.booking, view.event_type, view.host
    responses, user_fields = _responses(b.responses)
    notes = (b.responses or {}).get("notes") or b.description or ""
    payload: dict[str, Any] = {
        "type": et.slug if et else None,
        "title": b.title,
        "description": b.description or notes,
        "additionalNotes": notes,
        "customInputs": {},
        "startTime": cal_time(b.start_time),
        "endTime": cal_time(b.end_time),
        "organizer": _organizer(host, b.start_time),
        "responses": responses,
        "userFieldsResponses": user_fields,
        "attendees": _attendees(b),
        "location": b.location,
        "destinationCalendar": None,
        "hideCalendarNotes": False,
        "requiresConfirmation": et.requires_confirmation if et else None,
        "eventTypeId": b.event_type_id,
        "seatsShowAttendees": et.seats_show_attendees if et else False,
        "seatsPerTimeSlot": et.seats_per_time_slot if et else None,
        "seatsShowAvailabilityCount": et.seats_show_availability_count if et else True,
        "schedulingType": (et.scheduling_type or "").upper() or None if et else None,
        "iCalUID": b.ics_uid,
        # The invites' SEQUENCE: a cancel's is one above the meeting's (as Cal.com's).
        "iCalSequence": b.ics_sequence + (1 if trigger == "BOOKING_CANCELLED" else 0),
        "uid": b.uid,
        "bookingId": b.id,
        "hashedLink": None,
        "eventTitle": et.title if et else None,
        "eventDescription": et.description if et else None,
        "price": 0,
        "currency": "usd",
        "length": et.length if et else None,
        "assignmentReason": None,
        "status": _TRIGGER_STATUS.get(trigger, _STATUS.get(b.status, b.status.upper())),
    }
    payload.update(extra)
    return payload


def created_extra(view: BookingLike) -> dict[str, Any]:
    return {"metadata": dict(view.booking.metadata_ or {})}


def cancelled_extra(view: BookingLike) -> dict[str, Any]:
    b = view.booking
    return {
        "cancelledBy": b.cancelled_by,
        "cancellationReason": b.cancellation_reason,
        "requestReschedule": False,
    }


def seat_cancelled_extra(view: BookingLike, seat: Any) -> dict[str, Any]:
    """One attendee gave up their seat: as Cal.com's cancelAttendeeSeat, the event names just
    that attendee; the booking itself goes on for the others."""
    return {**cancelled_extra(view), "attendees": [attendee_json(seat, view.booking)]}


def rejected_extra(view: BookingLike) -> dict[str, Any]:
    return {"rejectionReason": view.booking.rejection_reason}


def rescheduled_extra(view: BookingLike, old: Booking) -> dict[str, Any]:
    return {
        "rescheduleId": old.id,
        "rescheduleUid": old.uid,
        "rescheduleStartTime": cal_time(old.start_time),
        "rescheduleEndTime": cal_time(old.end_time),
        "rescheduledBy": view.booking.rescheduled_by,
        "metadata": dict(view.booking.metadata_ or {}),
    }


def no_show_payload(
    view: BookingLike, changed: dict[str, bool], host: bool | None
) -> dict[str, Any]:
    b = view.booking
    attendees = [{"email": email, "noShow": absent} for email, absent in changed.items()]
    if attendees:
        marked = sum(1 for a in attendees if a["noShow"])
        message = (
            f"{marked} attendee(s) marked as no-show"
            if marked
            else f"{len(attendees)} attendee(s) marked as present"
        )
    else:
        message = "Host marked as no-show" if host else "Host marked as present"
    payload: dict[str, Any] = {
        "bookingUid": b.uid,
        "bookingId": b.id,
        "attendees": attendees,
        "message": message,
    }
    if host is not None:
        payload["host"] = {"email": view.host.email if view.host else None, "noShow": host}
    return payload


def meeting_payload(view: BookingLike) -> dict[str, Any]:
    """MEETING_STARTED / MEETING_ENDED: the booking record, as Cal.com's scheduled triggers."""
    b, et, host = view.booking, view.event_type, view.host
    return {
        "id": b.id,
        "uid": b.uid,
        "title": b.title,
        "description": b.description,
        "startTime": cal_created_at(b.start_time),
        "endTime": cal_created_at(b.end_time),
        "status": _STATUS.get(b.status, b.status.upper()),
        "location": b.location,
        "eventTypeId": b.event_type_id,
        "userId": b.user_id,
        "iCalUID": b.ics_uid,
        "metadata": dict(b.metadata_ or {}),
        "responses": dict(b.responses or {}),
        "createdAt": cal_created_at(b.created_at),
        "user": (
            {
                "id": host.id,
                "email": host.email,
                "name": host.name,
                "username": host.username,
                "timeZone": host.time_zone,
                "locale": host.locale,
            }
            if host
            else None
        ),
        "attendees": [
            {"name": a.name, "email": a.email, "timeZone": a.time_zone, "locale": a.locale}
            for a in b.attendees
        ],
        "eventType": (
            {"id": et.id, "slug": et.slug, "title": et.title, "length": et.length} if et else None
        ),
    }


def compact(value: Any) -> str:
    """JSON.stringify."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Body:
    text: str
    content_type: str


def render(trigger: str, created_at: str, payload: dict[str, Any], template: str | None) -> Body:
    if not template:
        envelope = {"triggerEvent": trigger, "createdAt": created_at, "payload": payload}
        return Body(compact(envelope), JSON_CONTENT)
    is_json = _json_or_none(template) is not None
    compiled = render_template(
        template, {**payload, "triggerEvent": trigger, "createdAt": created_at}
    )
    if is_json:
        parsed = _json_or_none(compiled)
        # Cal.com sends JSON.stringify(false) when the rendered template is not JSON.
        return Body(compact(parsed if parsed is not None else False), JSON_CONTENT)
    return Body(compiled, FORM_CONTENT)


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


# Bounded name length keeps matching linear on large templates.
_VAR = re.compile(r"\{\{(\{?)\s*([^{}]{1,256}?)\s*\}?\}\}")
_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "`": "&#x60;",
    "=": "&#x3D;",
}


def _lookup(data: Any, path: str) -> Any:
    current = data
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
        if current is None:
            return None
    return current


def _stringify(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, list):
        return ",".join(_stringify(v) for v in value)
    return str(value)


def render_template(template: str, data: dict[str, Any]) -> str:
    """`{{a.b.0.c}}` (escaped) and `{{{a}}}` (raw), then `&quot;` back to `"` as Cal.com."""

    def sub(match: re.Match[str]) -> str:
        raw = bool(match.group(1))
        text = _stringify(_lookup(data, match.group(2)))
        if not raw:
            text = "".join(_ESCAPES.get(ch, ch) for ch in text)
        return text

    return _VAR.sub(sub, template).replace("&quot;", '"')
