from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from calgate.store.models.base import Base, Timestamped
from calgate.store.types import JSONType, UTCDateTime

if TYPE_CHECKING:
    from calgate.store.models.event_types import EventType


class BookingStatus(StrEnum):
    """Cal.com's BookingStatus, stored lower-cased."""

    ACCEPTED = "accepted"
    PENDING = "pending"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


# A booking in one of these holds its time on the host's calendar.
BLOCKING_STATUSES = (BookingStatus.ACCEPTED, BookingStatus.PENDING)
# A booking in one of these is over: it cannot be cancelled or rescheduled again.
ENDED_STATUSES = (BookingStatus.CANCELLED, BookingStatus.REJECTED)


class _StatusColumn(TypeDecorator[BookingStatus]):
    """The status as its plain string in the database, as a BookingStatus in Python."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else BookingStatus(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> BookingStatus | None:
        return None if value is None else BookingStatus(value)


class Booking(Timestamped, Base):
    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_user_start", "user_id", "start_time"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    event_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_types.id", ondelete="SET NULL"), index=True
    )
    # The organizer: the host the booking was made with.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[BookingStatus] = mapped_column(_StatusColumn(), index=True)
    location: Mapped[str | None] = mapped_column(Text)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    responses: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[str | None] = mapped_column(String(320))
    rescheduled: Mapped[bool] = mapped_column(Boolean, default=False)
    rescheduled_by: Mapped[str | None] = mapped_column(String(320))
    from_reschedule: Mapped[str | None] = mapped_column(String(64), index=True)
    rescheduling_reason: Mapped[str | None] = mapped_column(Text)
    no_show_host: Mapped[bool] = mapped_column(Boolean, default=False)
    # Cal.com's iCalUID: the meeting's UID in every calendar (a reschedule's new booking keeps
    # its predecessor's), null on bookings made before calgate set it (see calendar_uid).
    ics_uid: Mapped[str | None] = mapped_column(String(128))
    # Cal.com's iCalSequence: how many times the meeting was moved or handed to another host
    # (its invites' SEQUENCE).
    ics_sequence: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # Every occurrence of one recurring booking shares this uid (Cal.com's recurringEventId,
    # the API's recurringBookingUid).
    recurring_event_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # {id, slug, title, length} of the event type when booked: answered as the booking's
    # eventTypeId / eventType once that event type is deleted (event_type_id is then null).
    # An occurrence of a series booked at once adds `recurrence` (core.recurrence.booked: its
    # rule, count and zone), by which its emails and write-back tell the series as one
    # (calendars.series).
    event_type_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="booking",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="Attendee.id",
    )
    blocks: Mapped[list[BookingBlock]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def calendar_uid(self) -> str:
        """The UID every calendar knows the meeting by: the email invite, the booking page's
        download, `/calendar-links` and the calendar write-back. Bookings without `ics_uid`
        answer the UID their invites always had."""
        return self.ics_uid or f"{self.uid}@calgate"

    def hides_attendees(self, event_type: EventType | None) -> bool:
        """Cal.com's `seats.showAttendeeInfo: false`: in a seated booking each attendee sees
        only their own seat; the host (and whoever manages the booking) sees everyone. The one
        statement of the rule, for the API, the people routes and the emails."""
        seated = any(a.seat_uid for a in self.attendees)
        return seated and not (event_type is not None and event_type.seats_show_attendees)


class Attendee(Base):
    __tablename__ = "attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320), index=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    phone_number: Mapped[str | None] = mapped_column(String(32))
    no_show: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set for a seat in a seated booking; lets one attendee cancel only their seat.
    seat_uid: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    booking: Mapped[Booking] = relationship(back_populates="attendees")


class BookingBlock(Base):
    """The time a booking holds on one host's calendar, buffers included.

    This row is what the database uses to refuse double bookings: an exclusion constraint on
    PostgreSQL and an abort trigger on SQLite reject two active blocks of one host that overlap.
    A collective booking holds one block per host.
    """

    __tablename__ = "booking_blocks"
    __table_args__ = (Index("ix_booking_blocks_user_range", "user_id", "block_start", "block_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    block_start: Mapped[datetime] = mapped_column(UTCDateTime)
    block_end: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    booking: Mapped[Booking] = relationship(back_populates="blocks")


class SlotReservation(Base):
    """A short hold on a slot (Cal.com's "selected slot"), hidden from everyone but its holder."""

    __tablename__ = "slot_reservations"
    __table_args__ = (Index("ix_slot_reservations_et_start", "event_type_id", "slot_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    event_type_id: Mapped[int] = mapped_column(ForeignKey("event_types.id", ondelete="CASCADE"))
    # The host whose time is held (NULL: every host of the event type).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    slot_end: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Who holds it: "user:<id>" for an authenticated caller, else an opaque client token.
    holder: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
