from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calgate.store.models.base import Base, Timestamped
from calgate.store.types import JSONType, UTCDateTime


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    bio: Mapped[str | None] = mapped_column(Text)
    time_format: Mapped[int] = mapped_column(Integer, default=12)
    week_start: Mapped[str] = mapped_column(String(16), default="Sunday")
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    locale: Mapped[str | None] = mapped_column(String(16))
    # Origins allowed to frame this user's booking pages (CSP frame-ancestors); None or []:
    # only calgate's own origin.
    embed_origins: Mapped[list[str] | None] = mapped_column(JSONType)
    # Cal.com's free-form user metadata (PATCH /v2/me), at most 50 short keys.
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONType)
    # use_alter: users and schedules reference each other.
    default_schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL", use_alter=True)
    )

    api_keys: Mapped[list[ApiKey]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    # HMAC-SHA256 of the whole key under the server pepper; the key itself is never stored.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # First characters of the key, safe to show so users can tell keys apart.
    key_prefix: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_keys")
