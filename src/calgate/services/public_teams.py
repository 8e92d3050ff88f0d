"""What anyone may see of a team, for its public pages: its profile, its bookable event types
and, unless the team is private, who hosts them.

As Cal.com's team page does: hidden and managed event types are left out, a private team's
members are never named (its event types stay bookable), and ``hide_book_a_team_member``
only hides the way to book a member's own page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from calgate.errors import NotFound
from calgate.store.db import Database
from calgate.store.models import EventType, Host, Membership, Team, User


@dataclass(frozen=True)
class PublicTeam:
    team: Team
    event_types: list[EventType]
    # Accepted members, and each event type's hosts by event type id; empty for a private team.
    members: list[User] = field(default_factory=list)
    hosts: dict[int, list[User]] = field(default_factory=dict)

    @property
    def logo_url(self) -> str | None:
        logo = (self.team.settings or {}).get("logoUrl")
        return logo if isinstance(logo, str) and logo else None

    @property
    def members_bookable(self) -> bool:
        """Does the page offer "book a team member" (each member's own page)?"""
        return bool(self.members) and not self.team.hide_book_a_team_member


async def public_team(db: Database, team_slug: str, slug: str | None = None) -> PublicTeam:
    """The team named by ``team_slug`` as a visitor sees it; ``slug`` narrows its event types
    to that one (NotFound if it is not bookable)."""
    async with db.session() as session:
        team = (
            await session.execute(select(Team).where(Team.slug == team_slug))
        ).scalar_one_or_none()
        if team is None:
            raise NotFound(f"Team with slug={team_slug} not found")
        query = (
            select(EventType)
            .where(
                EventType.team_id == team.id,
                EventType.hidden.is_(False),
                # A managed parent is a template copied to members, not bookable itself.
                EventType.scheduling_type.is_distinct_from("MANAGED"),
            )
            .order_by(EventType.position.desc(), EventType.id)
        )
        if slug is not None:
            query = query.where(EventType.slug == slug)
        shown = list((await session.execute(query)).scalars())
        if slug is not None and not shown:
            raise NotFound(f"Event type '{slug}' of team '{team_slug}' not found")
        if team.is_private:
            return PublicTeam(team, shown)
        members = list(
            (
                await session.execute(
                    select(User)
                    .join(Membership, Membership.user_id == User.id)
                    .where(Membership.team_id == team.id, Membership.accepted.is_(True))
                    .order_by(User.name, User.id)
                )
            ).scalars()
        )
        by_id = {u.id: u for u in members}
        hosts: dict[int, list[User]] = {}
        rows = await session.execute(
            select(Host.event_type_id, Host.user_id)
            .where(Host.event_type_id.in_([e.id for e in shown]))
            .order_by(Host.id)
        )
        for event_type_id, user_id in rows:
            if user_id in by_id:
                hosts.setdefault(event_type_id, []).append(by_id[user_id])
        return PublicTeam(team, shown, members, hosts)


async def team_slug(db: Database, team_id: int) -> str | None:
    """The slug of a team event type's team: where its booking page is."""
    async with db.session() as session:
        return (
            await session.execute(select(Team.slug).where(Team.id == team_id))
        ).scalar_one_or_none()
