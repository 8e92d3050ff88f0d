"""Compact JSON for agents: only the fields an agent acts on, times in the user's zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from calgate.client.models import (
    Attendee,
    Booking,
    BookingOrSeries,
    Connection,
    EventType,
    Explanation,
    Schedule,
    Webhook,
)


def when(moment: datetime | None, tz: ZoneInfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="minutes") if moment else None


def parse_start(value: str, tz: ZoneInfo) -> datetime:
    """ISO date-time; one without an offset is wall time in `tz`."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"start {value!r} is not an ISO date-time like 2026-12-01T09:00") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def booking(b: Booking, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "uid": b.uid,
        "title": b.title,
        "status": b.status,
        "start": when(b.start, tz),
        "end": when(b.end, tz),
        "timeZone": str(tz),
        "attendees": [a.email for a in b.attendees],
        "guests": list(b.guests),
        "eventTypeId": b.event_type_id,
        "location": b.location,
        "recurringBookingUid": b.recurring_booking_uid,
    }


def booking_or_series(found: BookingOrSeries, tz: ZoneInfo) -> dict[str, Any]:
    """One booking, or a recurring series: its uid, its size and every occurrence."""
    if isinstance(found, Booking):
        return booking(found, tz)
    return {
        "recurringBookingUid": found[0].recurring_booking_uid if found else None,
        "count": len(found),
        "timeZone": str(tz),
        "occurrences": [booking(b, tz) for b in found],
    }


def attendee(a: Attendee) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "email": a.email, "timeZone": a.time_zone}


def event_type(et: EventType) -> dict[str, Any]:
    return {
        "id": et.id,
        "title": et.title,
        "slug": et.slug,
        "lengthInMinutes": et.length_in_minutes,
        "hidden": et.hidden,
    }


def schedule(s: Schedule) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "timeZone": s.time_zone,
        "isDefault": s.is_default,
        "availability": [a.model_dump(by_alias=True) for a in s.availability],
        "overrides": [o.model_dump(by_alias=True) for o in s.overrides],
    }


def webhook(h: Webhook) -> dict[str, Any]:
    return {
        "id": h.id,
        "subscriberUrl": h.subscriber_url,
        "triggers": h.triggers,
        "active": h.active,
    }


def connection(c: Connection) -> dict[str, Any]:
    out: dict[str, Any] = {"connection_id": c.connection_id, "app": c.app, "status": c.status}
    if c.status_reason:
        out["status_reason"] = c.status_reason
    if c.url and c.status != "ACTIVE":
        out["url"] = c.url
        out["next_step"] = "Ask the user to open url in a browser and approve access."
    return out


def explanation(ex: Explanation, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "bookable": ex.bookable,
        "start": when(ex.start, tz),
        "end": when(ex.end, tz),
        "reasons": [r.model_dump(by_alias=True, exclude_none=True) for r in ex.reasons],
        "nearest": {
            "before": when(ex.nearest.before, tz) if ex.nearest else None,
            "after": when(ex.nearest.after, tz) if ex.nearest else None,
        },
        "timeZone": str(tz),
    }
