"""An event type's rules for its bookers: no cancelling, no rescheduling (always or close to the
start), at most N active bookings per booker.

They are stored in the event type's settings in Cal.com's wire form (`disableCancelling`,
`disableRescheduling`, `bookerActiveBookingsLimit`), as the 2024-06-14 shapes accept them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any


def cancelling_refusal(settings: Mapping[str, Any] | None) -> str | None:
    """Why a booking of this event type can't be cancelled, or None."""
    rule = (settings or {}).get("disable_cancelling") or {}
    if rule.get("disabled"):
        return "Cancelling is disabled for this event type"
    return None


def rescheduling_refusal(
    settings: Mapping[str, Any] | None, start: datetime, now: datetime
) -> str | None:
    """Why a booking starting at `start` can't be rescheduled at `now`, or None."""
    rule = (settings or {}).get("disable_rescheduling") or {}
    if rule.get("disabled"):
        return "Rescheduling is disabled for this event type"
    minutes = rule.get("minutesBefore")
    if minutes and start - now < timedelta(minutes=int(minutes)):
        return f"Rescheduling is disabled less than {int(minutes)} minutes before the booking"
    return None


def active_bookings_limit(settings: Mapping[str, Any] | None) -> int | None:
    """The most upcoming bookings one booker may hold of this event type, or None."""
    rule = (settings or {}).get("booker_active_bookings_limit") or {}
    limit = rule.get("maximumActiveBookings")
    return int(limit) if limit else None
