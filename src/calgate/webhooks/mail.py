"""The outbound message outbox (outbound_messages), sent by the shared loop
(calgate.webhooks.dispatcher): emails over SMTP (CALGATE_SMTP_URL), SMS through a
Twilio-compatible HTTP endpoint (CALGATE_SMS_URL) behind the SSRF guard. At least once, retried
with the webhooks' backoff (CALGATE_WEBHOOK_MAX_ATTEMPTS, _BACKOFF_*).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

import httpx2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.config import Settings
from calgate.email.messages import email_message, with_booker
from calgate.email.smtp import SendFailed, SmtpServer
from calgate.net.transport import guarded_client
from calgate.store.db import Database
from calgate.store.models import OutboundMessage
from calgate.webhooks.delivery import DeliveryStatus, Outcome, next_state, post
from calgate.webhooks.dispatcher import Dispatcher, Lease, Result, settle, take

SMS_ALLOW_PRIVATE = "CALGATE_SMS_ALLOW_PRIVATE"
_EMAIL_OFF = "email is off: CALGATE_SMTP_URL is not set"
_SMS_OFF = "SMS is off: CALGATE_SMS_URL is not set"


@dataclass(frozen=True)
class Claimed:
    id: int
    message_id: str
    channel: str
    recipient: str
    subject: str
    text: str
    html: str | None
    ics: str | None
    reply_to: str | None
    attempt: int
    created_at: datetime


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class MessageTable:
    row = OutboundMessage

    def __init__(self, settings: Settings, sms_client: httpx2.AsyncClient | None) -> None:
        self.settings = settings
        self.smtp = (
            SmtpServer.from_url(settings.smtp_url, ca_file=settings.smtp_ca_file)
            if settings.smtp_url
            else None
        )
        self.sms_client = sms_client

    async def claim(self, session: AsyncSession, ids: list[int], lease: Lease) -> list[Claimed]:
        await take(session, OutboundMessage, ids, lease)
        rows = (
            await session.execute(
                select(OutboundMessage)
                .where(OutboundMessage.id.in_(ids))
                .execution_options(populate_existing=True)
            )
        ).scalars()
        return [
            Claimed(
                id=m.id,
                message_id=m.message_id,
                channel=m.channel,
                recipient=m.recipient,
                subject=m.subject,
                text=m.text,
                html=m.html,
                ics=m.ics,
                reply_to=m.reply_to,
                attempt=m.attempts,
                created_at=m.created_at,
            )
            for m in rows
        ]

    async def send(self, item: Claimed) -> Outcome:
        if item.channel == "sms":
            return await self._sms(item)
        if self.smtp is None:
            return Outcome(error=_EMAIL_OFF)
        booker = self.settings.booker_url
        message = email_message(
            message_id=item.message_id,
            sender=self.settings.email_from,
            recipient=item.recipient,
            subject=item.subject,
            text=with_booker(item.text, booker),
            html=with_booker(item.html, booker) if item.html is not None else None,
            ics=with_booker(item.ics, booker) if item.ics is not None else None,
            created_at=item.created_at,
            reply_to=item.reply_to,
        )
        try:
            await self.smtp.send(message)
        except SendFailed as exc:
            return Outcome(error=str(exc)[:1000], retryable=not exc.permanent)
        # 250 is SMTP's "accepted"; as a status it also reads as success to the loop.
        return Outcome(status_code=250)

    async def _sms(self, item: Claimed) -> Outcome:
        if self.sms_client is None:
            return Outcome(error=_SMS_OFF)
        s = self.settings
        request = self.sms_client.build_request(
            "POST",
            s.sms_url,
            data={"To": item.recipient, "From": s.sms_from, "Body": item.text},
            headers={"Authorization": _basic(s.sms_account, s.sms_token)},
        )
        return await post(self.sms_client, request)

    async def record(
        self, session: AsyncSession, result: Result[Claimed], worker: str, now: datetime
    ) -> None:
        item = result.item
        values = next_state(self.settings, result.outcome, item.attempt, now)
        if result.outcome.error in (_EMAIL_OFF, _SMS_OFF):
            # Sending is switched off: nothing failed, there is just nobody to send it.
            values["status"] = DeliveryStatus.CANCELLED
        await settle(session, OutboundMessage, item.id, worker, values)


def message_dispatcher(db: Database, settings: Settings) -> Dispatcher[Claimed]:
    """The dispatcher for emails and SMS, with its SMS client (closed on stop)."""
    sms = None
    if settings.sms_url:
        sms = guarded_client(
            timeout=httpx2.Timeout(settings.webhook_timeout),
            max_connections=4,
            allow_private=settings.sms_allow_private,
            setting=SMS_ALLOW_PRIVATE,
        )
    return Dispatcher(
        db,
        MessageTable(settings, sms),
        settings,
        name="message",
        aclose=sms.aclose if sms is not None else None,
    )
