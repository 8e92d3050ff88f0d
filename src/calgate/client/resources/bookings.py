"""`/v2/bookings`: create, list, get, cancel, reschedule, confirm, decline, mark absent,
attendees and guests, location, calendar links and references.

A recurring event type is booked as a series: `create` then answers every occurrence (a
list, in start order, sharing `recurring_booking_uid`), as do `get` and `cancel` given the
series' uid. Each occurrence has its own uid and is a `Booking` like any other."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from calgate.client.models import (
    Attendee,
    Booking,
    BookingOrSeries,
    BookingReference,
    CalendarLink,
)
from calgate.client.resources._base import (
    BOOKINGS,
    drop_none,
    instant,
    many,
    one,
    one_or_many,
)
from calgate.client.resources._resource import Resource, Tr, child, listing, operation
from calgate.client.transport import AsyncTransport, Call, SyncTransport, page_by_skip


def list_bookings(
    status: str | builtins.list[str] | None = None,
    *,
    take: int | None = None,
    skip: int | None = None,
    filters: dict[str, Any] | None = None,
) -> Call[builtins.list[Booking]]:
    """One page of bookings; `status` is upcoming, recurring, past, cancelled or unconfirmed."""
    params = drop_none(status=status, take=take, skip=skip, **(filters or {}))
    return Call(
        "GET",
        "/v2/bookings",
        many(Booking),
        params=params,
        version=BOOKINGS,
        next_page=page_by_skip,
    )


def get_booking(uid: str) -> Call[BookingOrSeries]:
    """A booking by its uid; by a recurring series' uid, every occurrence (a list)."""
    return Call("GET", f"/v2/bookings/{uid}", one_or_many(Booking), version=BOOKINGS)


def create_booking(
    *,
    event_type_id: int,
    start: datetime | str,
    name: str,
    email: str,
    time_zone: str,
    language: str | None = None,
    guests: builtins.list[str] | None = None,
    length_in_minutes: int | None = None,
    reservation_uid: str | None = None,
    recurrence_count: int | None = None,
    fields: dict[str, Any] | None = None,
) -> Call[BookingOrSeries]:
    """One booking; a recurring event type's series (a list of its occurrences), of
    `recurrence_count` occurrences when given (at most the event type's own count)."""
    attendee = drop_none(name=name, email=email, timeZone=time_zone, language=language)
    body = drop_none(
        eventTypeId=event_type_id,
        start=instant(start),
        attendee=attendee,
        guests=guests,
        lengthInMinutes=length_in_minutes,
        reservationUid=reservation_uid,
        recurrenceCount=recurrence_count,
    )
    body.update(fields or {})
    return Call("POST", "/v2/bookings", one_or_many(Booking), json=body, version=BOOKINGS)


def _action(uid: str, action: str, body: dict[str, Any]) -> Call[Booking]:
    return Call("POST", f"/v2/bookings/{uid}/{action}", one(Booking), json=body, version=BOOKINGS)


def cancel_booking(
    uid: str, reason: str | None = None, *, cancel_subsequent_bookings: bool = False
) -> Call[BookingOrSeries]:
    """Cancel a booking. An occurrence's uid cancels it (and, with
    `cancel_subsequent_bookings`, every later occurrence of its series; the answer is still
    that occurrence); a series' uid cancels what is left of it and answers the list."""
    body = drop_none(
        cancellationReason=reason, cancelSubsequentBookings=cancel_subsequent_bookings or None
    )
    return Call(
        "POST", f"/v2/bookings/{uid}/cancel", one_or_many(Booking), json=body, version=BOOKINGS
    )


def reschedule_booking(uid: str, start: datetime | str, reason: str | None = None) -> Call[Booking]:
    return _action(uid, "reschedule", drop_none(start=instant(start), reschedulingReason=reason))


def confirm_booking(uid: str) -> Call[Booking]:
    return _action(uid, "confirm", {})


def decline_booking(uid: str, reason: str | None = None) -> Call[Booking]:
    return _action(uid, "decline", drop_none(reason=reason))


def mark_absent(
    uid: str, *, host: bool | None = None, attendees: builtins.list[str] | None = None
) -> Call[Booking]:
    body = drop_none(
        host=host, attendees=[{"email": e, "absent": True} for e in attendees or []] or None
    )
    return _action(uid, "mark-absent", body)


def list_attendees(uid: str) -> Call[builtins.list[Attendee]]:
    return Call("GET", f"/v2/bookings/{uid}/attendees", many(Attendee), version=BOOKINGS)


def get_attendee(uid: str, attendee_id: int) -> Call[Attendee]:
    return Call(
        "GET", f"/v2/bookings/{uid}/attendees/{attendee_id}", one(Attendee), version=BOOKINGS
    )


def add_attendee(
    uid: str,
    *,
    name: str,
    email: str,
    time_zone: str,
    phone_number: str | None = None,
    language: str | None = None,
) -> Call[Attendee]:
    body = drop_none(
        name=name, email=email, timeZone=time_zone, phoneNumber=phone_number, language=language
    )
    return Call("POST", f"/v2/bookings/{uid}/attendees", one(Attendee), json=body, version=BOOKINGS)


def add_guests(uid: str, guests: Sequence[str | dict[str, Any]]) -> Call[Booking]:
    """Guests by email, or as Cal.com's guest objects (`email`, `name`, `timeZone`, ...)."""
    body = {"guests": [g if isinstance(g, dict) else {"email": g} for g in guests]}
    return Call("POST", f"/v2/bookings/{uid}/guests", one(Booking), json=body, version=BOOKINGS)


def update_location(uid: str, location: dict[str, Any]) -> Call[Booking]:
    """`location` as Cal.com takes it, e.g. `{"type": "link", "link": "https://..."}`,
    `{"type": "address", "address": "..."}`, `{"type": "integration", "integration": "jitsi"}`."""
    return Call(
        "PATCH",
        f"/v2/bookings/{uid}/location",
        one(Booking),
        json={"location": location},
        version=BOOKINGS,
    )


def calendar_links(uid: str) -> Call[builtins.list[CalendarLink]]:
    return Call("GET", f"/v2/bookings/{uid}/calendar-links", many(CalendarLink), version=BOOKINGS)


def references(uid: str, type: str | None = None) -> Call[builtins.list[BookingReference]]:
    return Call(
        "GET",
        f"/v2/bookings/{uid}/references",
        many(BookingReference),
        params=drop_none(type=type),
        version=BOOKINGS,
    )


class _Attendees(Resource[Tr]):
    @operation
    def list(self, uid: str) -> Call[builtins.list[Attendee]]:
        return list_attendees(uid)

    @operation
    def get(self, uid: str, attendee_id: int) -> Call[Attendee]:
        return get_attendee(uid, attendee_id)

    @operation
    def add(
        self, /, uid: str, *, name: str, email: str, time_zone: str, **options: Any
    ) -> Call[Attendee]:
        """Options: `phone_number`, `language`."""
        return add_attendee(uid, name=name, email=email, time_zone=time_zone, **options)


class Attendees(_Attendees[SyncTransport]): ...


class AsyncAttendees(_Attendees[AsyncTransport]): ...


class _Bookings(Resource[Tr]):
    attendees = child(Attendees, AsyncAttendees)

    @listing
    def list(
        self,
        /,
        status: str | builtins.list[str] | None = None,
        *,
        page_size: int = 100,
        **filters: Any,
    ) -> Call[builtins.list[Booking]]:
        """Every matching booking, fetching pages of `page_size` as the iteration goes."""
        return list_bookings(status, take=page_size, filters=filters)

    @operation
    def get(self, uid: str) -> Call[BookingOrSeries]:
        """A booking by uid; a recurring series' uid answers every occurrence (a list)."""
        return get_booking(uid)

    @operation
    def create(
        self,
        /,
        *,
        event_type_id: int,
        start: datetime | str,
        name: str,
        email: str,
        time_zone: str,
        **options: Any,
    ) -> Call[BookingOrSeries]:
        """Book `start` (aware datetime or ISO string). Options: `language`, `guests`,
        `length_in_minutes`, `reservation_uid`, `recurrence_count`, `fields` (extra API
        fields).

        Answers the `Booking`; for a recurring event type, a list of every occurrence booked
        (start order, one `recurring_booking_uid`), `recurrence_count` of them when given."""
        return create_booking(
            event_type_id=event_type_id,
            start=start,
            name=name,
            email=email,
            time_zone=time_zone,
            **options,
        )

    @operation
    def cancel(
        self, uid: str, *, reason: str | None = None, cancel_subsequent_bookings: bool = False
    ) -> Call[BookingOrSeries]:
        """Cancel a booking (answered as cancelled). `cancel_subsequent_bookings`: also every
        later occurrence of its recurring series. A series' uid cancels every occurrence not
        yet ended and answers them as a list."""
        return cancel_booking(uid, reason, cancel_subsequent_bookings=cancel_subsequent_bookings)

    @operation
    def reschedule(
        self, uid: str, start: datetime | str, *, reason: str | None = None
    ) -> Call[Booking]:
        """Move a booking; answers the new booking (the old one is cancelled)."""
        return reschedule_booking(uid, start, reason)

    @operation
    def confirm(self, uid: str) -> Call[Booking]:
        return confirm_booking(uid)

    @operation
    def decline(self, uid: str, *, reason: str | None = None) -> Call[Booking]:
        return decline_booking(uid, reason)

    @operation
    def mark_absent(
        self, uid: str, *, host: bool | None = None, attendees: builtins.list[str] | None = None
    ) -> Call[Booking]:
        return mark_absent(uid, host=host, attendees=attendees)

    @operation
    def add_guests(self, uid: str, guests: Sequence[str | dict[str, Any]]) -> Call[Booking]:
        return add_guests(uid, guests)

    @operation
    def update_location(self, uid: str, location: dict[str, Any]) -> Call[Booking]:
        return update_location(uid, location)

    @operation
    def calendar_links(self, uid: str) -> Call[builtins.list[CalendarLink]]:
        return calendar_links(uid)

    @operation
    def references(
        self, uid: str, *, type: str | None = None
    ) -> Call[builtins.list[BookingReference]]:
        return references(uid, type)


class Bookings(_Bookings[SyncTransport]): ...


class AsyncBookings(_Bookings[AsyncTransport]): ...
