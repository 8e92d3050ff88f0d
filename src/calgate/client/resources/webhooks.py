"""`/v2/webhooks`: user-level webhooks and their deliveries."""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import Webhook, WebhookDelivery
from calgate.client.resources._base import many, nothing, one
from calgate.client.resources._resource import Resource, Tr, operation
from calgate.client.resources.event_types import webhook_body
from calgate.client.transport import AsyncTransport, Call, SyncTransport


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


class _Webhooks(Resource[Tr]):
    @operation
    def list(self) -> Call[builtins.list[Webhook]]:
        return list_webhooks()

    @operation
    def get(self, webhook_id: int | str) -> Call[Webhook]:
        return get_webhook(webhook_id)

    @operation
    def create(
        self,
        /,
        *,
        subscriber_url: str,
        triggers: builtins.list[str],
        active: bool = True,
        **fields: Any,
    ) -> Call[Webhook]:
        """Fields by API name: `secret`, `payloadTemplate`."""
        return create_webhook(webhook_body(subscriber_url, triggers, active, fields))

    @operation
    def update(self, /, webhook_id: int | str, **fields: Any) -> Call[Webhook]:
        return update_webhook(webhook_id, fields)

    @operation
    def delete(self, webhook_id: int | str) -> Call[None]:
        return delete_webhook(webhook_id)

    @operation
    def deliveries(self, webhook_id: int | str) -> Call[builtins.list[WebhookDelivery]]:
        return list_deliveries(webhook_id)


class Webhooks(_Webhooks[SyncTransport]): ...


class AsyncWebhooks(_Webhooks[AsyncTransport]): ...
