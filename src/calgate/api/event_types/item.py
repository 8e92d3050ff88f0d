"""The item an event-types response renders: the row plus what its public shape needs."""

from __future__ import annotations

from dataclasses import dataclass

from calgate.store.models import EventType, User


@dataclass(frozen=True)
class EventTypeItem:
    event_type: EventType
    # The owner (the public booking URL's username) and the booker app's base URL: 2024-06-14
    # shows both; the legacy shape ignores them.
    owner: User | None
    booker_url: str
