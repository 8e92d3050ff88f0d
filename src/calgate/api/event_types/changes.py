"""The base of the event-type request bodies: each version translates itself into one change."""

from __future__ import annotations

from typing import Any

from calgate.api.schema import Input
from calgate.services.event_types import EventTypeChanges


class ChangesInput(Input):
    def attribute_values(self) -> dict[str, Any]:
        """The fields the client sent, under EventType attribute names."""
        raise NotImplementedError

    def to_changes(self) -> EventTypeChanges:
        # The dataclass refuses any attribute it does not name: the allow-list.
        return EventTypeChanges(**self.attribute_values())
