"""Round-robin reassignment: hand a booking to another host of its round-robin event type.

Runs like a booking: the hosts' rows are locked (sorted), availability is asked with this
booking itself ignored, and the moved block is guarded by the per-host overlap constraint.
The hosts' connected calendars are rewritten and the emails queued in the same transaction
(calendars.outbox, email.booking): nothing is written back or sent for a reassignment refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from calgate.calendars.outbox import REASSIGNMENT
from calgate.errors import BadRequest, Forbidden, NotFound
from calgate.services import bookings
from calgate.services.availability import EventTypeAvailability
from calgate.services.round_robin import choose_hosts
from calgate.services.teams import membership_of
from calgate.store.db import Database
from calgate.store.models import (
    BLOCKING_STATUSES,
    Booking,
    BookingBlock,
    EventType,
    MembershipRole,
    User,
    utcnow,
)
from calgate.webhooks import outbox as webhooks


@dataclass(frozen=True)
class Reassigned:
    booking_uid: str
    host: User


async def reassign(
    db: Database,
    user_id: int,
    uid: str,
    to_user_id: int | None = None,
    *,
    reason: str | None = None,
) -> Reassigned:
    """To ``to_user_id`` (an admin's pick, with the ``reason`` the new host's email tells) or,
    without one, to the host whose turn it is."""
    try:
        async with db.transaction() as session:
            booking = (
                await session.execute(select(Booking).where(Booking.uid == uid).with_for_update())
            ).scalar_one_or_none()
            if booking is None:
                raise NotFound(f"Booking with uid={uid} not found")
            et = await session.get(EventType, booking.event_type_id or 0)
            if et is None or et.team_id is None:
                raise NotFound(f"Booking with uid={uid} not found")
            mine = await membership_of(session, et.team_id, user_id)
            admin = mine is not None and mine.accepted and mine.role != MembershipRole.MEMBER
            if booking.user_id != user_id and not admin:
                raise NotFound(f"Booking with uid={uid} not found")
            if to_user_id is not None and not admin:
                raise Forbidden("Only team admins and owners can choose the new host")
            if et.scheduling_type != "ROUND_ROBIN":
                raise BadRequest("Only round-robin bookings can be reassigned")
            if booking.status not in BLOCKING_STATUSES:
                raise BadRequest(f"Booking {uid} is {booking.status} and cannot be reassigned")
            availability = await EventTypeAvailability.of(
                session,
                et,
                duration=int((booking.end_time - booking.start_time).total_seconds() // 60),
            )
            ids = sorted(availability.user_ids)
            await session.execute(
                select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update()
            )
            decision = await availability.check(
                booking.start_time, utcnow(), ignore_booking_uid=booking.uid
            )
            fixed = {h.user_id for h in et.hosts if h.is_fixed}
            free = [
                i
                for i in decision.host_ids
                if i != booking.user_id and (to_user_id is None or i == to_user_id or i in fixed)
            ]
            if to_user_id is not None and (to_user_id in fixed or to_user_id not in free):
                raise BadRequest(f"User {to_user_id} is not a free round-robin host at that time")
            if not free:
                raise BadRequest("No other host is free at that time")
            chosen = await choose_hosts(session, et.id, availability.hosts, free, "round_robin")
            new = chosen[0].user_id
            await session.execute(
                update(BookingBlock)
                .where(
                    BookingBlock.booking_id == booking.id, BookingBlock.user_id == booking.user_id
                )
                .values(user_id=new)
            )
            now = utcnow()
            previous = await session.get(User, booking.user_id) if booking.user_id else None
            successor = await session.get(User, new)
            # The title names its organizer: as Cal.com renames a reassigned booking. A title
            # that isn't the one calgate gave it (its event type renamed since) stays.
            booker = str((booking.responses or {}).get("name") or "")
            if (
                previous is not None
                and successor is not None
                and booking.title == bookings.title_for(et, previous, booker)
            ):
                booking.title = bookings.title_for(et, successor, booker)
            booking.user_id = new
            booking.updated_at = now
            # A new version of the meeting (its organizer changed): the invites raise their
            # SEQUENCE, so the previous host's CANCEL outranks the invite they had, and the
            # invite of a host who gets the booking back outranks that CANCEL.
            booking.ics_sequence += 1
            await session.flush()
            view = await bookings.view(session, booking)
            if view.host is None:  # locked above
                raise NotFound(f"User with id={new} not found")
            # The connected calendars follow the booking: out of the previous host's, into
            # the new host's (an occurrence: the series rewritten for both); the emails tell
            # the new host, the previous one and the attendees.
            await webhooks.enqueue_booking(
                session, REASSIGNMENT, view, previous_host=previous, reason=reason, now=now
            )
            return Reassigned(booking.uid, view.host)
    except IntegrityError as exc:
        raise BadRequest("The new host is no longer free at that time (conflict)") from exc
