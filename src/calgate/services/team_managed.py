"""Managed event types: a team template whose children are per-member event types.

Each assigned member (a host of the template) owns a child: a personal event type, listed and
booked like any other of theirs, whose fields are the template's (all of them locked, as
Cal.com's default: a template change overwrites the children's copies). The template keeps
``{member id: child id}`` in its settings; assigning a member creates their child, unassigning
(or leaving the team) deletes it, deleting the template deletes them all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import Conflict
from calgate.store.models import EventType, Host

MANAGED = "MANAGED"
CHILDREN = "managed_children"
# Where a child points back to its template (its own settings).
PARENT = "managed_parent_id"
# Not copied: who owns it, where it belongs, and the template's own bookkeeping.
_OWN = {"id", "owner_id", "team_id", "scheduling_type", "schedule_id", "position", "settings"}
_OWN_SETTINGS = {CHILDREN, "assign_all_team_members"}


def children_of(template: EventType) -> dict[int, int]:
    return {int(k): int(v) for k, v in ((template.settings or {}).get(CHILDREN) or {}).items()}


def _locked(template: EventType) -> dict[str, Any]:
    columns = inspect(EventType).column_attrs
    fields = {
        c.key: getattr(template, c.key)
        for c in columns
        if c.key not in _OWN and c.key not in ("created_at", "updated_at")
    }
    settings = {k: v for k, v in (template.settings or {}).items() if k not in _OWN_SETTINGS}
    fields["settings"] = {**settings, PARENT: template.id}
    return fields


async def sync_children(session: AsyncSession, template: EventType) -> None:
    """Make the template's children match its hosts and its fields (after any change)."""
    if template.scheduling_type != MANAGED:
        return
    await session.flush()  # the template's id and hosts as they now are
    children = children_of(template)
    wanted = [h.user_id for h in template.hosts]
    for uid, cid in list(children.items()):
        if uid not in wanted:
            await _delete_child(session, cid)
            del children[uid]
    fields = _locked(template)
    for uid in wanted:
        child = await session.get(EventType, children[uid]) if uid in children else None
        taken = await session.execute(
            select(EventType.id).where(
                EventType.owner_id == uid,
                EventType.slug == template.slug,
                EventType.id != (child.id if child is not None else 0),
            )
        )
        if taken.first() is not None:
            raise Conflict(
                f"User {uid} already has an event type with slug '{template.slug}', so the "
                "managed event type can't be assigned to them"
            )
        if child is None:
            child = EventType(owner_id=uid, team_id=None, scheduling_type=None, position=0)
            child.hosts = [Host(user_id=uid, is_fixed=True)]
            session.add(child)
        for key, value in fields.items():
            setattr(child, key, value)
        await session.flush()
        children[uid] = child.id
    template.settings = {
        **(template.settings or {}),
        CHILDREN: {str(k): v for k, v in children.items()},
    }
    await session.flush()


async def delete_children(session: AsyncSession, template: EventType) -> None:
    for cid in children_of(template).values():
        await _delete_child(session, cid)
    await session.flush()


async def _delete_child(session: AsyncSession, child_id: int) -> None:
    child = await session.get(EventType, child_id)
    if child is not None:
        await session.delete(child)
