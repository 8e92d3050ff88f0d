"""Bookings, `cal-api-version: 2024-08-13`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import EmailStr, Field, model_validator

from calgate.api.bookings.common import Listing, Rescheduling, UtcDateTime, booked_event_type
from calgate.api.bookings.query import number
from calgate.api.schema import Blob, BodyId, Input, Metadata, Name, Omittable, Output, Url, iso_z
from calgate.services import availability
from calgate.services.bookings import AttendeeSpec, BookingView, NewBooking

Language = str


class AttendeeInput(Input):
    name: str = Field(min_length=1, max_length=255)
    email: EmailStr
    time_zone: str = Field(min_length=1, max_length=64)
    language: Language | None = Field(None, max_length=16)
    phone_number: str | None = Field(None, max_length=32)

    def to_spec(self) -> AttendeeSpec:
        return AttendeeSpec(
            self.name, str(self.email), self.time_zone, self.language, self.phone_number
        )


class LocationInput(Input):
    model_config = {**Input.model_config, "extra": "allow"}
    type: Name


class CreateBookingInput_2024_08_13(Input):
    start: UtcDateTime
    attendee: AttendeeInput
    event_type_id: BodyId | None = None
    event_type_slug: str | None = Field(None, max_length=255)
    username: str | None = Field(None, max_length=255)
    team_slug: Name | None = None
    organization_slug: Name | None = None
    guests: list[EmailStr] = Field(default_factory=list, max_length=50)
    meeting_url: Url | None = None
    location: LocationInput | Name | None = None
    metadata: Metadata = Field(default_factory=dict)
    length_in_minutes: int | None = Field(None, ge=1, le=1440)
    booking_fields_responses: Blob = Field(default_factory=dict)
    email_verification_code: Name | None = None
    routing: Blob | None = None
    # calgate extension: book a slot you reserved earlier.
    reservation_uid: Name | None = None
    # Cal.com's booker field for a private link (`/d/{hashedLink}/{slug}`).
    hashed_link: Name | None = None
    has_hashed_booking_link: bool | None = None
    # Recurring event types: how many occurrences (at most the event type's own count).
    recurrence_count: int | None = Field(None, ge=1, le=730)

    @model_validator(mode="after")
    def _target(self) -> CreateBookingInput_2024_08_13:
        if self.event_type_id is None and not (self.event_type_slug and self.username):
            raise ValueError("eventTypeId, or eventTypeSlug together with username, is required")
        return self

    def location_text(self) -> str | None:
        loc = self.location
        if loc is None:
            return self.meeting_url
        if isinstance(loc, str):
            return loc
        extra = loc.model_extra or {}
        for key in ("address", "link", "phone", "location"):
            if extra.get(key):
                return str(extra[key])
        if loc.type == "integration" and extra.get("integration"):
            return f"integrations:{extra['integration']}"
        return loc.type

    def rescheduling(self) -> Rescheduling | None:
        return None

    def to_booking(self, holder: str | None) -> NewBooking:
        return NewBooking(
            event_type=availability.EventTypeRef(
                id=self.event_type_id, username=self.username, slug=self.event_type_slug
            ),
            start=self.start,
            attendee=self.attendee.to_spec(),
            length=self.length_in_minutes,
            guests=tuple(str(g) for g in self.guests),
            responses=dict(self.booking_fields_responses),
            metadata=self.metadata,
            location=self.location_text(),
            reservation_uid=self.reservation_uid,
            holder=holder,
            hashed_link=self.hashed_link,
            recurrence_count=self.recurrence_count,
            recurring=True,
        )


class CancelBookingInput_2024_08_13(Input):
    cancellation_reason: str | None = Field(None, max_length=5000)
    cancel_subsequent_bookings: bool | None = None
    seat_uid: Name | None = None

    def seat(self) -> str | None:
        return self.seat_uid

    def series(self) -> str | None:
        return "subsequent" if self.cancel_subsequent_bookings else None


class RescheduleBookingInput_2024_08_13(Input):
    start: UtcDateTime
    rescheduled_by: str | None = Field(None, max_length=320)
    rescheduling_reason: str | None = Field(None, max_length=5000)
    email_verification_code: Name | None = None
    seat_uid: Name | None = None


class DeclineBookingInput_2024_08_13(Input):
    reason: str | None = Field(None, max_length=5000)


class MarkAbsentAttendee(Input):
    email: EmailStr
    absent: bool


class MarkAbsentBookingInput_2024_08_13(Input):
    host: bool | None = None
    attendees: list[MarkAbsentAttendee] = Field(default_factory=list)

    def marks(self) -> tuple[bool | None, dict[str, bool]]:
        return self.host, {str(a.email): a.absent for a in self.attendees}


class BookingHost(Output):
    id: int
    name: str | None
    email: str
    display_email: str
    username: str
    time_zone: str


class BookingAttendee(Output):
    name: str
    email: str
    display_email: str
    time_zone: str
    language: Omittable[str] = None
    absent: bool
    phone_number: Omittable[str] = None
    # Seated bookings: each seat's handle (Cal.com's SeatedAttendee).
    seat_uid: Omittable[str] = None
    booking_fields_responses: Omittable[dict[str, Any]] = None


class EventTypeRef(Output):
    id: int
    slug: str


class BookingOutput_2024_08_13(Output):
    id: int
    uid: str
    title: str
    description: str
    hosts: list[BookingHost]
    status: Literal["cancelled", "accepted", "rejected", "pending"]
    cancellation_reason: Omittable[str] = None
    cancelled_by_email: Omittable[str] = None
    rescheduling_reason: Omittable[str] = None
    rescheduled_by_email: Omittable[str] = None
    rescheduled_from_uid: Omittable[str] = None
    rescheduled_to_uid: Omittable[str] = None
    start: str
    end: str
    duration: int
    event_type_id: int | None
    event_type: EventTypeRef | None
    meeting_url: Omittable[str] = None
    location: str | None
    absent_host: bool
    created_at: str
    updated_at: str
    metadata: dict[str, Any]
    rating: Omittable[int] = None
    ics_uid: Omittable[str] = None
    attendees: list[BookingAttendee]
    guests: list[str]
    booking_fields_responses: dict[str, Any]

    @classmethod
    def of(cls, v: BookingView) -> BookingOutput_2024_08_13:
        b = v.booking
        visible = v.attendees()
        main = visible[0] if visible else None
        rest = list(visible[1:])
        location = b.location
        et = booked_event_type(v)
        return cls(
            id=b.id,
            uid=b.uid,
            title=v.title(),
            description=b.description or "",
            hosts=[
                BookingHost(
                    id=v.host.id,
                    name=v.host.name,
                    email=v.host.email,
                    display_email=v.host.email,
                    username=v.host.username,
                    time_zone=v.host.time_zone,
                )
            ]
            if v.host
            else [],
            status=b.status,
            cancellation_reason=b.cancellation_reason,
            cancelled_by_email=b.cancelled_by,
            rescheduling_reason=b.rescheduling_reason,
            rescheduled_by_email=b.rescheduled_by,
            rescheduled_from_uid=b.from_reschedule,
            rescheduled_to_uid=v.rescheduled_to_uid,
            start=iso_z(b.start_time),
            end=iso_z(b.end_time),
            duration=int((b.end_time - b.start_time).total_seconds() // 60),
            event_type_id=et.id if et else None,
            event_type=EventTypeRef(id=et.id, slug=et.slug) if et else None,
            meeting_url=location if location and location.startswith("http") else None,
            location=location,
            absent_host=b.no_show_host,
            created_at=iso_z(b.created_at),
            updated_at=iso_z(b.updated_at),
            metadata=b.metadata_ or {},
            ics_uid=b.ics_uid,
            attendees=[
                BookingAttendee(
                    name=a.name,
                    email=a.email,
                    display_email=a.email,
                    time_zone=a.time_zone,
                    language=a.locale,
                    absent=a.no_show,
                    phone_number=a.phone_number,
                    seat_uid=a.seat_uid,
                    booking_fields_responses={"name": a.name, "email": a.email}
                    if a.seat_uid
                    else None,
                )
                for a in ([main] if main else []) + [a for a in rest if a.seat_uid]
            ],
            guests=[a.email for a in rest if not a.seat_uid],
            booking_fields_responses=v.responses(),
        )


class RecurringBookingOutput_2024_08_13(BookingOutput_2024_08_13):
    """One occurrence of a recurring booking; its series shares ``recurringBookingUid``."""

    recurring_booking_uid: str


class SeatedBookingOutput_2024_08_13(BookingOutput_2024_08_13):
    """A booking answered to the attendee who just took a seat in it."""

    seat_uid: str


class Shapes:
    Create = CreateBookingInput_2024_08_13
    Cancel = CancelBookingInput_2024_08_13
    MarkAbsent = MarkAbsentBookingInput_2024_08_13
    default_take = 100

    @staticmethod
    def one(v: BookingView) -> Any:
        out = BookingOutput_2024_08_13.of(v)
        if v.seat_uid:
            fields = out.model_dump(by_alias=False)
            return SeatedBookingOutput_2024_08_13(**fields, seat_uid=v.seat_uid)
        if v.booking.recurring_event_id:
            fields = out.model_dump(by_alias=False)
            series = v.booking.recurring_event_id
            return RecurringBookingOutput_2024_08_13(**fields, recurring_booking_uid=series)
        return out

    @staticmethod
    def booked(v: BookingView | list[BookingView]) -> Any:
        """A booking, or a recurring booking's occurrences (an array, as Cal.com answers)."""
        return [Shapes.one(o) for o in v] if isinstance(v, list) else Shapes.one(v)

    @staticmethod
    def offset(skip: str | None, cursor: str | None) -> int:
        return number("skip", skip, minimum=0, maximum=10_000_000) or 0

    @staticmethod
    def many(views: list[BookingView], total: int, skip: int, take: int) -> Listing:
        returned = len(views)
        pages = -(-total // take) if total else 0
        pagination = {
            "totalItems": total,
            "remainingItems": max(0, total - skip - returned),
            "returnedItems": returned,
            "itemsPerPage": take,
            "currentPage": skip // take + 1,
            "totalPages": pages,
            "hasNextPage": skip + returned < total,
            "hasPreviousPage": skip > 0,
        }
        return [Shapes.one(v) for v in views], {"pagination": pagination}

    @staticmethod
    def cancelled(v: BookingView | list[BookingView], only_removed_attendee: bool) -> Any:
        return Shapes.booked(v)
