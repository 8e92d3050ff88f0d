"""Listing a user's bookings with Cal.com's filters and pagination."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from calgate.errors import BadRequest
from calgate.services import recurring
from calgate.services.bookings import BookingView
from calgate.services.bookings import views as booking_views
from calgate.store.db import Database
from calgate.store.models import (
    BLOCKING_STATUSES,
    ENDED_STATUSES,
    Attendee,
    Booking,
    BookingStatus,
    EventType,
    User,
    utcnow,
)

# Longest text filter per field, by the wire name the error reports: no stored value can be
# longer (names and uids are bounded at 255 on input, emails at 320), and an unbounded one
# made SQLite refuse the LIKE pattern with a 500.
TEXT_FILTER_MAX = {"attendeeName": 255, "attendeeEmail": 320, "bookingUid": 255}

STATUS_FILTERS = ("upcoming", "recurring", "past", "cancelled", "unconfirmed", "accepted")
SORTABLE = {
    "start": Booking.start_time,
    "end": Booking.end_time,
    "created": Booking.created_at,
    "updated": Booking.updated_at,
}


@dataclass(frozen=True)
class BookingFilter:
    statuses: tuple[str, ...] = ()
    attendee_email: str | None = None
    attendee_name: str | None = None
    booking_uid: str | None = None
    event_type_ids: tuple[int, ...] = ()
    # Bookings of these teams' event types (Cal.com's teamId / teamsIds).
    team_ids: tuple[int, ...] = ()
    # Every booking of ``team_ids``, not only the caller's: set only by services that have
    # checked the caller administers those teams.
    whole_teams: bool = False
    after_start: datetime | None = None
    before_end: datetime | None = None
    after_created: datetime | None = None
    before_created: datetime | None = None
    after_updated: datetime | None = None
    before_updated: datetime | None = None
    # (field, "asc" | "desc") pairs, applied in order; default start ascending.
    sort: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    take: int = 100
    skip: int = 0

    def __post_init__(self) -> None:
        given = {
            "attendeeName": self.attendee_name,
            "attendeeEmail": self.attendee_email,
            "bookingUid": self.booking_uid,
        }
        for name, value in given.items():
            bound = TEXT_FILTER_MAX[name]
            if value is not None and len(value) > bound:
                raise BadRequest(f"{name} must be at most {bound} characters")


def _status_clause(status: str, now: datetime) -> Any:
    blocking = Booking.status.in_(BLOCKING_STATUSES)
    match status:
        case "upcoming":
            return and_(Booking.end_time >= now, blocking)
        case "past":
            return and_(Booking.end_time < now, blocking)
        case "cancelled":
            return Booking.status.in_(ENDED_STATUSES)
        case "unconfirmed":
            return and_(Booking.end_time >= now, Booking.status == BookingStatus.PENDING)
        case "accepted":
            return Booking.status == BookingStatus.ACCEPTED
        case _:  # "recurring": upcoming occurrences of recurring bookings, as Cal.com's filter
            return and_(Booking.end_time >= now, blocking, Booking.recurring_event_id.is_not(None))


def _where(user: User, f: BookingFilter, now: datetime) -> list[Any]:
    mine = or_(
        Booking.user_id == user.id,
        exists().where(Attendee.booking_id == Booking.id, Attendee.email == user.email),
    )
    clauses: list[Any] = [] if f.whole_teams and f.team_ids else [mine]
    if f.team_ids:
        teams_event_types = select(EventType.id).where(EventType.team_id.in_(f.team_ids))
        clauses.append(Booking.event_type_id.in_(teams_event_types))
    if f.statuses:
        clauses.append(or_(*(_status_clause(s, now) for s in f.statuses)))
    if f.attendee_email:
        clauses.append(
            exists().where(
                Attendee.booking_id == Booking.id,
                func.lower(Attendee.email) == f.attendee_email.lower(),
            )
        )
    if f.attendee_name:
        clauses.append(
            exists().where(
                Attendee.booking_id == Booking.id,
                func.lower(Attendee.name).contains(f.attendee_name.lower(), autoescape=True),
            )
        )
    if f.booking_uid:
        clauses.append(Booking.uid == f.booking_uid)
    if f.event_type_ids:
        clauses.append(Booking.event_type_id.in_(f.event_type_ids))
    for column, op, value in (
        (Booking.start_time, "ge", f.after_start),
        (Booking.end_time, "le", f.before_end),
        (Booking.created_at, "ge", f.after_created),
        (Booking.created_at, "le", f.before_created),
        (Booking.updated_at, "ge", f.after_updated),
        (Booking.updated_at, "le", f.before_updated),
    ):
        if value is not None:
            clauses.append(column >= value if op == "ge" else column <= value)
    return clauses


async def list_bookings(
    db: Database, user: User, f: BookingFilter, *, now: datetime | None = None
) -> tuple[list[BookingView], int]:
    now = now or utcnow()
    where = _where(user, f, now)
    order = [
        SORTABLE[name].desc() if direction == "desc" else SORTABLE[name].asc()
        for name, direction in f.sort
    ] or [Booking.start_time.asc()]
    async with db.session() as session:
        total = int(
            (await session.execute(select(func.count(Booking.id)).where(*where))).scalar_one()
        )
        rows = (
            await session.execute(
                select(Booking)
                .where(*where)
                .order_by(*order, Booking.id.asc())
                .offset(f.skip)
                .limit(f.take)
                .options(selectinload(Booking.attendees))
            )
        ).scalars()
        bookings = list(rows)
        return await _views(session, bookings), total


async def _views(session: AsyncSession, bookings: list[Booking]) -> list[BookingView]:
    """Views of a page of bookings, with their series for the legacy shape's recurringInfo."""
    series = await recurring.members(
        session, [b.recurring_event_id for b in bookings if b.recurring_event_id]
    )
    return [
        replace(v, series=tuple(series.get(v.booking.recurring_event_id or "", ())))
        for v in await booking_views(session, bookings)
    ]
