"""Verified emails and phones, their one-time codes, and the outbound message outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from calgate.store.models.base import Base, utcnow
from calgate.store.types import UTCDateTime


def _once_per_owner(table: str, column: str) -> tuple[Index, Index]:
    """A user's own list and a team's list each hold an address once (NULL team: the user's)."""
    personal = sql("team_id IS NULL")
    team = sql("team_id IS NOT NULL")
    return (
        Index(
            f"ux_{table}_user_{column}",
            "user_id",
            column,
            unique=True,
            sqlite_where=personal,
            postgresql_where=personal,
        ),
        Index(
            f"ux_{table}_team_{column}",
            "team_id",
            column,
            unique=True,
            sqlite_where=team,
            postgresql_where=team,
        ),
    )


class VerifiedEmail(Base):
    """A verified address of a user, or of a team (`team_id`; `user_id` is who verified it)."""

    __tablename__ = "verified_emails"
    __table_args__ = _once_per_owner("verified_emails", "email")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), index=True, nullable=True
    )
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VerifiedPhone(Base):
    __tablename__ = "verified_phones"
    __table_args__ = _once_per_owner("verified_phones", "phone_number")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), index=True, nullable=True
    )
    phone_number: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VerificationCode(Base):
    """One code sent to one address. Only its keyed hash is kept; it dies on use, on expiry or
    after too many wrong guesses (`attempts`)."""

    __tablename__ = "verification_codes"
    __table_args__ = (Index("ix_verification_codes_target", "user_id", "channel", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # email | sms
    channel: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboundMessage(Base):
    """An email or SMS to send: the outbox row, written in the transaction that caused it.

    Rendered when written (subject, bodies, invite), so a later change to the booking never
    alters a message already queued; `not_before` delays reminders, `locked_until` is a
    sending worker's lease.
    """

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable across retries: the email's Message-ID, so receivers can de-duplicate.
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    # email | sms
    channel: Mapped[str] = mapped_column(String(8))
    # verification | booking | reminder
    kind: Mapped[str] = mapped_column(String(16))
    booking_uid: Mapped[str | None] = mapped_column(String(64), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    ics: Mapped[str | None] = mapped_column(Text)
    # The email's Reply-To (an event type's verified custom reply-to, the organizer, ...).
    reply_to: Mapped[str | None] = mapped_column(Text)
    # pending | delivered | dead | cancelled
    status: Mapped[str] = mapped_column(String(16))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
