"""User webhooks' outbox table (webhook_deliveries), delivered by the shared loop
(calgate.webhooks.dispatcher): signed with X-Cal-Signature-256, every request carrying the
row's stable event id for de-duplication, each attempt logged in webhook_attempts.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import datetime

import httpx2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate import __version__
from calgate.config import Settings
from calgate.net.transport import guarded_client
from calgate.security.crypto import Keyring
from calgate.store.db import Database
from calgate.store.models import Webhook, WebhookAttempt, WebhookDelivery
from calgate.webhooks import signing
from calgate.webhooks.delivery import DeliveryStatus, Outcome, next_state, post
from calgate.webhooks.dispatcher import Dispatcher, Lease, Result, settle, take
from calgate.webhooks.mail import message_dispatcher
from calgate.webhooks.secrets import unseal

WEBHOOK_ALLOW_PRIVATE = "CALGATE_WEBHOOK_ALLOW_PRIVATE"
EVENT_ID_HEADER = "X-Calgate-Event-Id"


@dataclass(frozen=True)
class Claimed:
    id: int
    event_id: str
    trigger: str
    body: str
    content_type: str
    attempt: int
    round_attempt: int
    url: str
    secret: str | None
    active: bool


def new_client(settings: Settings) -> httpx2.AsyncClient:
    """The client for subscriber URLs (user webhooks and gateway events): every request passes
    the SSRF guard, private targets only with CALGATE_WEBHOOK_ALLOW_PRIVATE, no redirects."""
    return guarded_client(
        timeout=httpx2.Timeout(settings.webhook_timeout),
        max_connections=max(settings.webhook_concurrency, 1),
        allow_private=settings.webhook_allow_private,
        setting=WEBHOOK_ALLOW_PRIVATE,
    )


class WebhookTable:
    row = WebhookDelivery

    def __init__(self, settings: Settings, client: httpx2.AsyncClient, keyring: Keyring) -> None:
        self.settings = settings
        self.client = client
        self.keyring = keyring

    async def claim(self, session: AsyncSession, ids: list[int], lease: Lease) -> list[Claimed]:
        await take(
            session, WebhookDelivery, ids, lease, round_attempts=WebhookDelivery.round_attempts + 1
        )
        rows = (
            await session.execute(
                select(WebhookDelivery, Webhook)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(WebhookDelivery.id.in_(ids))
                .execution_options(populate_existing=True)
            )
        ).all()
        return [
            Claimed(
                id=d.id,
                event_id=d.event_id,
                trigger=d.trigger,
                body=d.body,
                content_type=d.content_type,
                attempt=d.attempts,
                round_attempt=d.round_attempts,
                url=w.subscriber_url,
                secret=unseal(self.keyring, w.id, w.secret),
                active=w.active,
            )
            for d, w in rows
        ]

    async def send(self, item: Claimed) -> Outcome:
        if not item.active:
            return Outcome(error="webhook is inactive")
        headers = {
            "Content-Type": item.content_type,
            signing.SIGNATURE_HEADER: signing.sign(item.secret, item.body),
            EVENT_ID_HEADER: item.event_id,
            "webhook-id": item.event_id,
            "X-Calgate-Trigger": item.trigger,
            "X-Calgate-Delivery-Attempt": str(item.attempt),
            "User-Agent": f"calgate-webhooks/{__version__}",
        }
        request = self.client.build_request(
            "POST", item.url, content=item.body.encode(), headers=headers
        )
        return await post(self.client, request)

    async def record(
        self, session: AsyncSession, result: Result[Claimed], worker: str, now: datetime
    ) -> None:
        item, outcome = result.item, result.outcome
        values = next_state(self.settings, outcome, item.round_attempt, now)
        if not outcome.ok and not item.active:
            values["status"] = DeliveryStatus.CANCELLED
        session.add(
            WebhookAttempt(
                delivery_id=item.id,
                attempt=item.attempt,
                started_at=result.started,
                duration_ms=result.duration_ms,
                status_code=outcome.status_code,
                error=outcome.error,
                response_excerpt=outcome.excerpt,
            )
        )
        await settle(session, WebhookDelivery, item.id, worker, values)


def webhook_dispatcher(db: Database, settings: Settings, keyring: Keyring) -> Dispatcher[Claimed]:
    """The dispatcher for user webhooks, with its own subscriber client (closed on stop);
    `keyring` opens the sealed signing secrets."""
    http = new_client(settings)
    return Dispatcher(
        db, WebhookTable(settings, http, keyring), settings, name="webhook", aclose=http.aclose
    )


async def run_forever(settings: Settings, keyring: Keyring) -> None:
    """`calgate worker`: deliver until SIGINT/SIGTERM, then stop cleanly."""
    import signal

    db = Database(settings.database_url, pool_size=max(2, settings.webhook_concurrency // 4))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    # Emails and SMS share the loop's settings and the worker process.
    try:
        messages = message_dispatcher(db, settings)
        await messages.start()
        try:
            await webhook_dispatcher(db, settings, keyring).run_until(stop)
        finally:
            await messages.stop()
    finally:
        await db.dispose()
