"""Teams, memberships and invitation links, with Cal.com's permission rules.

Who may do what: accepted members read; admins and owners change the team and its members;
only owners delete the team or create, change or remove an owner membership; the last owner
can neither leave nor be demoted. Anyone who is not an accepted member is told the team does
not exist, so team ids cannot be probed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core.timezones import check_zone
from calgate.errors import BadRequest, Conflict, Forbidden, NotFound
from calgate.services import team_managed
from calgate.services.unset import UNSET, Unset, sent
from calgate.store.db import Database
from calgate.store.models import (
    EventType,
    Host,
    Membership,
    MembershipRole,
    Team,
    TeamInvite,
    User,
    utcnow,
)
from calgate.store.models.teams import RANK

INVITE_LIFETIME = timedelta(days=7)
# Event type setting: every accepted member hosts it, also those who join later.
ASSIGN_ALL = "assign_all_team_members"
WEEK_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


@dataclass(frozen=True)
class TeamChanges:
    """Team attributes a client may set; ``settings`` holds the presentation-only ones."""

    name: str | Unset = UNSET
    slug: str | Unset | None = UNSET
    bio: str | Unset | None = UNSET
    time_zone: str | Unset = UNSET
    week_start: str | Unset = UNSET
    hide_book_a_team_member: bool | Unset = UNSET
    is_private: bool | Unset = UNSET
    metadata_: dict[str, Any] | Unset = UNSET
    # Merged into the stored settings, so a PATCH of one setting keeps the others.
    settings: dict[str, Any] | Unset = UNSET


@dataclass(frozen=True)
class MembershipChanges:
    role: MembershipRole | Unset = UNSET
    accepted: bool | Unset = UNSET
    disable_impersonation: bool | Unset = UNSET


@dataclass(frozen=True)
class MemberView:
    membership: Membership
    user: User


@dataclass(frozen=True)
class Invite:
    token: str
    team_id: int


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "team"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _team(session: AsyncSession, team_id: int) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        raise NotFound(f"Team with id={team_id} not found")
    return team


async def membership_of(session: AsyncSession, team_id: int, user_id: int) -> Membership | None:
    return (
        await session.execute(
            select(Membership).where(Membership.team_id == team_id, Membership.user_id == user_id)
        )
    ).scalar_one_or_none()


async def team_for(
    session: AsyncSession, team_id: int, user_id: int, at_least: MembershipRole
) -> tuple[Team, Membership]:
    """The team and the caller's membership, if the caller holds ``at_least`` that role.

    Not an accepted member: 404 (the team's existence is not revealed). A member without the
    role: 403."""
    membership = await membership_of(session, team_id, user_id)
    if membership is None or not membership.accepted:
        raise NotFound(f"Team with id={team_id} not found")
    if RANK[MembershipRole(membership.role)] < RANK[at_least]:
        raise Forbidden(f"Requires the {at_least.value} role in team {team_id}")
    return await _team(session, team_id), membership


async def _check_slug_free(session: AsyncSession, slug: str, exclude_id: int | None) -> None:
    query = select(Team.id).where(Team.slug == slug)
    if exclude_id is not None:
        query = query.where(Team.id != exclude_id)
    if (await session.execute(query)).first():
        raise Conflict(f"A team with slug '{slug}' already exists")


def _apply(team: Team, changes: TeamChanges) -> None:
    for key, value in sent(changes).items():
        if key == "settings":
            team.settings = {**(team.settings or {}), **value}
        elif key == "time_zone":
            check_zone(value)
            team.time_zone = value
        elif key == "week_start":
            if value not in WEEK_DAYS:
                raise BadRequest(f"weekStart: must be one of {', '.join(WEEK_DAYS)}")
            team.week_start = value
        else:
            setattr(team, key, value)


async def _flush(session: AsyncSession, slug: str | None) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # lost a race for the slug (PostgreSQL)
        raise Conflict(f"A team with slug '{slug}' already exists") from exc


async def create_team(
    db: Database, creator_id: int, changes: TeamChanges, *, auto_accept: bool = True
) -> Team:
    """A new team whose creator is its owner (accepted unless ``auto_accept`` is false)."""
    if isinstance(changes.name, Unset) or not changes.name.strip():
        raise BadRequest("name: is required")
    async with db.transaction() as session:
        slug = changes.slug if isinstance(changes.slug, str) else slugify(changes.name)
        await _check_slug_free(session, slug, None)
        team = Team(
            name=changes.name,
            slug=slug,
            time_zone="Europe/London",
            week_start="Sunday",
            hide_book_a_team_member=False,
            is_private=False,
            metadata_={},
            settings={},
        )
        _apply(team, changes)
        team.slug = slug
        session.add(team)
        await _flush(session, slug)
        session.add(
            Membership(
                team_id=team.id,
                user_id=creator_id,
                role=MembershipRole.OWNER.value,
                accepted=auto_accept,
                disable_impersonation=False,
                created_at=utcnow(),
            )
        )
        await session.flush()
        return team


async def list_teams(db: Database, user_id: int) -> list[Team]:
    """The teams the user is an accepted member of."""
    async with db.session() as session:
        result = await session.execute(
            select(Team)
            .join(Membership, Membership.team_id == Team.id)
            .where(Membership.user_id == user_id, Membership.accepted.is_(True))
            .order_by(Team.id)
        )
        return list(result.scalars())


async def get_team(db: Database, user_id: int, team_id: int) -> Team:
    async with db.session() as session:
        team, _ = await team_for(session, team_id, user_id, MembershipRole.MEMBER)
        return team


async def update_team(db: Database, user_id: int, team_id: int, changes: TeamChanges) -> Team:
    async with db.transaction() as session:
        team, _ = await team_for(session, team_id, user_id, MembershipRole.ADMIN)
        if isinstance(changes.name, str) and not changes.name.strip():
            raise BadRequest("name: must not be empty")
        if isinstance(changes.slug, str) and changes.slug != team.slug:
            await _check_slug_free(session, changes.slug, team.id)
        _apply(team, changes)
        await _flush(session, team.slug)
        return team


async def delete_team(db: Database, user_id: int, team_id: int) -> Team:
    async with db.transaction() as session:
        team, _ = await team_for(session, team_id, user_id, MembershipRole.OWNER)
        await session.delete(team)
        await session.flush()
        return team


# memberships


async def _view(session: AsyncSession, membership: Membership) -> MemberView:
    user = (await session.execute(select(User).where(User.id == membership.user_id))).scalar_one()
    return MemberView(membership, user)


async def _target(session: AsyncSession, team_id: int, membership_id: int) -> Membership:
    membership = await session.get(Membership, membership_id)
    if membership is None or membership.team_id != team_id:
        raise NotFound(f"Membership with id={membership_id} not found in team {team_id}")
    return membership


async def _other_owners(session: AsyncSession, team_id: int, except_id: int) -> int:
    # Row locks on the owners' memberships: two owners demoting each other at once must not
    # both see the other as the remaining owner (SQLite's immediate transaction serialises).
    owners = await session.execute(
        select(Membership.id)
        .where(
            Membership.team_id == team_id,
            Membership.role == MembershipRole.OWNER.value,
            Membership.accepted.is_(True),
        )
        .order_by(Membership.id)
        .with_for_update()
    )
    return sum(1 for (mid,) in owners if mid != except_id)


async def list_memberships(
    db: Database,
    user_id: int,
    team_id: int,
    *,
    emails: list[str] | None = None,
    take: int = 250,
    skip: int = 0,
) -> list[MemberView]:
    async with db.session() as session:
        await team_for(session, team_id, user_id, MembershipRole.MEMBER)
        query = (
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.team_id == team_id)
            .order_by(Membership.id)
            .offset(skip)
            .limit(take)
        )
        if emails:
            query = query.where(func.lower(User.email).in_([e.strip().lower() for e in emails]))
        return [MemberView(m, u) for m, u in (await session.execute(query)).all()]


async def get_membership(
    db: Database, user_id: int, team_id: int, membership_id: int
) -> MemberView:
    async with db.session() as session:
        await team_for(session, team_id, user_id, MembershipRole.MEMBER)
        return await _view(session, await _target(session, team_id, membership_id))


async def create_membership(
    db: Database,
    user_id: int,
    team_id: int,
    member_id: int,
    role: MembershipRole,
    *,
    accepted: bool = False,
    disable_impersonation: bool = False,
) -> MemberView:
    async with db.transaction() as session:
        _, mine = await team_for(session, team_id, user_id, MembershipRole.ADMIN)
        if role is MembershipRole.OWNER and mine.role != MembershipRole.OWNER:
            raise Forbidden("Only team owners can add owners")
        if await session.get(User, member_id) is None:
            raise NotFound(f"User with id={member_id} not found")
        if await membership_of(session, team_id, member_id) is not None:
            raise Conflict(f"User {member_id} is already a member of team {team_id}")
        membership = Membership(
            team_id=team_id,
            user_id=member_id,
            role=role.value,
            accepted=accepted,
            disable_impersonation=disable_impersonation,
            created_at=utcnow(),
        )
        session.add(membership)
        try:
            await session.flush()
        except IntegrityError as exc:  # a concurrent add of the same user (PostgreSQL)
            raise Conflict(f"User {member_id} is already a member of team {team_id}") from exc
        if accepted:
            await add_to_assign_all(session, team_id, member_id)
        return await _view(session, membership)


async def update_membership(
    db: Database, user_id: int, team_id: int, membership_id: int, changes: MembershipChanges
) -> MemberView:
    async with db.transaction() as session:
        target = await _target_for_change(session, user_id, team_id, membership_id, changes)
        if (
            target.role == MembershipRole.OWNER
            and not isinstance(changes.role, Unset)
            and changes.role is not MembershipRole.OWNER
            and await _other_owners(session, team_id, target.id) == 0
        ):
            raise BadRequest("The last owner of a team cannot be demoted")
        for key, value in sent(changes).items():
            setattr(target, key, value.value if isinstance(value, MembershipRole) else value)
        await session.flush()
        if target.accepted:
            await add_to_assign_all(session, team_id, target.user_id)
        else:
            await remove_host(session, team_id, target.user_id)
        return await _view(session, target)


async def _target_for_change(
    session: AsyncSession,
    user_id: int,
    team_id: int,
    membership_id: int,
    changes: MembershipChanges,
) -> Membership:
    mine = await membership_of(session, team_id, user_id)
    target_probe = await session.get(Membership, membership_id)
    # Someone invited may accept their own pending membership (and only that).
    if (
        mine is not None
        and not mine.accepted
        and target_probe is mine
        and set(sent(changes)) == {"accepted"}
    ):
        return mine
    _, mine = await team_for(session, team_id, user_id, MembershipRole.ADMIN)
    target = await _target(session, team_id, membership_id)
    touches_owner = target.role == MembershipRole.OWNER or changes.role is MembershipRole.OWNER
    if touches_owner and mine.role != MembershipRole.OWNER:
        raise Forbidden("Only team owners can change owner memberships")
    return target


async def delete_membership(
    db: Database, user_id: int, team_id: int, membership_id: int
) -> MemberView:
    """Remove a member; a member may also remove themselves (leave), except the last owner."""
    async with db.transaction() as session:
        mine = await membership_of(session, team_id, user_id)
        if mine is not None and mine.id == membership_id:
            target = mine  # leaving
        else:
            _, mine = await team_for(session, team_id, user_id, MembershipRole.ADMIN)
            target = await _target(session, team_id, membership_id)
            if target.role == MembershipRole.OWNER and mine.role != MembershipRole.OWNER:
                raise Forbidden("Only team owners can remove owners")
        if (
            target.role == MembershipRole.OWNER
            and await _other_owners(session, team_id, target.id) == 0
        ):
            raise BadRequest("The last owner of a team cannot leave it")
        view = await _view(session, target)
        await remove_host(session, team_id, target.user_id)
        await session.delete(target)
        await session.flush()
        return view


# invitation links


async def create_invite(db: Database, user_id: int, team_id: int) -> Invite:
    """A fresh link for joining the team as a member; admins and owners may hand them out."""
    async with db.transaction() as session:
        await team_for(session, team_id, user_id, MembershipRole.ADMIN)
        now = utcnow()
        await session.execute(delete(TeamInvite).where(TeamInvite.expires_at < now))
        token = secrets.token_hex(32)
        session.add(
            TeamInvite(
                team_id=team_id,
                token_hash=_hash(token),
                created_by=user_id,
                expires_at=now + INVITE_LIFETIME,
                created_at=now,
            )
        )
        await session.flush()
        return Invite(token, team_id)


async def accept_invite(db: Database, user_id: int, token: str) -> MemberView:
    """Join the team of an invitation link as an accepted member (idempotent for members)."""
    async with db.transaction() as session:
        invite = (
            await session.execute(select(TeamInvite).where(TeamInvite.token_hash == _hash(token)))
        ).scalar_one_or_none()
        if invite is None or invite.expires_at <= utcnow():
            raise NotFound("Invitation not found or expired")
        membership = await membership_of(session, invite.team_id, user_id)
        if membership is None:
            membership = Membership(
                team_id=invite.team_id,
                user_id=user_id,
                role=MembershipRole.MEMBER.value,
                accepted=True,
                disable_impersonation=False,
                created_at=utcnow(),
            )
            session.add(membership)
        else:
            membership.accepted = True
        await session.flush()
        await add_to_assign_all(session, invite.team_id, user_id)
        return await _view(session, membership)


# hosting follows membership


async def add_to_assign_all(session: AsyncSession, team_id: int, user_id: int) -> None:
    """A member who joins becomes a host of the team's "all members" event types."""
    ets = (await session.execute(select(EventType).where(EventType.team_id == team_id))).scalars()
    for et in ets:
        if (et.settings or {}).get(ASSIGN_ALL) and all(h.user_id != user_id for h in et.hosts):
            fixed = et.scheduling_type == "COLLECTIVE"
            et.hosts.append(Host(user_id=user_id, is_fixed=fixed, priority=2, weight=100))
            await team_managed.sync_children(session, et)
    await session.flush()


async def remove_host(session: AsyncSession, team_id: int, user_id: int) -> None:
    """A member who leaves stops hosting the team's event types."""
    ids = select(EventType.id).where(EventType.team_id == team_id)
    for host in (
        await session.execute(
            select(Host).where(Host.event_type_id.in_(ids), Host.user_id == user_id)
        )
    ).scalars():
        await session.delete(host)
    await session.flush()
    # Their children of the team's managed event types go with them.
    managed = select(EventType).where(
        EventType.team_id == team_id, EventType.scheduling_type == team_managed.MANAGED
    )
    for et in (await session.execute(managed)).scalars():
        await session.refresh(et, ["hosts"])
        await team_managed.sync_children(session, et)
