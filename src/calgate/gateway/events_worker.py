"""Delivery of gateway events (calgate.gateway.events) as Standard Webhooks.

The shared outbox loop (calgate.webhooks.dispatcher) runs the gateway_events table with the
webhooks' retry schedule and settings (CALGATE_WEBHOOK_MAX_ATTEMPTS, _BACKOFF_*, _TIMEOUT). The
signature is Standard Webhooks, and requests go through the subscriber client the caller hands
in, so the events URL passes the same SSRF check as every other outbound call. Delivery is at
least once; `webhook-id` is stable across retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from calgate import __version__
from calgate.config import Settings
from calgate.gateway.keys import events_secret
from calgate.security.crypto import DecryptionError, Keyring
from calgate.store.db import Database
from calgate.store.models import GatewayEvent, GatewayKey, utcnow
from calgate.webhooks.delivery import DeliveryStatus, Outcome, next_state, post
from calgate.webhooks.dispatcher import Dispatcher, Lease, Result, settle

CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Event:
    id: int
    message_id: str
    body: str
    attempt: int
    url: str
    secret: str


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers; the timestamp is this attempt's."""
    sent_at = datetime.fromtimestamp(int(now.timestamp()), UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }


class EventTable:
    row = GatewayEvent

    def __init__(self, settings: Settings, keyring: Keyring, http: httpx2.AsyncClient) -> None:
        self.settings = settings
        self.keyring = keyring
        self.http = http

    async def claim(self, session: AsyncSession, ids: list[int], lease: Lease) -> list[Event]:
        rows = (
            await session.execute(
                select(GatewayEvent, GatewayKey)
                .join(GatewayKey, GatewayKey.id == GatewayEvent.gateway_key_id)
                .where(GatewayEvent.id.in_(ids))
                .order_by(GatewayEvent.not_before, GatewayEvent.id)
            )
        ).all()
        claimed: list[Event] = []
        for event, key in rows:
            target = await self._target(session, event, key)
            if target is None:
                continue
            event.locked_until = lease.until
            event.locked_by = lease.worker
            event.attempts += 1
            claimed.append(
                Event(
                    id=event.id,
                    message_id=event.message_id,
                    body=event.body,
                    attempt=event.attempts,
                    url=target[0],
                    secret=target[1],
                )
            )
        return claimed

    async def _target(
        self, session: AsyncSession, event: GatewayEvent, key: GatewayKey
    ) -> tuple[str, str] | None:
        """(URL, signing secret), or None after settling an event that can't be sent."""
        url, stored, since = key.events_url, key.events_secret_enc, key.events_since
        if url is None or stored is None or since is None or event.created_at < since:
            # No URL when it happened (or it changed since): nobody will ever receive it, and
            # most keys have no URL, so keeping the row would grow the table on every refresh.
            await session.delete(event)
            return None
        try:
            return url, events_secret(self.keyring, key.id, stored)
        except DecryptionError as exc:
            event.status = DeliveryStatus.DEAD
            event.last_error = f"events secret unreadable: {exc}"
            return None

    async def send(self, item: Event) -> Outcome:
        headers = {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": f"calgate-gateway-events/{__version__}",
            **signed_headers(item.secret, item.message_id, item.body, utcnow()),
        }
        request = self.http.build_request(
            "POST",
            item.url,
            content=item.body.encode(),
            headers=headers,
            timeout=self.settings.webhook_timeout,
        )
        return await post(self.http, request)

    async def record(
        self, session: AsyncSession, result: Result[Event], worker: str, now: datetime
    ) -> None:
        values = next_state(self.settings, result.outcome, result.item.attempt, now)
        await settle(session, GatewayEvent, result.item.id, worker, values)


def event_dispatcher(
    db: Database, settings: Settings, keyring: Keyring, http: httpx2.AsyncClient
) -> Dispatcher[Event]:
    """Gateway events' dispatcher; `http` is the caller's subscriber client (not closed here)."""
    return Dispatcher(db, EventTable(settings, keyring, http), settings, name="gateway-events")
