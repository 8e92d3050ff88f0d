"""Delivery of gateway events (calgate.gateway.events) as Standard Webhooks.

The webhook Dispatcher (calgate.webhooks.worker) runs it: its claim loop, concurrency, lease,
group-commit recorder and clean stop, and its retry schedule and settings
(CALGATE_WEBHOOK_MAX_ATTEMPTS, _BACKOFF_*, _TIMEOUT). Only the table (gateway_events), the
signature (Standard Webhooks) and the client differ: requests go through the gateway's guarded
client, so the events URL passes the same SSRF check as every other outbound call. Delivery is
at least once; `webhook-id` is stable across retries.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from calgate import __version__
from calgate.config import Settings
from calgate.gateway.crypto import DecryptionError, Keyring
from calgate.gateway.keys import events_secret
from calgate.store.db import Database
from calgate.store.models import GatewayEvent, GatewayKey, utcnow
from calgate.webhooks.worker import (
    Claimed,
    Dispatcher,
    Outcome,
    Result,
    next_state,
    post,
)

CONTENT_TYPE = "application/json"


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers; the timestamp is this attempt's."""
    sent_at = datetime.fromtimestamp(int(now.timestamp()), UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }


class EventDispatcher(Dispatcher):
    def __init__(
        self, db: Database, settings: Settings, keyring: Keyring, http: httpx2.AsyncClient
    ) -> None:
        super().__init__(db, settings, client=http)
        self.keyring = keyring
        self.http = http

    def _due(self, now: datetime) -> ColumnElement[bool]:
        return and_(
            GatewayEvent.status == "pending",
            GatewayEvent.not_before <= now,
            or_(GatewayEvent.locked_until.is_(None), GatewayEvent.locked_until < now),
        )

    async def claim(self, limit: int) -> list[Claimed]:
        now = utcnow()
        async with self.db.session() as session:
            # A cheap read first, so idle polling never takes SQLite's write lock.
            due = (
                await session.execute(select(GatewayEvent.id).where(self._due(now)).limit(1))
            ).first()
        if due is None:
            return []
        async with self.db.transaction(immediate=True) as session:
            rows = (
                await session.execute(
                    select(GatewayEvent, GatewayKey)
                    .join(GatewayKey, GatewayKey.id == GatewayEvent.gateway_key_id)
                    .where(self._due(now))
                    .order_by(GatewayEvent.not_before, GatewayEvent.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True, of=GatewayEvent)
                )
            ).all()
            claimed: list[Claimed] = []
            for event, key in rows:
                target = await self._target(session, event, key)
                if target is None:
                    continue
                event.locked_until = now + self.lease
                event.locked_by = self.worker_id
                event.attempts += 1
                claimed.append(
                    Claimed(
                        id=event.id,
                        event_id=event.message_id,
                        trigger=event.kind,
                        body=event.body,
                        content_type=CONTENT_TYPE,
                        attempt=event.attempts,
                        round_attempt=event.attempts,
                        created_at=event.created_at,
                        url=target[0],
                        secret=target[1],
                        active=True,
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
            event.status, event.last_error = "dead", f"events secret unreadable: {exc}"
            return None

    async def send(self, item: Claimed) -> Outcome:
        if item.secret is None:  # claim hands out only events with a secret
            return Outcome(error="no signing secret")
        headers = {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": f"calgate-gateway-events/{__version__}",
            **signed_headers(item.secret, item.event_id, item.body, utcnow()),
        }
        request = self.http.build_request(
            "POST",
            item.url,
            content=item.body.encode(),
            headers=headers,
            timeout=self.settings.webhook_timeout,
        )
        return await post(self.http, request)

    async def record_many(self, batch: list[Result]) -> None:
        now = utcnow()
        async with self.db.transaction(immediate=True) as session:
            for result in batch:
                item = result.item
                values = next_state(self.settings, result.outcome, item.attempt, now)
                await session.execute(
                    update(GatewayEvent)
                    .where(
                        GatewayEvent.id == item.id,
                        GatewayEvent.locked_by == self.worker_id,
                        GatewayEvent.status == "pending",
                    )
                    .values(**values)
                )

    async def _release_leases(self) -> None:
        async with self.db.transaction(immediate=True) as session:
            await session.execute(
                update(GatewayEvent)
                .where(GatewayEvent.locked_by == self.worker_id, GatewayEvent.status == "pending")
                .values(locked_until=None, locked_by=None)
            )
