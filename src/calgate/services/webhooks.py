"""Webhook subscriptions (user-level and event-type) and their deliveries: the use cases.

Each function opens its own transaction (`Database.transaction`, which takes SQLite's write
lock up front: they read ownership before they write).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.errors import BadRequest
from calgate.security.crypto import Keyring
from calgate.services.event_types import owned_event_type
from calgate.services.team_event_types import administered_event_type
from calgate.services.unset import UNSET, Unset, sent
from calgate.store.db import Database
from calgate.store.models import Webhook, WebhookDelivery, utcnow
from calgate.webhooks import outbox, subscriptions
from calgate.webhooks.secrets import seal
from calgate.webhooks.subscriptions import Owner


@dataclass(frozen=True)
class WebhookSpec:
    subscriber_url: str
    triggers: tuple[str, ...]
    active: bool = True
    payload_template: str | None = None
    secret: str | None = None


@dataclass(frozen=True)
class WebhookPatch:
    """What a PATCH changes; None clears ``payload_template`` and ``secret``."""

    subscriber_url: str | Unset = UNSET
    triggers: tuple[str, ...] | Unset = UNSET
    active: bool | Unset = UNSET
    payload_template: str | Unset | None = UNSET
    secret: str | Unset | None = UNSET


async def _check_owner(session: AsyncSession, owner: Owner) -> None:
    if owner.team_id is not None and owner.event_type_id is not None:
        await administered_event_type(session, owner.user_id, owner.team_id, owner.event_type_id)
    elif owner.event_type_id is not None:
        await owned_event_type(session, owner.user_id, owner.event_type_id)


async def _owned(session: AsyncSession, owner: Owner, webhook_id: int) -> Webhook:
    await _check_owner(session, owner)
    return await subscriptions.find(session, owner, webhook_id)


async def create_webhook(
    db: Database, owner: Owner, spec: WebhookSpec, keyring: Keyring
) -> Webhook:
    async with db.transaction() as session:
        await _check_owner(session, owner)
        subscriptions.check_url(spec.subscriber_url)
        hook = Webhook(
            user_id=None if owner.event_type_id is not None else owner.user_id,
            event_type_id=owner.event_type_id,
            created_at=utcnow(),
            subscriber_url=spec.subscriber_url,
            triggers=list(spec.triggers),
            active=spec.active,
            payload_template=spec.payload_template,
        )
        session.add(hook)
        # The sealed secret is bound to the row id, known only once the row is inserted.
        await session.flush()
        hook.secret = seal(keyring, hook.id, spec.secret)
        await session.flush()
        return hook


async def list_webhooks(db: Database, owner: Owner, *, take: int, skip: int) -> list[Webhook]:
    async with db.session() as session:
        await _check_owner(session, owner)
        rows = await session.execute(
            select(Webhook)
            .where(subscriptions.scope(owner))
            .order_by(Webhook.id)
            .offset(skip)
            .limit(take)
        )
        return list(rows.scalars())


async def get_webhook(db: Database, owner: Owner, webhook_id: int) -> Webhook:
    async with db.session() as session:
        return await _owned(session, owner, webhook_id)


async def update_webhook(
    db: Database, owner: Owner, webhook_id: int, patch: WebhookPatch, keyring: Keyring
) -> Webhook:
    async with db.transaction() as session:
        hook = await _owned(session, owner, webhook_id)
        if not isinstance(patch.subscriber_url, Unset):
            subscriptions.check_url(patch.subscriber_url)
        for key, value in sent(patch).items():
            if key == "triggers":
                value = list(value)
            elif key == "secret":
                value = seal(keyring, hook.id, value)
            setattr(hook, key, value)
        await session.flush()
        return hook


async def delete_webhook(db: Database, owner: Owner, webhook_id: int) -> Webhook:
    async with db.transaction() as session:
        hook = await _owned(session, owner, webhook_id)
        await session.delete(hook)
        await session.flush()
        return hook


async def delete_webhooks(db: Database, owner: Owner) -> int:
    """Delete every webhook of the owner; how many there were."""
    async with db.transaction() as session:
        await _check_owner(session, owner)
        count = (
            await session.execute(
                select(func.count()).select_from(Webhook).where(subscriptions.scope(owner))
            )
        ).scalar_one()
        await session.execute(delete(Webhook).where(subscriptions.scope(owner)))
        return int(count)


async def list_deliveries(
    db: Database,
    user_id: int,
    webhook_id: int,
    *,
    take: int,
    skip: int,
    status: str | None = None,
) -> list[WebhookDelivery]:
    async with db.session() as session:
        await subscriptions.visible(session, user_id, webhook_id)
        return await subscriptions.deliveries(
            session, webhook_id, take=take, skip=skip, status=status
        )


async def retry_delivery(
    db: Database, user_id: int | None, webhook_id: int, delivery_id: int
) -> WebhookDelivery:
    """Send a finished delivery again (same event id, same body), with a fresh attempt budget.

    `user_id=None` is the operator (admin command): no ownership check.
    """
    async with db.transaction() as session:
        if user_id is not None:
            await subscriptions.visible(session, user_id, webhook_id)
        delivery = await subscriptions.locked_delivery(session, webhook_id, delivery_id)
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
