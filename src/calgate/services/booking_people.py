"""Changing an existing booking's people and place: attendees and guests added, the location
moved (Cal.com's `/v2/bookings/{uid}/attendees`, `/guests`, `/location`).

Who may: reading the attendees, and adding people, is for the booking's host, its attendees and
the admins of its team (Cal.com's organizer / attendee / `booking.update`); moving the location
and reading references for the host and team admins (Cal.com: the event type's owner, host or
team admin), an attendee gets 403. To anyone else the booking does not exist (404, calgate's
rule that ids can't be probed; Cal.com answers 403 there).

Cal.com announces neither change with a webhook (only its booking audit records
ATTENDEE_ADDED / LOCATION_CHANGED). Both pass through the outbox all the same, so the host's
destination calendar is rewritten and, for added people, Cal.com's emails go out: the invite
to each new person and a "new guests" notice to the host and the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core.timezones import check_zone
from calgate.errors import BadRequest, Forbidden, NotFound
from calgate.services import bookings
from calgate.services.bookings import BookingView
from calgate.services.conferencing import DAILY, INTEGRATIONS, meeting_location
from calgate.store.db import Database
from calgate.store.models import ENDED_STATUSES, Attendee, Booking, EventType, User, utcnow
from calgate.store.models.teams import RANK, Membership, MembershipRole
from calgate.webhooks import outbox as webhooks

# Cal.com: at most 10 guests per request (the input's bound) and 30 guests per booking.
MAX_GUESTS = 30
ATTENDEE_ADDED = "ATTENDEE_ADDED"
LOCATION_CHANGED = "LOCATION_CHANGED"


@dataclass(frozen=True)
class Person:
    email: str
    name: str | None = None
    time_zone: str | None = None
    phone_number: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class NewLocation:
    """A location in Cal.com's update input: its `type` and the one value that type carries."""

    type: str
    value: str


# Cal.com's input location types -> the stored booking-field `value` (its transformLocation).
_INTERNAL = {
    "address": "inPerson",
    "attendeeAddress": "attendeeInPerson",
    "attendeeDefined": "somewhereElse",
    "attendeePhone": "phone",
    "phone": "userPhone",
    "link": "link",
}


async def _booking(session: AsyncSession, uid: str, *, lock: bool = False) -> Booking:
    query = select(Booking).where(Booking.uid == uid)
    found = (await session.execute(query.with_for_update() if lock else query)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"Booking with uid={uid} not found")
    return found


async def _team_admin(session: AsyncSession, booking: Booking, user: User) -> bool:
    et = await session.get(EventType, booking.event_type_id) if booking.event_type_id else None
    if et is None or et.team_id is None:
        return False
    member = (
        await session.execute(
            select(Membership).where(
                Membership.team_id == et.team_id, Membership.user_id == user.id
            )
        )
    ).scalar_one_or_none()
    return (
        member is not None
        and member.accepted
        and RANK[MembershipRole(member.role)] >= RANK[MembershipRole.ADMIN]
    )


async def _check(session: AsyncSession, booking: Booking, user: User, *, manage: bool) -> bool:
    """Host and team admins always; the booking's attendees too unless `manage` (then 403: they
    know the booking). To anyone else it does not exist (404), as elsewhere in calgate."""
    """Returns whether the caller manages the booking (host or team admin)."""
    if booking.user_id == user.id or await _team_admin(session, booking, user):
        return True
    if any(a.email.lower() == user.email.lower() for a in booking.attendees):
        if not manage:
            return False
        raise Forbidden(
            "Only the booking's host or a team admin may do this; attendees may read the "
            "booking and add people to it"
        )
    raise NotFound(f"Booking with uid={booking.uid} not found")


async def readable(session: AsyncSession, uid: str, user: User, *, manage: bool) -> BookingView:
    """The booking `uid` for a caller allowed to read it (`manage`: host and team admins)."""
    booking = await _booking(session, uid)
    await _check(session, booking, user, manage=manage)
    return await bookings.view(session, booking)


async def _visible(session: AsyncSession, uid: str, user: User) -> list[Attendee]:
    """The attendees the caller may see: in a seated booking that hides its attendees, an
    attendee sees only their own seat (issue 13: others only with the host's credentials)."""
    booking = await _booking(session, uid)
    manager = await _check(session, booking, user, manage=False)
    et = await session.get(EventType, booking.event_type_id) if booking.event_type_id else None
    if manager or not booking.hides_attendees(et):
        return list(booking.attendees)
    return [a for a in booking.attendees if a.email.lower() == user.email.lower()]


async def list_attendees(db: Database, uid: str, user: User) -> list[Attendee]:
    async with db.session() as session:
        return await _visible(session, uid, user)


async def get_attendee(db: Database, uid: str, attendee_id: int, user: User) -> Attendee:
    async with db.session() as session:
        found = next((a for a in await _visible(session, uid, user) if a.id == attendee_id), None)
        if found is None:
            raise NotFound(f"Attendee with id {attendee_id} not found in booking {uid}")
        return found


def _guests_hidden(et: EventType | None) -> bool:
    fields = et.booking_fields if et is not None else None
    return any(
        isinstance(f, dict)
        and "guests" in (f.get("name"), f.get("slug"), f.get("type"))
        and f.get("hidden") is True
        for f in fields or []
    )


async def add_people(
    db: Database,
    uid: str,
    people: Sequence[Person],
    user: User,
    *,
    now: datetime | None = None,
) -> tuple[BookingView, list[Attendee]]:
    """Add `people` to booking `uid` as attendees (Cal.com's add-attendee and add-guests).

    People already on the booking (or named twice) are skipped, as Cal.com does; none left is
    a 400. A seated booking gives each a seat, within the event type's seat count.
    """
    for p in people:
        if p.time_zone:
            check_zone(p.time_zone)
    now = now or utcnow()
    async with db.transaction() as session:
        booking = await _booking(session, uid, lock=True)
        await _check(session, booking, user, manage=False)
        et = await session.get(EventType, booking.event_type_id) if booking.event_type_id else None
        if _guests_hidden(et):
            raise BadRequest(
                "Cannot add guests to this booking. The guests field is disabled for event "
                f'type "{et.title if et else ""}" (ID: {booking.event_type_id}).'
            )
        if booking.status in ENDED_STATUSES:
            raise BadRequest(f"Booking {uid} is {booking.status}; people can't be added to it")
        taken = {a.email.lower() for a in booking.attendees}
        fresh: list[Person] = []
        for p in people:
            if p.email.lower() not in taken:
                taken.add(p.email.lower())
                fresh.append(p)
        if not fresh:
            raise BadRequest("emails_must_be_unique_valid")
        seated = bool(et is not None and et.seats_per_time_slot)
        if seated and et is not None and et.seats_per_time_slot is not None:
            if len(booking.attendees) + len(fresh) > et.seats_per_time_slot:
                raise BadRequest(
                    f"Only {et.seats_per_time_slot - len(booking.attendees)} of the "
                    f"{et.seats_per_time_slot} seats for this time slot are free"
                )
        elif len(booking.attendees) - 1 + len(fresh) > MAX_GUESTS:
            raise BadRequest(f"A booking can have at most {MAX_GUESTS} guests")
        organizer = await session.get(User, booking.user_id) if booking.user_id else None
        zone = organizer.time_zone if organizer else "UTC"
        added = [
            Attendee(
                name=p.name or "",
                email=p.email.lower(),
                time_zone=p.time_zone or zone,
                locale=p.language or (organizer.locale if organizer else None),
                phone_number=p.phone_number,
                seat_uid=bookings.new_uid() if seated else None,
                created_at=now,
            )
            for p in fresh
        ]
        booking.attendees.extend(added)
        responses = dict(booking.responses or {})
        responses["guests"] = [*responses.get("guests", []), *(p.email for p in fresh)]
        booking.responses = responses
        booking.updated_at = now
        await session.flush()
        view = await bookings.view(session, booking)
        await webhooks.enqueue_booking(session, ATTENDEE_ADDED, view, added=added, now=now)
        return view, added


async def _integration(session: AsyncSession, booking: Booking, slug: str) -> str:
    internal = DAILY if slug == "cal-video" else f"integrations:{slug}"
    if internal != DAILY and internal not in INTEGRATIONS:
        raise BadRequest(f"Unsupported integration: {slug}")
    if booking.user_id is None:
        raise NotFound(f"No user found for booking with uid={booking.uid}")
    url = await meeting_location(session, booking.user_id, [{"type": internal}], booking.uid)
    if not url or not url.startswith(("https://", "http://")):
        raise BadRequest(f"{slug} is not connected: connect it under /v2/conferencing first")
    return url


async def update_location(
    db: Database, uid: str, location: NewLocation | None, user: User, *, now: datetime | None = None
) -> BookingView:
    """Move booking `uid` to `location` (none: unchanged). A conferencing integration gets its
    meeting URL as the location, which the booking then shows as its meetingUrl."""
    now = now or utcnow()
    async with db.transaction() as session:
        booking = await _booking(session, uid, lock=True)
        await _check(session, booking, user, manage=True)
        if location is None:
            return await bookings.view(session, booking)
        if location.type == "integration":
            value = await _integration(session, booking, location.value)
            stored = {"value": "integrations:" + location.value, "optionValue": ""}
        else:
            value = location.value
            stored = {"value": _INTERNAL[location.type], "optionValue": value}
        booking.location = value
        booking.responses = {**(booking.responses or {}), "location": stored}
        booking.updated_at = now
        await session.flush()
        view = await bookings.view(session, booking)
        await webhooks.enqueue_booking(session, LOCATION_CHANGED, view, now=now)
        return view
