"""``GET /v2/event-types?usernames=a,b``: a dynamic group's event type in the caller's shape."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from calgate.api.event_types.v2024_06_14 import EventTypeUser
from calgate.services.team_dynamic import DynamicGroup


def present(many: Any, group: DynamicGroup, booker_url: str) -> Any:
    """``many`` is the shape's list of one (rendered for the first user); Cal.com lists every
    user of the group and the group's own link (``/a+b/dynamic``), under ``ownerId: 0``."""
    if not isinstance(many, list):
        return many  # the legacy groups shape has no per-user list
    users = [
        EventTypeUser(
            id=u.id,
            name=u.name,
            username=u.username,
            avatar_url=u.avatar_url,
            week_start=u.week_start,
        )
        for u in group.users
    ]
    link = f"{booker_url}/{'+'.join(u.username for u in group.users)}/{group.event_type.slug}"
    return [
        item.model_copy(update={"users": users, "owner_id": 0, "booking_url": link})
        if isinstance(item, BaseModel)
        else item
        for item in many
    ]
