from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calgate.store.models.base import Base, Timestamped


class Schedule(Timestamped, Base):
    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    time_zone: Mapped[str] = mapped_column(String(64))

    availability: Mapped[list[Availability]] = relationship(
        back_populates="schedule",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Availability.id",
        lazy="selectin",
    )


class Availability(Base):
    """One weekly window (``date`` is NULL) or one date override (``date`` set).

    Times are minutes from local midnight in the schedule's zone; end 1440 means midnight at the
    end of the day. An override with start == end == 0 marks the whole date unavailable, which is
    how Cal.com stores a day off.
    """

    __tablename__ = "availabilities"
    __table_args__ = (
        CheckConstraint("start_minute >= 0 AND start_minute <= 1440", name="start_range"),
        CheckConstraint("end_minute >= 0 AND end_minute <= 1440", name="end_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedules.id", ondelete="CASCADE"), index=True
    )
    # Weekdays, 0 = Sunday; empty for date overrides.
    days: Mapped[list[int]] = mapped_column(JSON, default=list)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    date: Mapped[date | None] = mapped_column(Date)

    schedule: Mapped[Schedule] = relationship(back_populates="availability")
