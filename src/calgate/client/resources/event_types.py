"""`/v2/event-types` and their webhooks (`/v2/event-types/{id}/webhooks`)."""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import EventType, Webhook
from calgate.client.resources._base import (
    EVENT_TYPES,
    drop_none,
    many,
    nothing,
    one,
)
from calgate.client.resources._resource import Resource, Tr, child, operation
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


class _EventTypeWebhooks(Resource[Tr]):
    @operation
    def list(self, event_type_id: int) -> Call[builtins.list[Webhook]]:
        return list_event_type_webhooks(event_type_id)

    @operation
    def get(self, event_type_id: int, webhook_id: int | str) -> Call[Webhook]:
        return get_event_type_webhook(event_type_id, webhook_id)

    @operation
    def create(
        self,
        /,
        event_type_id: int,
        *,
        subscriber_url: str,
        triggers: builtins.list[str],
        active: bool = True,
        **fields: Any,
    ) -> Call[Webhook]:
        body = webhook_body(subscriber_url, triggers, active, fields)
        return create_event_type_webhook(event_type_id, body)

    @operation
    def update(self, /, event_type_id: int, webhook_id: int | str, **fields: Any) -> Call[Webhook]:
        return update_event_type_webhook(event_type_id, webhook_id, fields)

    @operation
    def delete(self, event_type_id: int, webhook_id: int | str) -> Call[None]:
        return delete_event_type_webhook(event_type_id, webhook_id)


class EventTypeWebhooks(_EventTypeWebhooks[SyncTransport]): ...


class AsyncEventTypeWebhooks(_EventTypeWebhooks[AsyncTransport]): ...


class _EventTypes(Resource[Tr]):
    webhooks = child(EventTypeWebhooks, AsyncEventTypeWebhooks)

    @operation
    def list(self, *, username: str | None = None) -> Call[builtins.list[EventType]]:
        return list_event_types(username)

    @operation
    def get(self, event_type_id: int) -> Call[EventType]:
        return get_event_type(event_type_id)

    @operation
    def create(
        self, /, *, title: str, slug: str, length_in_minutes: int, **fields: Any
    ) -> Call[EventType]:
        """Create an event type; extra fields go in by their API names (`description`, ...)."""
        return create_event_type(title, slug, length_in_minutes, fields)

    @operation
    def update(self, /, event_type_id: int, **fields: Any) -> Call[EventType]:
        return update_event_type(event_type_id, fields)

    @operation
    def delete(self, event_type_id: int) -> Call[None]:
        return delete_event_type(event_type_id)


class EventTypes(_EventTypes[SyncTransport]): ...


class AsyncEventTypes(_EventTypes[AsyncTransport]): ...
