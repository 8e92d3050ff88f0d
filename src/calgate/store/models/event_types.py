from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calgate.store.models.base import Base, Timestamped
from calgate.store.types import JSONType


class EventType(Timestamped, Base):
    """A bookable meeting kind.

    Scheduling rules that the availability engine reads are real columns; presentation settings
    the API only round-trips live in ``settings`` (JSON) so that accepting a new Cal.com field
    does not need a migration. Who can be booked is always the ``hosts`` list, also for a
    personal event type (its one host is the owner), so team event types need no second path.
    """

    __tablename__ = "event_types"
    __table_args__ = (
        UniqueConstraint("owner_id", "slug"),
        UniqueConstraint("team_id", "slug"),
        CheckConstraint("length >= 1 AND length <= 1440", name="length_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Set for team event types (owner_id is then NULL): the team's members host them.
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    length: Mapped[int] = mapped_column(Integer)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Cal.com's stored location form, e.g. [{"type": "integrations:daily"}].
    locations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    booking_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL"), index=True
    )
    minimum_booking_notice: Mapped[int] = mapped_column(Integer, default=120)
    before_event_buffer: Mapped[int] = mapped_column(Integer, default=0)
    after_event_buffer: Mapped[int] = mapped_column(Integer, default=0)
    slot_interval: Mapped[int | None] = mapped_column(Integer)
    # UNLIMITED | ROLLING | ROLLING_WINDOW | RANGE, as Cal.com's PeriodType.
    period_type: Mapped[str] = mapped_column(String(16), default="UNLIMITED")
    period_days: Mapped[int | None] = mapped_column(Integer)
    period_count_calendar_days: Mapped[bool | None] = mapped_column(Boolean)
    period_start_date: Mapped[date | None] = mapped_column(Date)
    period_end_date: Mapped[date | None] = mapped_column(Date)
    # {"PER_DAY": 2, "PER_WEEK": 5, ...}; minutes for duration_limits.
    booking_limits: Mapped[dict[str, int] | None] = mapped_column(JSONType)
    duration_limits: Mapped[dict[str, int] | None] = mapped_column(JSONType)
    only_show_first_available_slot: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    seats_per_time_slot: Mapped[int | None] = mapped_column(Integer)
    seats_show_attendees: Mapped[bool] = mapped_column(Boolean, default=False)
    seats_show_availability_count: Mapped[bool] = mapped_column(Boolean, default=True)
    lock_time_zone_toggle: Mapped[bool] = mapped_column(Boolean, default=False)
    # NULL for personal event types; COLLECTIVE | ROUND_ROBIN | MANAGED for team ones.
    scheduling_type: Mapped[str | None] = mapped_column(String(16))
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONType, default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    hosts: Mapped[list[Host]] = relationship(
        back_populates="event_type",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="Host.id",
    )


class Host(Base):
    __tablename__ = "event_type_hosts"
    __table_args__ = (UniqueConstraint("event_type_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type_id: Mapped[int] = mapped_column(
        ForeignKey("event_types.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_fixed: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[int] = mapped_column(Integer, default=2)
    weight: Mapped[int] = mapped_column(Integer, default=100)
    # Overrides the event type's schedule for this host; NULL = event type's, then user's default.
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))

    event_type: Mapped[EventType] = relationship(back_populates="hosts")
