"""Booking lifecycle: create (atomically with the availability check), reschedule, cancel,
confirm, decline, no-show.

Double booking is prevented twice over. Inside one transaction the hosts' rows are locked
(PostgreSQL `SELECT ... FOR UPDATE`; SQLite's write lock taken by `BEGIN IMMEDIATE`), availability
is checked, and the booking is inserted, so two requests for one slot are serialised and the
second sees the first. Beneath that, every booking's time on each host's calendar is a
`booking_blocks` row, and the database itself refuses two overlapping active blocks of one host
(exclusion constraint / abort trigger), so no code path can double-book even by mistake.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core import booking_fields, booking_rules
from calgate.core.timezones import check_zone
from calgate.errors import BadRequest, Forbidden, NotFound
from calgate.services import private_links, recurring
from calgate.services.availability import BUSY_BOOKING, SEATS_FULL, EventTypeAvailability
from calgate.services.conferencing import meeting_location
from calgate.services.round_robin import choose_hosts
from calgate.services.scheduling_spec import EventTypeRef, find_event_type
from calgate.store.db import Database
from calgate.store.models import (
    ENDED_STATUSES,
    Attendee,
    Booking,
    BookingBlock,
    BookingStatus,
    EventType,
    SlotReservation,
    User,
    utcnow,
)
from calgate.webhooks import outbox as webhooks

# Letters and digits only, like Cal.com's short uuids: a uid is pasted into shells, URLs and
# CLI arguments, where token_urlsafe's "-" and "_" hurt (a leading "-" reads as an option).
_UID_ALPHABET = string.ascii_letters + string.digits
_UID_LENGTH = 22  # 22 x log2(62) = 131 random bits


def new_uid() -> str:
    """A booking, seat or series uid."""
    return "".join(secrets.choice(_UID_ALPHABET) for _ in range(_UID_LENGTH))


@dataclass(frozen=True)
class AttendeeSpec:
    name: str
    email: str
    time_zone: str
    locale: str | None = None
    phone_number: str | None = None


@dataclass(frozen=True)
class NewBooking:
    event_type: EventTypeRef
    start: datetime
    attendee: AttendeeSpec
    length: int | None = None
    guests: tuple[str, ...] = ()
    responses: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    location: str | None = None
    reservation_uid: str | None = None
    # "user:<id>" when the booker is authenticated: their own reservations don't block them.
    holder: str | None = None
    # Set by reschedule: the booking this one replaces.
    rescheduled_from: str | None = None
    rescheduled_by: str | None = None
    rescheduling_reason: str | None = None
    # A private link (`/d/{link}/...`) the guest books through: one of its uses is spent.
    hashed_link: str | None = None
    # Cal.com's recurrenceCount: how many occurrences of a recurring event type to book (at
    # most the event type's own count; all of them when None).
    recurrence_count: int | None = None
    # Book the whole series when the event type recurs (the 2024-08-13 API); legacy clients
    # and the booking page book one occurrence.
    recurring: bool = False


@dataclass(frozen=True)
class BookingView:
    """A booking with what every API shape needs to render it."""

    booking: Booking
    event_type: EventType | None
    host: User | None
    rescheduled_to_uid: str | None = None
    # The seat just taken in a seated booking: the attendee's handle to cancel only that seat.
    seat_uid: str | None = None
    # False when the caller may see only its own seat: a seated event type hiding attendees,
    # and a caller who is not the host (Cal.com shows the others only to the host/owner).
    full: bool = True
    # Checked against a host calendar's cached busy time (its last read failed): the
    # response's calgate `warnings` (EventTypeAvailability.warnings).
    warnings: tuple[dict[str, Any], ...] = ()
    # Lists only: (status, start) of every occurrence of this booking's recurring series, for
    # the legacy shape's recurringInfo.
    series: tuple[tuple[str, datetime], ...] = ()

    def attendees(self) -> list[Attendee]:
        """The attendees this caller may see."""
        if self.full:
            return list(self.booking.attendees)
        return [a for a in self.booking.attendees if self.seat_uid and a.seat_uid == self.seat_uid]

    def responses(self) -> dict[str, Any]:
        """Booking-question answers this caller may see (they are the first booker's)."""
        if self.full:
            return dict(self.booking.responses or {})
        mine = self.attendees()
        return {"name": mine[0].name, "email": mine[0].email} if mine else {}

    def title(self) -> str:
        # A seated booking's stored title names its first booker.
        if self.full or self.event_type is None:
            return self.booking.title
        return self.event_type.title


def title_for(et: EventType, organizer: User, attendee_name: str) -> str:
    """A booking's title: Cal.com's default event name, naming its organizer."""
    return f"{et.title} between {organizer.name or organizer.username} and {attendee_name}"


def _holder_user(holder: str | None) -> int | None:
    kind, _, ident = (holder or "").partition(":")
    return int(ident) if kind == "user" and ident.isdigit() else None


def _is_host(booking: Booking, viewer_id: int | None) -> bool:
    return viewer_id is not None and viewer_id == booking.user_id


def for_viewer(view: BookingView, viewer_id: int | None) -> BookingView:
    """The view as the caller may see it: other seats hidden unless the caller is the host."""
    if view.booking.hides_attendees(view.event_type) and not _is_host(view.booking, viewer_id):
        return replace(view, full=False)
    return view


async def _lock_users(session: AsyncSession, user_ids: Sequence[int]) -> None:
    # Sorted so two transactions locking overlapping host sets can't deadlock.
    await session.execute(
        select(User.id).where(User.id.in_(sorted(user_ids))).order_by(User.id).with_for_update()
    )


def _check_attendee(spec: AttendeeSpec) -> None:
    check_zone(spec.time_zone)


async def create_booking(
    db: Database, req: NewBooking, *, now: datetime | None = None
) -> BookingView:
    """One booking (or one seat, or a reschedule), whatever the event type's recurrence."""
    return (await _create(db, req, now, series=False))[0]


async def book(
    db: Database, req: NewBooking, *, now: datetime | None = None
) -> BookingView | list[BookingView]:
    """An API booking: every occurrence of a recurring event type's series (all or none, in
    one transaction), else one booking as `create_booking`."""
    views = await _create(db, req, now, series=req.recurring)
    return views if views[0].booking.recurring_event_id else views[0]


async def _create(
    db: Database, req: NewBooking, now: datetime | None, *, series: bool
) -> list[BookingView]:
    _check_attendee(req.attendee)
    now = now or utcnow()
    try:
        async with db.transaction() as session:
            return await _create_in(session, req, now, series=series)
    except _Taken as taken:
        # Refused by the quick lookup under the hosts' lock; explained once it is released.
        raise await _explained(db, req, taken, now) from None
    except IntegrityError:
        # The database's overlap guard fired: someone took this time between our check and
        # insert on another path. Report it as the conflict it is, explained like any refusal.
        lost = _Taken(
            "The requested time is no longer available (conflict)",
            {"reason": "slot_unavailable", "expected": BUSY_BOOKING},
        )
        raise await _explained(db, req, lost, now) from None


class _Taken(BadRequest):
    """Refused under the lock (a booking block in the way, the last seat gone) or by the
    database; ``details["expected"]`` names the rule, explained after the transaction."""


async def _explained(db: Database, req: NewBooking, taken: _Taken, now: datetime) -> BadRequest:
    """``taken`` as every refusal reads (`EventTypeAvailability.refusal`), from data read
    after the refusing transaction ended."""
    details = taken.details if isinstance(taken.details, dict) else {}
    async with db.session() as session:
        et = await find_event_type(session, req.event_type)
        availability = await EventTypeAvailability.of(
            session, et, duration=req.length, duration_field="lengthInMinutes"
        )
        return await availability.refusal(
            taken.message,
            str(details.get("reason", "slot_unavailable")),
            req.start,
            now,
            holder=req.holder,
            reservation_uid=req.reservation_uid,
            ignore_booking_uid=req.rescheduled_from,
            time_zone=req.attendee.time_zone,
            expected=details.get("expected", BUSY_BOOKING),
        )


async def _create_in(
    session: AsyncSession, req: NewBooking, now: datetime, *, series: bool
) -> list[BookingView]:
    et = await find_event_type(session, req.event_type)
    if req.rescheduled_from is None:
        # A moved booking keeps the answers it was accepted with.
        _check_responses(et, req)
    if req.hashed_link:
        await private_links.consume(session, req.hashed_link, et.id, now)
    availability = await EventTypeAvailability.of(
        session, et, duration=req.length, duration_field="lengthInMinutes"
    )
    if not availability.hosts:
        raise BadRequest("This event type has no hosts")
    await _lock_users(session, availability.user_ids)

    rule = recurring.rule_of(et) if series and not req.rescheduled_from else None
    if rule is not None:
        return await _create_series(session, req, et, availability, rule, now)
    if req.recurrence_count is not None:
        raise BadRequest(
            "recurrenceCount: this event type is not recurring", {"field": "recurrenceCount"}
        )

    old: Booking | None = None
    if req.rescheduled_from:
        old = await _booking_for_update(session, req.rescheduled_from)
        if old.status in ENDED_STATUSES:
            raise BadRequest(f"Booking {old.uid} is {old.status} and cannot be rescheduled")
        refusal = booking_rules.rescheduling_refusal(et.settings, old.start_time, now)
        if refusal:
            raise BadRequest(refusal, {"reason": "rescheduling_disabled"})

    start = req.start
    if await availability.clearly_taken(start, ignore_booking_id=old.id if old else None):
        raise _Taken(
            "The requested time is not available",
            {"reason": "slot_unavailable", "expected": BUSY_BOOKING},
        )
    # Refused with the explanation's reasons (in the attendee's zone) beside Cal.com's message.
    decision = await availability.require(
        start,
        now,
        holder=req.holder,
        reservation_uid=req.reservation_uid,
        ignore_booking_uid=old.uid if old else None,
        time_zone=req.attendee.time_zone,
    )
    if old is None:
        await _check_active_bookings(session, et, req.attendee.email, now)

    if et.seats_per_time_slot and decision.booking_uid:
        booking = await _booking_for_update(session, decision.booking_uid)
        if len(booking.attendees) >= et.seats_per_time_slot:
            raise _Taken(
                "All seats for this time slot are taken",
                {"reason": "seats_full", "expected": SEATS_FULL},
            )
        seat = _attendee(req.attendee, now, seat=True)
        booking.attendees.append(seat)
        await session.flush()
        host = await session.get(User, booking.user_id) if booking.user_id else None
        seated = BookingView(
            booking, et, host, seat_uid=seat.seat_uid, warnings=tuple(availability.warnings)
        )
        await webhooks.enqueue_booking(session, "BOOKING_CREATED", seated, now=now)
        return [for_viewer(seated, _holder_user(req.holder))]

    chosen = await choose_hosts(
        session, et.id, availability.hosts, decision.host_ids, availability.mode
    )
    return [await _insert(session, req, et, availability, chosen, start, now, old=old)]


async def _create_series(
    session: AsyncSession,
    req: NewBooking,
    et: EventType,
    availability: EventTypeAvailability,
    rule: recurring.Recurrence,
    now: datetime,
) -> list[BookingView]:
    """Every occurrence, each checked by `require` under the hosts' lock after the ones before
    it are written (so limits and buffers count them); the first refusal undoes them all."""
    # Stepped on the (first) host's clock: the series keeps its local time across DST.
    host_zone = availability.hosts[0].schedule.time_zone
    starts = recurring.starts(rule, req.start, req.recurrence_count, host_zone)
    await _check_active_bookings(session, et, req.attendee.email, now)
    series = recurring.NewSeries.of(new_uid(), rule, starts, host_zone)
    created: list[BookingView] = []
    kept: list[int] = []
    for index, start in enumerate(starts):
        try:
            decision = await availability.require(
                start,
                now,
                holder=req.holder,
                reservation_uid=req.reservation_uid,
                time_zone=req.attendee.time_zone,
            )
            free = list(decision.host_ids)
            # Round robin: the whole series with the first occurrence's hosts, as Cal.com's
            # recurring bookings keep their "lucky user", while they are free.
            if kept and set(kept) <= set(free):
                free = kept
            chosen = await choose_hosts(session, et.id, availability.hosts, free, availability.mode)
        except BadRequest as refused:
            zone_ = req.attendee.time_zone
            raise recurring.refusal(refused, index, start, len(starts), zone_) from None
        kept = kept or [c.user_id for c in chosen]
        created.append(
            await _insert(session, req, et, availability, chosen, start, now, series=series)
        )
    # One email per person and one calendar write for the whole series, as Cal.com's (each
    # occurrence's webhooks and reminders were queued with it).
    trigger = _booked_trigger(created[0].booking)
    await webhooks.enqueue_series(session, trigger, created, now=now)
    return created


def _booked_trigger(booking: Booking) -> str:
    return "BOOKING_REQUESTED" if booking.status == BookingStatus.PENDING else "BOOKING_CREATED"


async def _insert(
    session: AsyncSession,
    req: NewBooking,
    et: EventType,
    availability: EventTypeAvailability,
    chosen: Sequence[Any],
    start: datetime,
    now: datetime,
    *,
    old: Booking | None = None,
    series: recurring.NewSeries | None = None,
) -> BookingView:
    """Write one booking (its attendees and blocks) with ``chosen`` hosts, the first organizing,
    and queue its webhooks; ``old`` is the booking a reschedule replaces, ``series`` the one
    this booking is an occurrence of (whose emails the caller queues once for all of them)."""
    organizer = await session.get(User, chosen[0].user_id)
    if organizer is None:  # hosts are user rows locked above; this can't happen
        raise NotFound(f"User with id={chosen[0].user_id} not found")
    if old is not None:
        old.status = BookingStatus.CANCELLED
        old.rescheduled = True
        old.rescheduled_by = req.rescheduled_by
        old.rescheduling_reason = req.rescheduling_reason
        await session.execute(
            update(BookingBlock).where(BookingBlock.booking_id == old.id).values(active=False)
        )
    end = start + timedelta(minutes=availability.length)
    attendee_name = req.attendee.name
    uid = new_uid()
    booking = Booking(
        uid=uid,
        event_type_id=et.id,
        user_id=organizer.id,
        title=title_for(et, organizer, attendee_name),
        description=(req.responses or {}).get("notes"),
        start_time=start,
        end_time=end,
        status=BookingStatus.PENDING if et.requires_confirmation else BookingStatus.ACCEPTED,
        location=req.location
        or await meeting_location(session, organizer.id, et.locations or [], uid),
        metadata_=req.metadata,
        responses={
            **req.responses,
            "name": attendee_name,
            "email": req.attendee.email,
            **({"guests": list(req.guests)} if req.guests else {}),
        },
        from_reschedule=old.uid if old else None,
        rescheduled_by=req.rescheduled_by if old else None,
        rescheduling_reason=req.rescheduling_reason if old else None,
        # The meeting keeps its UID across a reschedule, one SEQUENCE further (as Cal.com's
        # iCalUID and iCalSequence): calendars replace the old time instead of adding one.
        ics_uid=old.calendar_uid if old else f"{new_uid()}@calgate",
        ics_sequence=old.ics_sequence + 1 if old else 0,
        # A rescheduled occurrence stays in its series.
        recurring_event_id=series.uid if series else (old.recurring_event_id if old else None),
        event_type_snapshot={
            "id": et.id,
            "slug": et.slug,
            "title": et.title,
            "length": et.length,
            **({"recurrence": series.booked} if series else {}),
        },
        created_at=now,
        updated_at=now,
    )
    first = _attendee(req.attendee, now, seat=bool(et.seats_per_time_slot))
    booking.attendees = [first] + [
        Attendee(name=g, email=g, time_zone=req.attendee.time_zone, created_at=now)
        for g in req.guests
    ]
    block_start = start - timedelta(minutes=et.before_event_buffer)
    block_end = end + timedelta(minutes=et.after_event_buffer)
    booking.blocks = [
        BookingBlock(user_id=c.user_id, block_start=block_start, block_end=block_end, active=True)
        for c in chosen
    ]
    session.add(booking)
    if req.reservation_uid:
        await session.execute(
            delete(SlotReservation).where(SlotReservation.uid == req.reservation_uid)
        )
    await session.flush()
    created = BookingView(
        booking, et, organizer, seat_uid=first.seat_uid, warnings=tuple(availability.warnings)
    )
    if old is not None:
        await webhooks.enqueue_booking(session, "BOOKING_RESCHEDULED", created, old=old, now=now)
    else:
        trigger = _booked_trigger(booking)
        await webhooks.enqueue_booking(
            session, trigger, created, together=series is not None, now=now
        )
    return created


def _check_responses(et: EventType, req: NewBooking) -> None:
    """Refuse answers that break the event type's booking questions (core.booking_fields)."""
    answers = {
        **req.responses,
        "name": req.attendee.name,
        "email": req.attendee.email,
        "guests": list(req.guests),
    }
    problems = booking_fields.response_problems(et.booking_fields, answers)
    if problems:
        raise BadRequest(
            "; ".join(f"Booking field {p.slug!r} {p.message}" for p in problems),
            {
                "reason": "invalid_booking_field",
                "errors": [{"field": p.slug, "message": p.message} for p in problems],
            },
        )


async def _check_active_bookings(
    session: AsyncSession, et: EventType, email: str, now: datetime
) -> None:
    """Refuse a booker who already holds the event type's most upcoming bookings."""
    limit = booking_rules.active_bookings_limit(et.settings)
    if limit is None:
        return
    held = (
        await session.execute(
            select(func.count(func.distinct(Booking.id)))
            .join(Attendee, Attendee.booking_id == Booking.id)
            .where(
                Booking.event_type_id == et.id,
                Booking.status.in_((BookingStatus.ACCEPTED, BookingStatus.PENDING)),
                Booking.end_time > now,
                func.lower(Attendee.email) == email.lower(),
            )
        )
    ).scalar_one()
    if held >= limit:
        raise BadRequest(
            f"This booker already has {held} upcoming bookings of this event type, "
            f"its limit is {limit}",
            {"reason": "booker_limit_exceeded"},
        )


def _attendee(spec: AttendeeSpec, now: datetime, *, seat: bool) -> Attendee:
    return Attendee(
        name=spec.name,
        email=spec.email.lower(),
        time_zone=spec.time_zone,
        locale=spec.locale,
        phone_number=spec.phone_number,
        seat_uid=new_uid() if seat else None,
        created_at=now,
    )


async def _booking_or_none_for_update(session: AsyncSession, uid: str) -> Booking | None:
    return (
        await session.execute(select(Booking).where(Booking.uid == uid).with_for_update())
    ).scalar_one_or_none()


async def _booking_for_update(session: AsyncSession, uid: str) -> Booking:
    booking = await _booking_or_none_for_update(session, uid)
    if booking is None:
        raise NotFound(f"Booking with uid={uid} not found")
    return booking


async def view(session: AsyncSession, booking: Booking) -> BookingView:
    """One booking's view (its event type and host usually in the session already)."""
    et = await session.get(EventType, booking.event_type_id) if booking.event_type_id else None
    host = await session.get(User, booking.user_id) if booking.user_id else None
    successor = (
        await session.execute(select(Booking.uid).where(Booking.from_reschedule == booking.uid))
    ).scalar_one_or_none()
    return BookingView(booking, et, host, successor)


async def views(session: AsyncSession, bookings: Sequence[Booking]) -> list[BookingView]:
    """`view` of many bookings, in their order, each kind of related row read once for all:
    a page of bookings or a series of 730 occurrences is three queries, not one per booking."""
    et_ids = {b.event_type_id for b in bookings if b.event_type_id}
    user_ids = {b.user_id for b in bookings if b.user_id}
    ets = {
        e.id: e
        for e in (
            await session.execute(select(EventType).where(EventType.id.in_(et_ids)))
        ).scalars()
    }
    users = {
        u.id: u
        for u in (await session.execute(select(User).where(User.id.in_(user_ids)))).scalars()
    }
    rows = await session.execute(
        select(Booking.from_reschedule, Booking.uid).where(
            Booking.from_reschedule.in_([b.uid for b in bookings])
        )
    )
    successors = {row[0]: row[1] for row in rows}
    return [
        BookingView(
            b,
            ets.get(b.event_type_id) if b.event_type_id else None,
            users.get(b.user_id) if b.user_id else None,
            successors.get(b.uid),
        )
        for b in bookings
    ]


async def get_booking(db: Database, uid: str, viewer_id: int | None = None) -> BookingView:
    async with db.session() as session:
        booking = (
            await session.execute(select(Booking).where(Booking.uid == uid))
        ).scalar_one_or_none()
        if booking is None:
            raise NotFound(f"Booking with uid={uid} not found")
        return for_viewer(await view(session, booking), viewer_id)


async def find_booking(
    db: Database, uid: str, viewer_id: int | None = None
) -> BookingView | list[BookingView]:
    """A booking by its uid, or, by a recurring booking's series uid, every occurrence in
    start order (Cal.com's GET /v2/bookings/{uid})."""
    async with db.session() as session:
        booking = (
            await session.execute(select(Booking).where(Booking.uid == uid))
        ).scalar_one_or_none()
        if booking is not None:
            return for_viewer(await view(session, booking), viewer_id)
        occurrences = (
            await session.execute(
                select(Booking)
                .where(Booking.recurring_event_id == uid)
                .order_by(Booking.start_time, Booking.id)
            )
        ).scalars()
        found = [for_viewer(v, viewer_id) for v in await views(session, list(occurrences))]
        if not found:
            raise NotFound(f"Booking with uid={uid} not found")
        return found


async def get_booking_by_seat(
    db: Database, seat_uid: str, viewer_id: int | None = None
) -> BookingView:
    """The seated booking holding `seat_uid`, as the holder of that seat sees it."""
    async with db.session() as session:
        seat = (
            await session.execute(select(Attendee).where(Attendee.seat_uid == seat_uid))
        ).scalar_one_or_none()
        booking = await session.get(Booking, seat.booking_id) if seat else None
        if booking is None:
            raise NotFound(f"Booking with seatUid={seat_uid} not found")
        seated = replace(await view(session, booking), seat_uid=seat_uid)
        return for_viewer(seated, viewer_id)


async def cancel_booking(
    db: Database,
    uid: str,
    *,
    reason: str | None = None,
    cancelled_by: str | None = None,
    seat_uid: str | None = None,
    viewer_id: int | None = None,
    series: str | None = None,
) -> tuple[BookingView | list[BookingView], bool]:
    """Cancel a booking, or just one seat of it. Returns (booking, only_removed_attendee).

    A seat's holder cancels its own seat by its seatUid; cancelling a whole seated booking
    (every seat) needs the host's credentials, as in Cal.com. Recurring bookings: ``uid`` may
    be the series' uid (every occurrence not yet ended is cancelled; the answer lists them);
    ``series="subsequent"`` also cancels the series' later occurrences (Cal.com's
    cancelSubsequentBookings), ``"remaining"`` every one not yet begun, whichever occurrence
    ``uid`` names (allRemainingBookings; see `remaining`).
    """
    async with db.transaction() as session:
        booking = await _booking_or_none_for_update(session, uid)
        if booking is None:
            occurrences = await _series_for_update(session, uid)
            if not occurrences:
                raise NotFound(f"Booking with uid={uid} not found")
            _check_cancellable(await _event_type_of(session, occurrences[0]))
            live = [b for b in occurrences if b.status not in ENDED_STATUSES]
            if not live:
                raise BadRequest(f"Every occurrence of recurring booking {uid} has ended")
            views = [
                await _cancel_one(session, b, reason, cancelled_by, together=True) for b in live
            ]
            await webhooks.enqueue_series(session, "BOOKING_CANCELLED", views)
            return views, False
        et = await _event_type_of(session, booking)
        _check_cancellable(et)
        seated = len(booking.attendees) > 1 and any(a.seat_uid for a in booking.attendees)
        if seat_uid is None and seated and not _is_host(booking, viewer_id):
            raise Forbidden(
                "Cancelling a whole seated booking needs the host's credentials; "
                "an attendee cancels its own seat with seatUid"
            )
        if seat_uid is not None:
            seat = next((a for a in booking.attendees if a.seat_uid == seat_uid), None)
            if seat is None:
                raise NotFound(f"Seat {seat_uid} not found in booking {uid}")
            booking.attendees.remove(seat)
            await session.flush()
            if booking.attendees:
                remaining_view = for_viewer(await view(session, booking), viewer_id)
                await webhooks.enqueue_booking(
                    session, "BOOKING_CANCELLED", remaining_view, cancelled_seat=seat
                )
                return remaining_view, True
        if booking.status in ENDED_STATUSES:
            raise BadRequest(f"Booking {uid} is already {booking.status}")
        series_uid = booking.recurring_event_id
        if series == "remaining" and series_uid:
            # The occurrence named only picks the series: one past or under way stays, named or
            # not, as Cal.com's allRemainingBookings (startTime >= now).
            occurrences = await _series_for_update(session, series_uid)
            chosen = require_remaining(occurrences, utcnow())
            views = [
                await _cancel_one(session, b, reason, cancelled_by, together=True) for b in chosen
            ]
            # One email and one calendar write for the occurrences cancelled together.
            await webhooks.enqueue_series(session, "BOOKING_CANCELLED", views)
            # Cal.com answers with the booking named, whether or not it was among them.
            named = next((v for v in views if v.booking.id == booking.id), None)
            return (named if named is not None else await view(session, booking)), False
        several = bool(series_uid) and series == "subsequent"
        cancelled = await _cancel_one(session, booking, reason, cancelled_by, together=several)
        if several and series_uid:
            views = [cancelled]
            for later in await _series_for_update(session, series_uid):
                later_live = later.status not in ENDED_STATUSES
                if later.id != booking.id and later.start_time >= booking.start_time and later_live:
                    views.append(
                        await _cancel_one(session, later, reason, cancelled_by, together=True)
                    )
            await webhooks.enqueue_series(session, "BOOKING_CANCELLED", views)
        return cancelled, False


def remaining(occurrences: Iterable[Booking], now: datetime) -> list[Booking]:
    """What cancelling all remaining occurrences of a series cancels (Cal.com's
    allRemainingBookings), in the order given: each one not ended that starts at `now` or
    later. One already begun stays: it has been held, and its record with it."""
    return [b for b in occurrences if b.status not in ENDED_STATUSES and b.start_time >= now]


def require_remaining(occurrences: Iterable[Booking], now: datetime) -> list[Booking]:
    """`remaining`, refused when none is left (Cal.com answers success having cancelled
    nothing, and still sends its cancel emails: a refusal says what happened)."""
    chosen = remaining(occurrences, now)
    if not chosen:
        raise BadRequest(
            "Every occurrence of this recurring booking has ended or begun; none is left to cancel",
            {"reason": "series_ended"},
        )
    return chosen


async def _event_type_of(session: AsyncSession, booking: Booking) -> EventType | None:
    return await session.get(EventType, booking.event_type_id) if booking.event_type_id else None


def _check_cancellable(et: EventType | None) -> None:
    refusal = booking_rules.cancelling_refusal(et.settings if et else None)
    if refusal:
        raise BadRequest(refusal, {"reason": "cancelling_disabled"})


async def _cancel_one(
    session: AsyncSession,
    booking: Booking,
    reason: str | None,
    cancelled_by: str | None,
    *,
    together: bool = False,
) -> BookingView:
    """Cancel one (locked) booking, free its time and queue its BOOKING_CANCELLED (its emails
    and write-back too unless the caller queues them for several occurrences at once)."""
    booking.status = BookingStatus.CANCELLED
    booking.cancellation_reason = reason
    booking.cancelled_by = cancelled_by
    await session.execute(
        update(BookingBlock).where(BookingBlock.booking_id == booking.id).values(active=False)
    )
    await session.flush()
    cancelled = await view(session, booking)
    await webhooks.enqueue_booking(session, "BOOKING_CANCELLED", cancelled, together=together)
    return cancelled


async def _series_for_update(session: AsyncSession, series_uid: str) -> list[Booking]:
    """A recurring booking's occurrences, locked, in start order."""
    rows = await session.execute(
        select(Booking)
        .where(Booking.recurring_event_id == series_uid)
        .order_by(Booking.start_time, Booking.id)
        .with_for_update()
    )
    return list(rows.scalars())


async def reschedule_booking(
    db: Database,
    uid: str,
    start: datetime,
    *,
    rescheduled_by: str | None = None,
    reason: str | None = None,
    holder: str | None = None,
    now: datetime | None = None,
) -> BookingView:
    """``holder``: the caller ("user:<id>"); a host moving their own booking is told the
    refusal in full, anyone else as the public may see it."""
    async with db.session() as session:
        old = (
            await session.execute(select(Booking).where(Booking.uid == uid))
        ).scalar_one_or_none()
        if old is None:
            raise NotFound(f"Booking with uid={uid} not found")
        if old.event_type_id is None:
            raise BadRequest("The event type of this booking no longer exists")
        first = old.attendees[0] if old.attendees else None
        if first is None:
            raise BadRequest("Booking has no attendee to reschedule")
        spec = AttendeeSpec(
            first.name, first.email, first.time_zone, first.locale, first.phone_number
        )
        req = NewBooking(
            event_type=EventTypeRef(id=old.event_type_id),
            start=start,
            attendee=spec,
            length=int((old.end_time - old.start_time).total_seconds() // 60),
            guests=tuple(a.email for a in old.attendees[1:]),
            responses=dict(old.responses or {}),
            metadata=dict(old.metadata_ or {}),
            location=old.location,
            rescheduled_from=uid,
            rescheduled_by=rescheduled_by,
            rescheduling_reason=reason,
            holder=holder,
        )
    return await create_booking(db, req, now=now)


async def _owned_booking(session: AsyncSession, uid: str, user_id: int) -> Booking:
    booking = await _booking_for_update(session, uid)
    if booking.user_id != user_id:
        # Hosts only; to anyone else the booking does not exist.
        raise NotFound(f"Booking with uid={uid} not found")
    return booking


async def _pending_series(session: AsyncSession, booking: Booking) -> list[Booking]:
    """What confirming or declining ``booking`` decides: with Cal.com, every pending occurrence
    of its recurring series (those this host holds; the series keeps one host while free),
    else the booking alone."""
    if not booking.recurring_event_id:
        return [booking]
    return [
        b
        for b in await _series_for_update(session, booking.recurring_event_id)
        if b.status == BookingStatus.PENDING and b.user_id == booking.user_id
    ]


async def confirm_booking(db: Database, uid: str, user_id: int) -> BookingView:
    """Accept a pending booking; an occurrence of a recurring series accepts the series'
    pending occurrences with it. Answers the booking asked about."""
    async with db.transaction() as session:
        booking = await _owned_booking(session, uid, user_id)
        if booking.status != BookingStatus.PENDING:
            raise BadRequest(
                f"Only pending bookings can be confirmed; this one is {booking.status}"
            )
        decided = await _pending_series(session, booking)
        for one in decided:
            one.status = BookingStatus.ACCEPTED
        await session.flush()
        views = []
        for one in decided:
            confirmed = await view(session, one)
            # Cal.com announces a confirmed booking as BOOKING_CREATED; BOOKING_CONFIRMED too.
            await webhooks.enqueue_booking(session, "BOOKING_CREATED", confirmed, together=True)
            await webhooks.enqueue_booking(session, "BOOKING_CONFIRMED", confirmed, together=True)
            views.append(confirmed)
        # One email and one calendar write for a series confirmed at once, as Cal.com's.
        await webhooks.enqueue_series(session, "BOOKING_CREATED", views)
        return await view(session, booking)


async def decline_booking(db: Database, uid: str, user_id: int, reason: str | None) -> BookingView:
    """Reject a pending booking and free its time; an occurrence of a recurring series rejects
    the series' pending occurrences with it. Answers the booking asked about."""
    async with db.transaction() as session:
        booking = await _owned_booking(session, uid, user_id)
        if booking.status != BookingStatus.PENDING:
            raise BadRequest(f"Only pending bookings can be declined; this one is {booking.status}")
        decided = await _pending_series(session, booking)
        for one in decided:
            one.status = BookingStatus.REJECTED
            one.rejection_reason = reason
        await session.execute(
            update(BookingBlock)
            .where(BookingBlock.booking_id.in_([one.id for one in decided]))
            .values(active=False)
        )
        await session.flush()
        views = []
        for one in decided:
            rejected = await view(session, one)
            await webhooks.enqueue_booking(session, "BOOKING_REJECTED", rejected, together=True)
            views.append(rejected)
        # One email for a series declined at once, as Cal.com's.
        await webhooks.enqueue_series(session, "BOOKING_REJECTED", views)
        return await view(session, booking)


async def mark_absent(
    db: Database, uid: str, user_id: int, *, host: bool | None, attendees: dict[str, bool]
) -> BookingView:
    async with db.transaction() as session:
        booking = await _owned_booking(session, uid, user_id)
        if host is not None:
            booking.no_show_host = host
        by_email = {a.email.lower(): a for a in booking.attendees}
        for email, absent in attendees.items():
            attendee = by_email.get(email.lower())
            if attendee is None:
                raise BadRequest(f"attendees: {email} is not an attendee of this booking")
            attendee.no_show = absent
        await session.flush()
        marked = await view(session, booking)
        await webhooks.enqueue_booking(
            session, "BOOKING_NO_SHOW_UPDATED", marked, no_show=(attendees, host)
        )
        return marked
