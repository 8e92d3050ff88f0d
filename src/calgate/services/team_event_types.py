"""Team event types: collective, round-robin and managed event types of a team's members.

Members read them; admins and owners create, change and delete them (``teams.team_for``).
Hosts must be accepted members; ``assign_all`` makes every accepted member a host, also those
who join later.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import BadRequest, Conflict, NotFound
from calgate.services import team_managed
from calgate.services.event_types import EventTypeChanges, apply_changes, new_event_type
from calgate.services.teams import ASSIGN_ALL, team_for
from calgate.services.unset import Unset
from calgate.services.verified_resources import check_reply_to
from calgate.store.db import Database
from calgate.store.models import EventType, Host, Membership, MembershipRole, Team, User


class SchedulingType(StrEnum):
    """Stored as Cal.com's SchedulingType names."""

    COLLECTIVE = "COLLECTIVE"
    ROUND_ROBIN = "ROUND_ROBIN"
    # A template: each assigned member gets their own child event type (services.team_managed).
    MANAGED = "MANAGED"


@dataclass(frozen=True)
class HostSpec:
    user_id: int
    mandatory: bool = False
    priority: int = 2
    weight: int = 100


@dataclass(frozen=True)
class TeamHosting:
    """Who hosts: ``hosts`` (None = unchanged on update) or every member (``assign_all``)."""

    scheduling_type: SchedulingType | None = None
    hosts: tuple[HostSpec, ...] | None = None
    assign_all: bool | None = None


@dataclass(frozen=True)
class TeamEventTypeView:
    event_type: EventType
    team: Team
    users: dict[int, User]


async def _members(session: AsyncSession, team_id: int) -> dict[int, User]:
    rows = await session.execute(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.team_id == team_id, Membership.accepted.is_(True))
    )
    return {u.id: u for u in rows.scalars()}


def _hosts(
    et: EventType, hosting: TeamHosting, members: dict[int, User], kind: SchedulingType
) -> list[Host]:
    specs: tuple[HostSpec, ...]
    if hosting.assign_all:
        specs = tuple(HostSpec(uid) for uid in sorted(members))
    else:
        specs = hosting.hosts or ()
    outsiders = [s.user_id for s in specs if s.user_id not in members]
    if outsiders:
        raise BadRequest(f"hosts: users {outsiders} are not accepted members of the team")
    if len({s.user_id for s in specs}) != len(specs):
        raise BadRequest("hosts: a user is listed twice")
    # Collective hosts all attend; round-robin hosts take turns unless mandatory.
    return [
        Host(
            user_id=s.user_id,
            is_fixed=kind is SchedulingType.COLLECTIVE or s.mandatory,
            priority=s.priority,
            weight=s.weight,
        )
        for s in specs
    ]


async def _view(session: AsyncSession, et: EventType) -> TeamEventTypeView:
    team = await session.get(Team, et.team_id or 0)
    if team is None:
        raise NotFound(f"Team with id={et.team_id} not found")
    ids = [h.user_id for h in et.hosts]
    users = {
        u.id: u for u in (await session.execute(select(User).where(User.id.in_(ids)))).scalars()
    }
    return TeamEventTypeView(et, team, users)


async def _check_slug_free(
    session: AsyncSession, team_id: int, slug: str, exclude_id: int | None = None
) -> None:
    query = select(EventType.id).where(EventType.team_id == team_id, EventType.slug == slug)
    if exclude_id is not None:
        query = query.where(EventType.id != exclude_id)
    if (await session.execute(query)).first():
        raise Conflict(f"An event type with slug '{slug}' already exists in this team")


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # lost a race for the slug (PostgreSQL)
        raise Conflict("An event type with that slug already exists in this team") from exc


async def _team_event_type(session: AsyncSession, team_id: int, event_type_id: int) -> EventType:
    et = (
        await session.execute(
            select(EventType).where(EventType.id == event_type_id, EventType.team_id == team_id)
        )
    ).scalar_one_or_none()
    if et is None:
        raise NotFound(f"Event type with id={event_type_id} not found in team {team_id}")
    return et


async def create(
    db: Database, user_id: int, team_id: int, changes: EventTypeChanges, hosting: TeamHosting
) -> TeamEventTypeView:
    if hosting.scheduling_type is None:
        raise BadRequest("schedulingType: is required")
    if isinstance(changes.slug, Unset):
        raise BadRequest("slug: required")
    if hosting.assign_all and hosting.hosts:
        raise BadRequest("Provide either hosts or assignAllTeamMembers, not both")
    async with db.transaction() as session:
        await team_for(session, team_id, user_id, MembershipRole.ADMIN)
        await _check_slug_free(session, team_id, changes.slug)
        await check_reply_to(session, user_id, team_id, changes.settings)
        et = new_event_type(
            owner_id=None,
            team_id=team_id,
            scheduling_type=hosting.scheduling_type.value,
            settings={ASSIGN_ALL: bool(hosting.assign_all)},
        )
        if not isinstance(changes.schedule_id, Unset) and changes.schedule_id is not None:
            raise BadRequest("scheduleId: team event types use each host's own schedule")
        apply_changes(et, changes)
        et.hosts = _hosts(et, hosting, await _members(session, team_id), hosting.scheduling_type)
        session.add(et)
        await _flush(session)
        await team_managed.sync_children(session, et)
        return await _view(session, et)


async def list_for_team(
    db: Database, user_id: int, team_id: int, slug: str | None = None
) -> list[TeamEventTypeView]:
    async with db.session() as session:
        await team_for(session, team_id, user_id, MembershipRole.MEMBER)
        query = select(EventType).where(EventType.team_id == team_id).order_by(EventType.id)
        if slug is not None:
            query = query.where(EventType.slug == slug)
        return [await _view(session, et) for et in (await session.execute(query)).scalars()]


async def get(db: Database, user_id: int, team_id: int, event_type_id: int) -> TeamEventTypeView:
    async with db.session() as session:
        await team_for(session, team_id, user_id, MembershipRole.MEMBER)
        return await _view(session, await _team_event_type(session, team_id, event_type_id))


async def update(
    db: Database,
    user_id: int,
    team_id: int,
    event_type_id: int,
    changes: EventTypeChanges,
    hosting: TeamHosting,
) -> TeamEventTypeView:
    if hosting.assign_all and hosting.hosts:
        raise BadRequest("Provide either hosts or assignAllTeamMembers, not both")
    async with db.transaction() as session:
        await team_for(session, team_id, user_id, MembershipRole.ADMIN)
        et = await _team_event_type(session, team_id, event_type_id)
        if not isinstance(changes.slug, Unset) and changes.slug != et.slug:
            await _check_slug_free(session, team_id, changes.slug, exclude_id=et.id)
        if not isinstance(changes.schedule_id, Unset) and changes.schedule_id is not None:
            raise BadRequest("scheduleId: team event types use each host's own schedule")
        await check_reply_to(session, user_id, team_id, changes.settings)
        apply_changes(et, changes)
        kind = hosting.scheduling_type or SchedulingType(et.scheduling_type or "COLLECTIVE")
        et.scheduling_type = kind.value
        rehost = hosting.hosts is not None or hosting.assign_all is not None
        if hosting.assign_all is not None:
            et.settings = {**(et.settings or {}), ASSIGN_ALL: hosting.assign_all}
        if rehost or hosting.scheduling_type is not None:
            current = TeamHosting(
                hosts=hosting.hosts
                if hosting.hosts is not None
                else tuple(HostSpec(h.user_id, h.is_fixed, h.priority, h.weight) for h in et.hosts),
                assign_all=bool((et.settings or {}).get(ASSIGN_ALL)),
            )
            et.hosts.clear()
            await session.flush()
            et.hosts.extend(_hosts(et, current, await _members(session, team_id), kind))
        await _flush(session)
        await team_managed.sync_children(session, et)
        return await _view(session, et)


async def delete(db: Database, user_id: int, team_id: int, event_type_id: int) -> EventType:
    async with db.transaction() as session:
        await team_for(session, team_id, user_id, MembershipRole.ADMIN)
        et = await _team_event_type(session, team_id, event_type_id)
        await team_managed.delete_children(session, et)
        await session.delete(et)
        await session.flush()
        return et


async def administered_event_type(
    session: AsyncSession, user_id: int, team_id: int, event_type_id: int
) -> EventType:
    """The team's event type, if the user is an admin or owner of the team."""
    await team_for(session, team_id, user_id, MembershipRole.ADMIN)
    return await _team_event_type(session, team_id, event_type_id)
