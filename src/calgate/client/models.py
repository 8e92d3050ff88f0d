"""Typed views of what the API returns.

Fields are the ones scripts and the CLI rely on; every other field the server sends is kept
(`extra="allow"`), so a newer server or Cal.com itself never breaks parsing. Names are
snake_case in Python and camelCase on the wire, as in the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Model(BaseModel):
    model_config = ConfigDict(
        extra="allow", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class User(Model):
    id: int
    email: str | None = None
    username: str | None = None
    name: str | None = None
    time_zone: str | None = None
    week_start: str | None = None
    time_format: int | None = None
    default_schedule_id: int | None = None


class EventType(Model):
    id: int
    title: str
    slug: str
    # `lengthInMinutes` (2024-06-14) or `length` (Cal.com's legacy shape).
    length_in_minutes: int | None = Field(
        default=None, validation_alias=AliasChoices("lengthInMinutes", "length")
    )
    description: str | None = None
    hidden: bool | None = None
    owner_id: int | None = None
    booking_url: str | None = None


class Person(Model):
    name: str | None = None
    email: str | None = None
    time_zone: str | None = None
    absent: bool | None = None


class Attendee(Person):
    id: int | None = None
    language: str | None = None
    phone_number: str | None = None


class Booking(Model):
    id: int | None = None
    uid: str
    title: str | None = None
    status: str | None = None
    start: datetime = Field(validation_alias=AliasChoices("start", "startTime"))
    end: datetime = Field(validation_alias=AliasChoices("end", "endTime"))
    duration: int | None = None
    event_type_id: int | None = None
    location: str | None = None
    meeting_url: str | None = None
    hosts: list[Person] = []
    attendees: list[Attendee] = []
    guests: list[str] = []
    cancellation_reason: str | None = None
    rescheduled_to_uid: str | None = None
    # The series an occurrence of a recurring booking belongs to: `recurringBookingUid`
    # (2024-08-13), `recurringEventId` (Cal.com's legacy shape).
    recurring_booking_uid: str | None = Field(
        default=None, validation_alias=AliasChoices("recurringBookingUid", "recurringEventId")
    )


# What booking a recurring event type answers: every occurrence of the series, in start order,
# sharing `recurring_booking_uid` (Cal.com's array of RecurringBookingOutput). Getting or
# cancelling by the series' uid answers a list too.
BookingOrSeries = Booking | list[Booking]


class CalendarLink(Model):
    """An "add to calendar" link of a booking (Google, Microsoft, ICS data URI, ...)."""

    label: str
    link: str
    id: str | None = None


class BookingReference(Model):
    """Where a booking lives elsewhere: a calendar event, a conferencing room."""

    id: int
    type: str
    event_uid: str
    destination_calendar_id: str | None = None


class Availability(Model):
    days: list[str] = []
    start_time: str | None = None
    end_time: str | None = None


class Override(Model):
    date: str
    start_time: str | None = None
    end_time: str | None = None


class Schedule(Model):
    id: int
    name: str
    time_zone: str | None = None
    is_default: bool | None = None
    availability: list[Availability] = []
    overrides: list[Override] = []


class Slot(Model):
    start: datetime = Field(validation_alias=AliasChoices("start", "time"))
    end: datetime | None = None
    attendees_count: int | None = None
    booking_uid: str | None = None


class Reservation(Model):
    reservation_uid: str = Field(validation_alias=AliasChoices("reservationUid", "uid"))
    event_type_id: int | None = None
    slot_start: datetime | None = None
    slot_end: datetime | None = None
    slot_duration: int | None = None
    reservation_until: datetime | None = None


class Reason(Model):
    code: str
    message: str | None = None
    host_id: int | None = None


class Nearest(Model):
    before: datetime | None = None
    after: datetime | None = None


class Explanation(Model):
    """Why a start is (not) bookable: calgate's `GET /v2/slots/explain`."""

    bookable: bool
    start: datetime | None = None
    end: datetime | None = None
    reasons: list[Reason] = []
    nearest: Nearest | None = None


class Webhook(Model):
    id: int | str
    subscriber_url: str
    triggers: list[str] = []
    active: bool | None = None
    payload_template: str | None = None
    event_type_id: int | None = None


class WebhookDelivery(Model):
    id: int
    status: str | None = None
    event_id: str | None = None


class Team(Model):
    id: int
    name: str | None = None
    slug: str | None = None


class Calendar(Model):
    """One connected calendar integration and its calendars (Cal.com's `connectedCalendars`)."""

    integration: dict[str, Any] = {}
    credential_id: int | None = None
    calendars: list[dict[str, Any]] = []


class ConferencingApp(Model):
    id: int | None = None
    type: str | None = None
    app_id: str | None = None


class VerifiedResource(Model):
    id: int
    email: str | None = None
    phone_number: str | None = None
    user_id: int | None = None


class Connection(Model):
    """A gateway connection (the control API uses snake_case on the wire)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    connection_id: str
    status: str
    app: str | None = None
    url: str | None = None
    status_reason: str | None = None
    creation_time: datetime | None = None
    last_updated_time: datetime | None = None
    metadata: dict[str, Any] = {}
