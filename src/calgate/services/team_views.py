"""What team admins see across their members: the team's bookings and the members' schedules."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from calgate.services.booking_queries import BookingFilter, list_bookings
from calgate.services.bookings import BookingView
from calgate.services.schedules import OwnedSchedule
from calgate.services.teams import team_for
from calgate.store.db import Database
from calgate.store.models import Membership, MembershipRole, Schedule, User


async def list_team_bookings(
    db: Database, user: User, team_id: int, f: BookingFilter
) -> tuple[list[BookingView], int]:
    """Every booking of the team's event types, for the team's admins and owners."""
    async with db.session() as session:
        await team_for(session, team_id, user.id, MembershipRole.ADMIN)
    return await list_bookings(db, user, replace(f, team_ids=(team_id,), whole_teams=True))


async def list_team_schedules(
    db: Database, user_id: int, team_id: int, *, take: int = 250, skip: int = 0
) -> list[OwnedSchedule]:
    """The schedules of the team's accepted members, for the team's admins and owners."""
    async with db.session() as session:
        await team_for(session, team_id, user_id, MembershipRole.ADMIN)
        rows = await session.execute(
            select(Schedule, User)
            .join(User, User.id == Schedule.user_id)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.team_id == team_id, Membership.accepted.is_(True))
            .order_by(Schedule.id)
            .offset(skip)
            .limit(take)
        )
        return [OwnedSchedule.of(schedule, owner) for schedule, owner in rows.all()]
