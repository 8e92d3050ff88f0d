"""Webhook subscriptions and their delivery history: the queries the webhook service runs.

Ownership: a user-level webhook belongs to its user; an event-type webhook to the event
type's owner. Anything else is reported as not found, never forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from calgate.errors import BadRequest, NotFound
from calgate.net.ssrf import valid_subscriber_url
from calgate.store.models import EventType, Webhook, WebhookDelivery


@dataclass(frozen=True)
class Owner:
    """Who a webhook hangs off: a user (user-level) or one of their event types."""

    user_id: int
    event_type_id: int | None = None
    # Set for a team event type's webhooks: the user must administer this team.
    team_id: int | None = None


def not_found(webhook_id: int) -> NotFound:
    return NotFound(f"Webhook with id={webhook_id} not found")


def scope(owner: Owner) -> Any:
    """The webhooks an owner's listing covers."""
    if owner.event_type_id is not None:
        return Webhook.event_type_id == owner.event_type_id
    return Webhook.user_id == owner.user_id


def check_url(url: str) -> None:
    if not valid_subscriber_url(url):
        raise BadRequest("subscriberUrl: must be an absolute http or https URL")


async def find(session: AsyncSession, owner: Owner, webhook_id: int) -> Webhook:
    hook = (
        await session.execute(select(Webhook).where(Webhook.id == webhook_id, scope(owner)))
    ).scalar_one_or_none()
    if hook is None:
        raise not_found(webhook_id)
    return hook


async def visible(session: AsyncSession, user_id: int, webhook_id: int) -> Webhook:
    """A webhook the user owns directly or through one of their event types."""
    hook = await session.get(Webhook, webhook_id)
    if hook is None:
        raise not_found(webhook_id)
    if hook.user_id == user_id:
        return hook
    if hook.event_type_id is not None:
        et = await session.get(EventType, hook.event_type_id)
        if et is not None and et.owner_id == user_id:
            return hook
    raise not_found(webhook_id)


async def deliveries(
    session: AsyncSession, webhook_id: int, *, take: int, skip: int, status: str | None = None
) -> list[WebhookDelivery]:
    """A webhook's deliveries, newest first, with their attempts."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .options(selectinload(WebhookDelivery.attempt_log))
        .order_by(WebhookDelivery.id.desc())
        .offset(skip)
        .limit(take)
    )
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list((await session.execute(query)).scalars())


async def locked_delivery(
    session: AsyncSession, webhook_id: int, delivery_id: int
) -> WebhookDelivery:
    delivery = (
        await session.execute(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == webhook_id)
            .options(selectinload(WebhookDelivery.attempt_log))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if delivery is None:
        raise NotFound(f"Delivery with id={delivery_id} not found")
    return delivery
