"""Private links: secret booking links to one event type that expire by date or by use count.

Only the event type's owner manages them. A booking made through a link spends one use inside
the booking's own transaction, by a conditional UPDATE (``usage_count < max_usage_count``): two
bookers racing for a link's last use are serialised on its row, and the loser's UPDATE matches
nothing. A booking that fails later rolls the use back with it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import BadRequest, Gone, NotFound
from calgate.services.event_types import owned_event_type
from calgate.store.db import Database
from calgate.store.models import EventType, PrivateLink, User, utcnow


def new_link() -> str:
    # 128 random bits, URL-safe: the link is the only credential a guest holds.
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class LinkView:
    link: PrivateLink
    slug: str
    expired: bool


@dataclass(frozen=True)
class LinkChanges:
    expires_at: datetime | None = None
    max_usage_count: int | None = None


def _expired(link: PrivateLink, now: datetime) -> bool:
    if link.expires_at is not None and link.expires_at <= now:
        return True
    return link.max_usage_count is not None and link.usage_count >= link.max_usage_count


def _view(link: PrivateLink, et: EventType, now: datetime) -> LinkView:
    return LinkView(link, et.slug, _expired(link, now))


def _one_kind(changes: LinkChanges) -> None:
    if changes.expires_at is not None and changes.max_usage_count is not None:
        raise BadRequest("Provide only one of expiresAt or maxUsageCount")


async def create_link(
    db: Database,
    owner_id: int,
    event_type_id: int,
    changes: LinkChanges,
    *,
    now: datetime | None = None,
) -> LinkView:
    """A new link; with neither an expiry nor a count it is good for one booking."""
    _one_kind(changes)
    now = now or utcnow()
    async with db.transaction() as session:
        et = await owned_event_type(session, owner_id, event_type_id)
        link = PrivateLink(
            link=new_link(),
            event_type_id=et.id,
            expires_at=changes.expires_at,
            max_usage_count=None if changes.expires_at else (changes.max_usage_count or 1),
            usage_count=0,
            created_at=now,
        )
        session.add(link)
        await session.flush()
        return _view(link, et, now)


async def list_links(
    db: Database, owner_id: int, event_type_id: int, *, now: datetime | None = None
) -> list[LinkView]:
    now = now or utcnow()
    async with db.session() as session:
        et = await owned_event_type(session, owner_id, event_type_id)
        links = await session.scalars(
            select(PrivateLink).where(PrivateLink.event_type_id == et.id).order_by(PrivateLink.id)
        )
        return [_view(link, et, now) for link in links]


async def _owned_link(
    session: AsyncSession, owner_id: int, event_type_id: int, link_id: str
) -> tuple[PrivateLink, EventType]:
    et = await owned_event_type(session, owner_id, event_type_id)
    link = await session.scalar(
        select(PrivateLink)
        .where(PrivateLink.event_type_id == et.id, PrivateLink.link == link_id)
        .with_for_update()
    )
    if link is None:
        raise NotFound(f"Private link with id={link_id} not found")
    return link, et


async def update_link(
    db: Database,
    owner_id: int,
    event_type_id: int,
    link_id: str,
    changes: LinkChanges,
    *,
    now: datetime | None = None,
) -> LinkView:
    """Move the expiry date or the use limit; giving one turns the link into that kind."""
    _one_kind(changes)
    if changes.expires_at is None and changes.max_usage_count is None:
        raise BadRequest("Provide expiresAt or maxUsageCount")
    now = now or utcnow()
    async with db.transaction() as session:
        link, et = await _owned_link(session, owner_id, event_type_id, link_id)
        if changes.expires_at is not None:
            link.expires_at, link.max_usage_count = changes.expires_at, None
        elif changes.max_usage_count is not None:
            if changes.max_usage_count < link.usage_count:
                raise BadRequest(
                    f"maxUsageCount can't be below the link's usageCount ({link.usage_count})"
                )
            link.expires_at, link.max_usage_count = None, changes.max_usage_count
        await session.flush()
        return _view(link, et, now)


async def delete_link(db: Database, owner_id: int, event_type_id: int, link_id: str) -> str:
    async with db.transaction() as session:
        link, _ = await _owned_link(session, owner_id, event_type_id, link_id)
        await session.delete(link)
        await session.flush()
        return link_id


def _refusal(link: PrivateLink, now: datetime) -> Gone:
    if link.expires_at is not None and link.expires_at <= now:
        return Gone("Link has expired", {"reason": "private_link_expired"})
    return Gone("Link has reached its usage limit", {"reason": "private_link_used_up"})


async def _find(session: AsyncSession, link: str, event_type_id: int | None) -> PrivateLink:
    found = await session.scalar(select(PrivateLink).where(PrivateLink.link == link))
    if found is None or (event_type_id is not None and found.event_type_id != event_type_id):
        raise NotFound("Private link not found for this event type")
    return found


async def consume(session: AsyncSession, link: str, event_type_id: int, now: datetime) -> None:
    """Spend one use of ``link`` on a booking of ``event_type_id``, in the caller's transaction.

    Refuses (410) a link that has expired or is used up, and (404) one that is not this event
    type's."""
    spent = await session.execute(
        update(PrivateLink)
        .where(
            PrivateLink.link == link,
            PrivateLink.event_type_id == event_type_id,
            or_(PrivateLink.expires_at.is_(None), PrivateLink.expires_at > now),
            or_(
                PrivateLink.max_usage_count.is_(None),
                PrivateLink.usage_count < PrivateLink.max_usage_count,
            ),
        )
        .values(usage_count=PrivateLink.usage_count + 1)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount == 1:  # type: ignore[attr-defined]
        return
    raise _refusal(await _find(session, link, event_type_id), now)


async def open_link(
    db: Database, link: str, slug: str, *, now: datetime | None = None
) -> tuple[User, EventType]:
    """The host and event type a guest reaches through ``/d/{link}/{slug}``, if still usable.

    Reading spends nothing: only a booking does."""
    now = now or utcnow()
    async with db.session() as session:
        found = await _find(session, link, None)
        et = await session.get(EventType, found.event_type_id)
        owner = await session.get(User, et.owner_id) if et and et.owner_id else None
        if et is None or owner is None or et.slug != slug:
            raise NotFound("Private link not found for this event type")
        if _expired(found, now):
            raise _refusal(found, now)
        return owner, et
