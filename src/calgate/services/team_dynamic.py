"""Dynamic groups (``usernames=a,b``): Cal.com's default dynamic event, booked collectively
with every named user, as ``GET /v2/event-types?usernames=`` shows it. Slots and explanations
read the same group through ``EventTypeRef(usernames=...)`` (services.scheduling_spec)."""

from __future__ import annotations

from dataclasses import dataclass

from calgate.services.scheduling_spec import (
    DYNAMIC_DESCRIPTION,
    DYNAMIC_DURATIONS,
    DYNAMIC_LENGTH,
    DYNAMIC_NOTICE,
    DYNAMIC_SLUG,
    DYNAMIC_TITLE,
    dynamic_users,
)
from calgate.store.db import Database
from calgate.store.models import EventType, User


@dataclass(frozen=True)
class DynamicGroup:
    # Never stored: id 0 and no owner, as Cal.com answers (``ownerId: 0``).
    event_type: EventType
    users: list[User]


async def dynamic_event_type(db: Database, usernames: tuple[str, ...]) -> DynamicGroup:
    async with db.session() as session:
        users = await dynamic_users(session, usernames)
    et = EventType(
        id=0,
        owner_id=0,
        title=DYNAMIC_TITLE,
        slug=DYNAMIC_SLUG,
        description=DYNAMIC_DESCRIPTION,
        length=DYNAMIC_LENGTH,
        minimum_booking_notice=DYNAMIC_NOTICE,
        before_event_buffer=0,
        after_event_buffer=0,
        slot_interval=None,
        period_type="UNLIMITED",
        period_count_calendar_days=True,
        hidden=False,
        only_show_first_available_slot=False,
        lock_time_zone_toggle=False,
        requires_confirmation=False,
        scheduling_type="COLLECTIVE",
        locations=[{"type": "integrations:daily"}],
        settings={"length_in_minutes_options": list(DYNAMIC_DURATIONS), "disable_guests": True},
        metadata_={"multipleDuration": list(DYNAMIC_DURATIONS)},
    )
    return DynamicGroup(et, users)
