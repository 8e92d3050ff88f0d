"""`/v2/event-types` and their webhooks (`/v2/event-types/{id}/webhooks`)."""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import EventType, Webhook
from calgate.client.resources._base import (
    EVENT_TYPES,
    AsyncResource,
    SyncResource,
    drop_none,
    many,
    nothing,
    one,
)
from calgate.client.transport import AsyncTransport, Call, SyncTransport


def list_event_types(username: str | None = None) -> Call[list[EventType]]:
    return Call(
        "GET",
        "/v2/event-types",
        many(EventType),
        params=drop_none(username=username),
        version=EVENT_TYPES,
    )


def get_event_type(event_type_id: int) -> Call[EventType]:
    return Call("GET", f"/v2/event-types/{event_type_id}", one(EventType), version=EVENT_TYPES)


def create_event_type(
    title: str, slug: str, length_in_minutes: int, fields: dict[str, Any]
) -> Call[EventType]:
    body = {"title": title, "slug": slug, "lengthInMinutes": length_in_minutes, **fields}
    return Call("POST", "/v2/event-types", one(EventType), json=body, version=EVENT_TYPES)


def update_event_type(event_type_id: int, fields: dict[str, Any]) -> Call[EventType]:
    return Call(
        "PATCH",
        f"/v2/event-types/{event_type_id}",
        one(EventType),
        json=fields,
        version=EVENT_TYPES,
    )


def delete_event_type(event_type_id: int) -> Call[None]:
    return Call("DELETE", f"/v2/event-types/{event_type_id}", nothing, version=EVENT_TYPES)


def _hooks(event_type_id: int) -> str:
    return f"/v2/event-types/{event_type_id}/webhooks"


def list_event_type_webhooks(event_type_id: int) -> Call[list[Webhook]]:
    return Call("GET", _hooks(event_type_id), many(Webhook))


def get_event_type_webhook(event_type_id: int, webhook_id: int | str) -> Call[Webhook]:
    return Call("GET", f"{_hooks(event_type_id)}/{webhook_id}", one(Webhook))


def create_event_type_webhook(event_type_id: int, body: dict[str, Any]) -> Call[Webhook]:
    return Call("POST", _hooks(event_type_id), one(Webhook), json=body)


def update_event_type_webhook(
    event_type_id: int, webhook_id: int | str, fields: dict[str, Any]
) -> Call[Webhook]:
    return Call("PATCH", f"{_hooks(event_type_id)}/{webhook_id}", one(Webhook), json=fields)


def delete_event_type_webhook(event_type_id: int, webhook_id: int | str) -> Call[None]:
    return Call("DELETE", f"{_hooks(event_type_id)}/{webhook_id}", nothing)


def webhook_body(
    subscriber_url: str, triggers: list[str], active: bool, fields: dict[str, Any]
) -> dict[str, Any]:
    return {"subscriberUrl": subscriber_url, "triggers": triggers, "active": active, **fields}


class EventTypeWebhooks(SyncResource):
    def list(self, event_type_id: int) -> builtins.list[Webhook]:
        return self._t.send(list_event_type_webhooks(event_type_id))

    def get(self, event_type_id: int, webhook_id: int | str) -> Webhook:
        return self._t.send(get_event_type_webhook(event_type_id, webhook_id))

    def create(
        self,
        event_type_id: int,
        *,
        subscriber_url: str,
        triggers: builtins.list[str],
        active: bool = True,
        **fields: Any,
    ) -> Webhook:
        body = webhook_body(subscriber_url, triggers, active, fields)
        return self._t.send(create_event_type_webhook(event_type_id, body))

    def update(self, event_type_id: int, webhook_id: int | str, **fields: Any) -> Webhook:
        return self._t.send(update_event_type_webhook(event_type_id, webhook_id, fields))

    def delete(self, event_type_id: int, webhook_id: int | str) -> None:
        self._t.send(delete_event_type_webhook(event_type_id, webhook_id))


class EventTypes(SyncResource):
    def __init__(self, transport: SyncTransport) -> None:
        super().__init__(transport)
        self.webhooks = EventTypeWebhooks(transport)

    def list(self, *, username: str | None = None) -> builtins.list[EventType]:
        return self._t.send(list_event_types(username))

    def get(self, event_type_id: int) -> EventType:
        return self._t.send(get_event_type(event_type_id))

    def create(self, *, title: str, slug: str, length_in_minutes: int, **fields: Any) -> EventType:
        """Create an event type; extra fields go in by their API names (`description`, ...)."""
        return self._t.send(create_event_type(title, slug, length_in_minutes, fields))

    def update(self, event_type_id: int, **fields: Any) -> EventType:
        return self._t.send(update_event_type(event_type_id, fields))

    def delete(self, event_type_id: int) -> None:
        self._t.send(delete_event_type(event_type_id))


class AsyncEventTypeWebhooks(AsyncResource):
    async def list(self, event_type_id: int) -> builtins.list[Webhook]:
        return await self._t.send(list_event_type_webhooks(event_type_id))

    async def get(self, event_type_id: int, webhook_id: int | str) -> Webhook:
        return await self._t.send(get_event_type_webhook(event_type_id, webhook_id))

    async def create(
        self,
        event_type_id: int,
        *,
        subscriber_url: str,
        triggers: builtins.list[str],
        active: bool = True,
        **fields: Any,
    ) -> Webhook:
        body = webhook_body(subscriber_url, triggers, active, fields)
        return await self._t.send(create_event_type_webhook(event_type_id, body))

    async def update(self, event_type_id: int, webhook_id: int | str, **fields: Any) -> Webhook:
        return await self._t.send(update_event_type_webhook(event_type_id, webhook_id, fields))

    async def delete(self, event_type_id: int, webhook_id: int | str) -> None:
        await self._t.send(delete_event_type_webhook(event_type_id, webhook_id))


class AsyncEventTypes(AsyncResource):
    def __init__(self, transport: AsyncTransport) -> None:
        super().__init__(transport)
        self.webhooks = AsyncEventTypeWebhooks(transport)

    async def list(self, *, username: str | None = None) -> builtins.list[EventType]:
        return await self._t.send(list_event_types(username))

    async def get(self, event_type_id: int) -> EventType:
        return await self._t.send(get_event_type(event_type_id))

    async def create(
        self, *, title: str, slug: str, length_in_minutes: int, **fields: Any
    ) -> EventType:
        return await self._t.send(create_event_type(title, slug, length_in_minutes, fields))

    async def update(self, event_type_id: int, **fields: Any) -> EventType:
        return await self._t.send(update_event_type(event_type_id, fields))

    async def delete(self, event_type_id: int) -> None:
        await self._t.send(delete_event_type(event_type_id))
