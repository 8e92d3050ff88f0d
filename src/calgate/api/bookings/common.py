"""Pieces both booking API versions share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator

from calgate.services.bookings import BookingView

# Instants a calendar can mean. Outside them date arithmetic (buffers, limit periods, time
# zones) overflows, so such input is refused up front instead of failing deep inside.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def to_utc(value: datetime) -> datetime:
    """The UTC instant of an ISO value; one without an offset is read as UTC, as Cal.com does.

    Raises ValueError outside [1900, 9000).
    """
    # Checked on the wall year first: converting 0001-01-01T00:00+01:00 itself overflows.
    if not EARLIEST.year <= value.year < LATEST.year:
        raise ValueError("must be a date-time between the years 1900 and 9000")
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not EARLIEST <= value < LATEST:
        raise ValueError("must be a date-time between the years 1900 and 9000")
    return value


def _aware_utc(value: datetime) -> datetime:
    return to_utc(value)


UtcDateTime = Annotated[datetime, AfterValidator(_aware_utc)]


@dataclass(frozen=True)
class Rescheduling:
    """A create request that moves an existing booking (legacy `rescheduleUid`)."""

    uid: str
    start: datetime
    reason: str | None


# A list response: the `data` and any envelope fields beside it (the current shapes' pagination).
Listing = tuple[Any, dict[str, Any]]


@dataclass(frozen=True)
class BookedEventType:
    id: int
    slug: str
    title: str
    length: int


def booked_event_type(v: BookingView) -> BookedEventType | None:
    """The booking's event type; once deleted, the snapshot the booking took of it, so that
    `eventTypeId` and a minimal `eventType` stay as Cal.com keeps them."""
    if v.event_type is not None:
        et = v.event_type
        return BookedEventType(et.id, et.slug, et.title, et.length)
    snap = v.booking.event_type_snapshot
    if not snap:
        return None
    return BookedEventType(
        int(snap["id"]), str(snap["slug"]), str(snap["title"]), int(snap["length"])
    )
