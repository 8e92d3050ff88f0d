"""Webhook subscriptions and their delivery history: the operations the API calls.

Ownership: a user-level webhook belongs to its user; an event-type webhook to the event
type's owner. Anything else is reported as not found, never forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from calgate.errors import BadRequest, NotFound
from calgate.net.ssrf import valid_subscriber_url
from calgate.store.models import EventType, Webhook, WebhookDelivery, utcnow
from calgate.webhooks import outbox


@dataclass(frozen=True)
class Owner:
    """Who a webhook hangs off: a user (user-level) or one of their event types."""

    user_id: int
    event_type_id: int | None = None


def _not_found(webhook_id: int) -> NotFound:
    return NotFound(f"Webhook with id={webhook_id} not found")


async def owned_event_type(session: AsyncSession, user_id: int, event_type_id: int) -> EventType:
    et = (
        await session.execute(
            select(EventType).where(EventType.id == event_type_id, EventType.owner_id == user_id)
        )
    ).scalar_one_or_none()
    if et is None:
        raise NotFound(f"Event type with id={event_type_id} not found")
    return et


def _scope(owner: Owner) -> Any:
    if owner.event_type_id is not None:
        return Webhook.event_type_id == owner.event_type_id
    return Webhook.user_id == owner.user_id


def check_url(url: str) -> None:
    if not valid_subscriber_url(url):
        raise BadRequest("subscriberUrl: must be an absolute http or https URL")


async def create(session: AsyncSession, owner: Owner, values: dict[str, Any]) -> Webhook:
    if owner.event_type_id is not None:
        await owned_event_type(session, owner.user_id, owner.event_type_id)
    check_url(values["subscriber_url"])
    hook = Webhook(
        user_id=None if owner.event_type_id is not None else owner.user_id,
        event_type_id=owner.event_type_id,
        created_at=utcnow(),
        **values,
    )
    session.add(hook)
    await session.flush()
    return hook


async def list_for(session: AsyncSession, owner: Owner, *, take: int, skip: int) -> list[Webhook]:
    if owner.event_type_id is not None:
        await owned_event_type(session, owner.user_id, owner.event_type_id)
    rows = await session.execute(
        select(Webhook).where(_scope(owner)).order_by(Webhook.id).offset(skip).limit(take)
    )
    return list(rows.scalars())


async def get(session: AsyncSession, owner: Owner, webhook_id: int) -> Webhook:
    if owner.event_type_id is not None:
        await owned_event_type(session, owner.user_id, owner.event_type_id)
    hook = (
        await session.execute(select(Webhook).where(Webhook.id == webhook_id, _scope(owner)))
    ).scalar_one_or_none()
    if hook is None:
        raise _not_found(webhook_id)
    return hook


async def update(
    session: AsyncSession, owner: Owner, webhook_id: int, values: dict[str, Any]
) -> Webhook:
    hook = await get(session, owner, webhook_id)
    if "subscriber_url" in values:
        check_url(values["subscriber_url"])
    for key, value in values.items():
        setattr(hook, key, value)
    await session.flush()
    return hook


async def remove(session: AsyncSession, owner: Owner, webhook_id: int) -> Webhook:
    hook = await get(session, owner, webhook_id)
    await session.delete(hook)
    await session.flush()
    return hook


async def remove_all(session: AsyncSession, owner: Owner) -> int:
    if owner.event_type_id is not None:
        await owned_event_type(session, owner.user_id, owner.event_type_id)
    count = (
        await session.execute(select(func.count()).select_from(Webhook).where(_scope(owner)))
    ).scalar_one()
    await session.execute(delete(Webhook).where(_scope(owner)))
    return int(count)


async def visible(session: AsyncSession, user_id: int, webhook_id: int) -> Webhook:
    """A webhook the user owns directly or through one of their event types."""
    hook = await session.get(Webhook, webhook_id)
    if hook is None:
        raise _not_found(webhook_id)
    if hook.user_id == user_id:
        return hook
    if hook.event_type_id is not None:
        et = await session.get(EventType, hook.event_type_id)
        if et is not None and et.owner_id == user_id:
            return hook
    raise _not_found(webhook_id)


async def deliveries(
    session: AsyncSession,
    user_id: int,
    webhook_id: int,
    *,
    take: int,
    skip: int,
    status: str | None = None,
) -> list[WebhookDelivery]:
    await visible(session, user_id, webhook_id)
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


async def retry(
    session: AsyncSession, user_id: int | None, webhook_id: int, delivery_id: int
) -> WebhookDelivery:
    """Send a finished delivery again (same event id, same body), with a fresh attempt budget.

    `user_id=None` is the operator (admin command): no ownership check.
    """
    if user_id is not None:
        await visible(session, user_id, webhook_id)
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
    if delivery.status == "pending":
        raise BadRequest("This delivery is still pending; it will be attempted again by itself")
    delivery.status = "pending"
    delivery.round_attempts = 0
    delivery.not_before = utcnow()
    delivery.locked_until = None
    delivery.locked_by = None
    delivery.delivered_at = None
    outbox.wake_on_commit(session)
    await session.flush()
    return delivery
