"""Connected calendars: a user's credentials for a calendar source and the calendars under them.

A credential is one connection (an ICS feed set, an Apple/CalDAV account); its calendars are
what busy time is read from (``selected``) and where bookings could be written
(``destination``). Each calendar keeps the busy time last read from its server (``busy``, a
list of ``[start, end]`` ISO instants over ``busy_from``..``busy_to``) so slot queries read the
database, never the calendar server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from calgate.store.models.base import Base, utcnow
from calgate.store.types import JSONType, UTCDateTime


class CalendarCredential(Base):
    __tablename__ = "calendar_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Cal.com's app slug: "ics-feed", "apple", or calgate's "caldav".
    app: Mapped[str] = mapped_column(String(32))
    server_url: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(Text)
    # Sealed with the keyring (AAD: calendar_credentials/<id>/password).
    password_enc: Mapped[str | None] = mapped_column(Text)
    invalid: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Calendar(Base):
    __tablename__ = "calendars"
    __table_args__ = (UniqueConstraint("credential_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("calendar_credentials.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The feed's URL, or the CalDAV collection's URL.
    external_id: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    read_only: Mapped[bool] = mapped_column(Boolean, default=True)
    primary: Mapped[bool] = mapped_column(Boolean, default=False)
    selected: Mapped[bool] = mapped_column(Boolean, default=False)
    destination: Mapped[bool] = mapped_column(Boolean, default=False)
    # The calendar's own zone (X-WR-TIMEZONE / calendar-timezone): where all-day events fall.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    busy: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    busy_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    busy_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # The last read's failure, cleared by the next success: slot answers carry it as a warning.
    fetch_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class CalendarWrite(Base):
    """The write-back outbox: one change of one booking's event in a destination calendar,
    written in the booking's transaction and sent by the outbox loop (webhooks.dispatcher), so
    a calendar server that is down delays the write without losing it."""

    __tablename__ = "calendar_writes"
    __table_args__ = (Index("ix_calendar_writes_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("calendars.id", ondelete="CASCADE"), index=True
    )
    # The booking's uid: the event's resource is `<booking_uid>.ics` (its UID inside is the
    # meeting's, Booking.calendar_uid). A recurring series written as one event: the series'
    # uid (Booking.recurring_event_id; calendars.outbox).
    booking_uid: Mapped[str] = mapped_column(String(64), index=True)
    # "put" (create or replace the event with `body`) or "delete".
    op: Mapped[str] = mapped_column(String(8))
    body: Mapped[str | None] = mapped_column(Text)
    # pending | delivered | dead (webhooks.delivery.DeliveryStatus)
    status: Mapped[str] = mapped_column(String(16))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConferencingApp(Base):
    """A conferencing app a user has connected: Jitsi (``link`` is the Jitsi server) or a
    personal meeting link; ``is_default`` is the one `integrations:daily` maps to."""

    __tablename__ = "conferencing_apps"
    __table_args__ = (UniqueConstraint("user_id", "app"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    app: Mapped[str] = mapped_column(String(32))
    link: Mapped[str | None] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
