"""Outbound messages as outbox rows, and a row as the email it becomes.

`queue` writes a row in the caller's transaction and commits nothing: a message lives or dies
with the change that caused it. The caller wakes the sending loop on commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy.ext.asyncio import AsyncSession

from calgate.store.db import Database
from calgate.store.models import OutboundMessage, utcnow

# webhooks.delivery.DeliveryStatus.PENDING: the loop's state names (this package sits below it).
PENDING = "pending"
CANCELLED = "cancelled"
# Links in a message are written against this token and completed when sent: the booker's
# address (CALGATE_BOOKER_URL) is a setting of the sending process, not of the writer.
BOOKER_URL = "[[booker_url]]"


# Set on every session of a Database whose process sends email (CALGATE_SMTP_URL set).
_SENDS_EMAIL = "calgate_sends_email"


def send_email_from(db: Database, on: bool) -> None:
    """Say whether this process sends email, once, when it opens its Database.

    Booking emails are written only when it does: without SMTP they could never go out, and
    the outbox would only fill up. Off for a Database nobody switched on.
    """
    db.sessionmaker.configure(info={_SENDS_EMAIL: on})


def sends_email(session: AsyncSession) -> bool:
    return bool(session.info.get(_SENDS_EMAIL, False))


def with_booker(text: str, booker_url: str) -> str:
    return text.replace(BOOKER_URL, booker_url)


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    html: str | None = None
    ics: str | None = None
    reply_to: str | None = None


def queue(
    session: AsyncSession,
    *,
    channel: str,
    kind: str,
    recipient: str,
    content: Content,
    booking_uid: str | None = None,
    not_before: datetime | None = None,
    now: datetime | None = None,
) -> OutboundMessage:
    now = now or utcnow()
    row = OutboundMessage(
        message_id=str(uuid.uuid4()),
        channel=channel,
        kind=kind,
        booking_uid=booking_uid,
        recipient=recipient,
        subject=content.subject,
        text=content.text,
        html=content.html,
        ics=content.ics,
        reply_to=content.reply_to,
        status=PENDING,
        not_before=not_before or now,
        attempts=0,
        created_at=now,
    )
    session.add(row)
    return row


def email_message(
    *,
    message_id: str,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None,
    ics: str | None,
    created_at: datetime,
    reply_to: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(created_at)
    # Stable across retries, so a receiver that got an attempt twice can tell.
    domain = sender.rpartition("@")[2].strip("> ") or "calgate"
    msg["Message-ID"] = make_msgid(idstring=message_id, domain=domain)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    if ics is not None:
        method = "CANCEL" if "METHOD:CANCEL" in ics else "REQUEST"
        msg.add_attachment(
            ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": method},
        )
    return msg
