from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from calgate.store.models.base import Base, utcnow
from calgate.store.types import UTCDateTime


class PrivateLink(Base):
    """A secret booking link to one event type (Cal.com's hashed link, `/d/{link}/{slug}`).

    Expires at ``expires_at`` or once ``usage_count`` reaches ``max_usage_count``. The count is
    only ever raised by one conditional UPDATE in the booking's transaction, and the check
    constraint is the last word: no race can push it past the maximum.
    """

    __tablename__ = "private_links"
    __table_args__ = (
        CheckConstraint(
            "max_usage_count IS NULL OR usage_count <= max_usage_count", name="usage_within_max"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The link itself: the page path and the API's `linkId` (random, unguessable).
    link: Mapped[str] = mapped_column(String(64), unique=True)
    event_type_id: Mapped[int] = mapped_column(
        ForeignKey("event_types.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    max_usage_count: Mapped[int | None] = mapped_column(Integer)
    usage_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
