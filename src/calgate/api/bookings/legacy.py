"""Bookings, legacy 2024-04-15 shapes (no `cal-api-version` header), as the skill document
and Cal.com's 2024-04-15 controller use them: `startTime`/`endTime`, upper-case status,
`responses{name,email,...}` on create, `{bookings, totalCount, nextCursor}` lists."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, EmailStr, Field

from calgate.api.bookings.common import Listing, Rescheduling, UtcDateTime, booked_event_type
from calgate.api.bookings.query import number
from calgate.api.schema import BodyId, Input, Metadata, Name, Output, Text, iso_z
from calgate.services.availability import EventTypeRef
from calgate.services.bookings import AttendeeSpec, BookingView, NewBooking


class Responses(Input):
    # Booking questions are open-ended: custom fields arrive here by their slug.
    model_config = ConfigDict(**{**Input.model_config, "extra": "allow"})
    name: str = Field(min_length=1, max_length=255)
    email: EmailStr
    guests: list[EmailStr] = Field(default_factory=list, max_length=50)
    location: Any = None
    notes: Text | None = None
    phone_number: str | None = Field(None, alias="attendeePhoneNumber", max_length=32)


class CreateBookingInput_2024_04_15(Input):
    # Cal.com's legacy input has many optional booker-page fields; accept and ignore them.
    model_config = ConfigDict(**{**Input.model_config, "extra": "ignore"})
    event_type_id: BodyId
    start: UtcDateTime
    end: UtcDateTime | None = None
    time_zone: str = Field(min_length=1, max_length=64)
    language: str = Field("en", max_length=16)
    responses: Responses
    metadata: Metadata = Field(default_factory=dict)
    reschedule_uid: Name | None = None
    rescheduling_reason: str | None = Field(None, max_length=5000)
    reservation_uid: Name | None = None
    # Cal.com's booker sends a private link's hash here (with hasHashedBookingLink).
    hashed_link: Name | None = None

    def attendee(self) -> AttendeeSpec:
        r = self.responses
        return AttendeeSpec(r.name, str(r.email), self.time_zone, self.language, r.phone_number)

    def length(self) -> int | None:
        if self.end is None:
            return None
        return int((self.end - self.start).total_seconds() // 60)

    def location_text(self) -> str | None:
        loc = self.responses.location
        if isinstance(loc, dict):
            return str(loc.get("optionValue") or loc.get("value") or "") or None
        return str(loc) if loc else None

    def extra_responses(self) -> dict[str, Any]:
        return self.responses.model_dump(mode="json", by_alias=True, exclude_none=True)

    def rescheduling(self) -> Rescheduling | None:
        if not self.reschedule_uid:
            return None
        return Rescheduling(self.reschedule_uid, self.start, self.rescheduling_reason)

    def to_booking(self, holder: str | None) -> NewBooking:
        return NewBooking(
            event_type=EventTypeRef(id=self.event_type_id),
            start=self.start,
            attendee=self.attendee(),
            length=self.length(),
            guests=tuple(str(g) for g in self.responses.guests),
            responses=self.extra_responses(),
            metadata=self.metadata,
            location=self.location_text(),
            reservation_uid=self.reservation_uid,
            holder=holder,
            hashed_link=self.hashed_link,
        )


class CancelBookingInput_2024_04_15(Input):
    model_config = ConfigDict(**{**Input.model_config, "extra": "ignore"})
    cancellation_reason: str | None = Field(None, max_length=5000)
    all_remaining_bookings: bool | None = None
    seat_reference_uid: Name | None = None

    def seat(self) -> str | None:
        return self.seat_reference_uid

    def series(self) -> str | None:
        return "remaining" if self.all_remaining_bookings else None


class MarkNoShowAttendee(Input):
    email: EmailStr
    no_show: bool


class MarkNoShowInput_2024_04_15(Input):
    no_show_host: bool | None = None
    attendees: list[MarkNoShowAttendee] = Field(default_factory=list)

    def marks(self) -> tuple[bool | None, dict[str, bool]]:
        return self.no_show_host, {str(a.email): a.no_show for a in self.attendees}


class LegacyAttendee(Output):
    id: int
    name: str
    email: str
    time_zone: str
    locale: str | None
    # Cal.com's stored attendee row: present, null when the booker gave no number.
    phone_number: str | None
    booking_id: int
    no_show: bool


class LegacyUser(Output):
    id: int
    name: str | None
    email: str
    username: str
    time_zone: str


class LegacyEventType(Output):
    id: int
    slug: str
    title: str
    length: int


class BookingOutput_2024_04_15(Output):
    id: int
    uid: str
    title: str
    description: str | None
    start_time: str
    end_time: str
    status: str
    location: str | None
    user_id: int | None
    event_type_id: int | None
    attendees: list[LegacyAttendee]
    user: LegacyUser | None
    event_type: LegacyEventType | None
    responses: dict[str, Any]
    metadata: dict[str, Any]
    cancellation_reason: str | None
    rejection_reason: str | None
    rescheduled: bool
    from_reschedule: str | None
    no_show_host: bool
    ics_uid: str | None
    recurring_event_id: str | None
    created_at: str
    updated_at: str | None

    @classmethod
    def of(cls, v: BookingView) -> BookingOutput_2024_04_15:
        b = v.booking
        et = booked_event_type(v)
        return cls(
            id=b.id,
            uid=b.uid,
            title=v.title(),
            description=b.description,
            start_time=iso_z(b.start_time),
            end_time=iso_z(b.end_time),
            status=b.status.upper(),
            location=b.location,
            user_id=b.user_id,
            event_type_id=et.id if et else None,
            attendees=[
                LegacyAttendee(
                    id=a.id,
                    name=a.name,
                    email=a.email,
                    time_zone=a.time_zone,
                    locale=a.locale,
                    phone_number=a.phone_number,
                    booking_id=b.id,
                    no_show=a.no_show,
                )
                for a in v.attendees()
            ],
            user=LegacyUser(
                id=v.host.id,
                name=v.host.name,
                email=v.host.email,
                username=v.host.username,
                time_zone=v.host.time_zone,
            )
            if v.host
            else None,
            event_type=LegacyEventType(id=et.id, slug=et.slug, title=et.title, length=et.length)
            if et
            else None,
            responses=v.responses(),
            metadata=b.metadata_ or {},
            cancellation_reason=b.cancellation_reason,
            rejection_reason=b.rejection_reason,
            rescheduled=b.rescheduled,
            from_reschedule=b.from_reschedule,
            no_show_host=b.no_show_host,
            ics_uid=b.ics_uid,
            recurring_event_id=b.recurring_event_id,
            created_at=iso_z(b.created_at),
            updated_at=iso_z(b.updated_at) if b.updated_at else None,
        )


class SeatedBookingOutput_2024_04_15(BookingOutput_2024_04_15):
    """A booking answered to the attendee who just took a seat in it."""

    seat_reference_uid: str


class Shapes:
    Create = CreateBookingInput_2024_04_15
    Cancel = CancelBookingInput_2024_04_15
    MarkAbsent = MarkNoShowInput_2024_04_15
    default_take = 10

    @staticmethod
    def one(v: BookingView) -> Any:
        out = BookingOutput_2024_04_15.of(v)
        if v.seat_uid:
            fields = out.model_dump(by_alias=False)
            return SeatedBookingOutput_2024_04_15(**fields, seat_reference_uid=v.seat_uid)
        return out

    @staticmethod
    def offset(skip: str | None, cursor: str | None) -> int:
        return number("cursor", cursor, minimum=0, maximum=10_000_000) or 0

    @staticmethod
    def many(views: list[BookingView], total: int, skip: int, take: int) -> Listing:
        next_offset = skip + len(views)
        data = {
            "bookings": [BookingOutput_2024_04_15.of(v) for v in views],
            "recurringInfo": recurring_info(views),
            "totalCount": total,
            "nextCursor": next_offset if next_offset < total else None,
        }
        return data, {}

    @staticmethod
    def booked(v: BookingView | list[BookingView]) -> Any:
        return [Shapes.one(o) for o in v] if isinstance(v, list) else Shapes.one(v)

    @staticmethod
    def cancelled(v: BookingView | list[BookingView], only_removed_attendee: bool) -> Any:
        # A whole series cancelled by its uid answers with its first occurrence.
        first = v[0] if isinstance(v, list) else v
        return {
            "bookingId": first.booking.id,
            "bookingUid": first.booking.uid,
            "onlyRemovedAttendee": only_removed_attendee,
        }


# Cal.com's BookingStatus keys of recurringInfo[].bookings, every one present.
_SERIES_STATUSES = ("ACCEPTED", "CANCELLED", "REJECTED", "PENDING", "AWAITING_HOST")


def recurring_info(views: list[BookingView]) -> list[dict[str, Any]]:
    """Cal.com's legacy ``recurringInfo``: per recurring series in the page, its id, how many
    occurrences it has, the first one's start, and each occurrence's start by status."""
    info: dict[str, dict[str, Any]] = {}
    for v in views:
        series = v.booking.recurring_event_id
        if not series or series in info or not v.series:
            continue
        by_status: dict[str, list[str]] = {s: [] for s in _SERIES_STATUSES}
        for status, start in v.series:
            by_status.setdefault(status.upper(), []).append(iso_z(start))
        info[series] = {
            "recurringEventId": series,
            "count": len(v.series),
            "firstDate": iso_z(min(start for _, start in v.series)),
            "bookings": by_status,
        }
    return list(info.values())
