"""`/v2/webhooks`: user-level webhooks and their deliveries."""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import Webhook, WebhookDelivery
from calgate.client.resources._base import AsyncResource, SyncResource, many, nothing, one
from calgate.client.resources.event_types import webhook_body
from calgate.client.transport import Call


def list_webhooks() -> Call[builtins.list[Webhook]]:
    return Call("GET", "/v2/webhooks", many(Webhook))


def get_webhook(webhook_id: int | str) -> Call[Webhook]:
    return Call("GET", f"/v2/webhooks/{webhook_id}", one(Webhook))


def create_webhook(body: dict[str, Any]) -> Call[Webhook]:
    return Call("POST", "/v2/webhooks", one(Webhook), json=body)


def update_webhook(webhook_id: int | str, fields: dict[str, Any]) -> Call[Webhook]:
    return Call("PATCH", f"/v2/webhooks/{webhook_id}", one(Webhook), json=fields)


def delete_webhook(webhook_id: int | str) -> Call[None]:
    return Call("DELETE", f"/v2/webhooks/{webhook_id}", nothing)


def list_deliveries(webhook_id: int | str) -> Call[builtins.list[WebhookDelivery]]:
    return Call("GET", f"/v2/webhooks/{webhook_id}/deliveries", many(WebhookDelivery))


class Webhooks(SyncResource):
    def list(self) -> builtins.list[Webhook]:
        return self._t.send(list_webhooks())

    def get(self, webhook_id: int | str) -> Webhook:
        return self._t.send(get_webhook(webhook_id))

    def create(
        self,
        *,
        subscriber_url: str,
        triggers: builtins.list[str],
        active: bool = True,
        **fields: Any,
    ) -> Webhook:
        """Fields by API name: `secret`, `payloadTemplate`."""
        return self._t.send(create_webhook(webhook_body(subscriber_url, triggers, active, fields)))

    def update(self, webhook_id: int | str, **fields: Any) -> Webhook:
        return self._t.send(update_webhook(webhook_id, fields))

    def delete(self, webhook_id: int | str) -> None:
        self._t.send(delete_webhook(webhook_id))

    def deliveries(self, webhook_id: int | str) -> builtins.list[WebhookDelivery]:
        return self._t.send(list_deliveries(webhook_id))


class AsyncWebhooks(AsyncResource):
    async def list(self) -> builtins.list[Webhook]:
        return await self._t.send(list_webhooks())

    async def get(self, webhook_id: int | str) -> Webhook:
        return await self._t.send(get_webhook(webhook_id))

    async def create(
        self,
        *,
        subscriber_url: str,
        triggers: builtins.list[str],
        active: bool = True,
        **fields: Any,
    ) -> Webhook:
        body = webhook_body(subscriber_url, triggers, active, fields)
        return await self._t.send(create_webhook(body))

    async def update(self, webhook_id: int | str, **fields: Any) -> Webhook:
        return await self._t.send(update_webhook(webhook_id, fields))

    async def delete(self, webhook_id: int | str) -> None:
        await self._t.send(delete_webhook(webhook_id))

    async def deliveries(self, webhook_id: int | str) -> builtins.list[WebhookDelivery]:
        return await self._t.send(list_deliveries(webhook_id))
