"""Recurring bookings: a series' starts, its refusal, and what list responses say about series.

The booking service (services/bookings.py) creates and cancels the occurrences in its own
transaction; this module holds what it needs about series so that file keeps one concern per
function. Occurrence generation itself is pure (core/recurrence.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core import recurrence
from calgate.core.recurrence import Recurrence
from calgate.errors import BadRequest
from calgate.store.models import Booking, EventType
from calgate.timefmt import iso_z

__all__ = [
    "RECURRING_OCCURRENCE",
    "NewSeries",
    "Recurrence",
    "members",
    "refusal",
    "rule_of",
    "starts",
]

RECURRING_OCCURRENCE = "recurring_occurrence"


@dataclass(frozen=True)
class NewSeries:
    """A series being booked: its uid (Cal.com's recurringBookingUid) and how it is booked,
    which each occurrence keeps (`core.recurrence.booked`) so that its emails tell it and
    carry it as one recurring calendar event (calgate.calendars.series)."""

    uid: str
    booked: dict[str, Any]

    @classmethod
    def of(
        cls, uid: str, rule: Recurrence, starts: Sequence[datetime], time_zone: str
    ) -> NewSeries:
        return cls(uid, recurrence.booked(rule, len(starts), time_zone))


def rule_of(et: EventType) -> Recurrence | None:
    """The event type's recurrence when a booking of it is a series: seated event types book
    one occurrence at a time (Cal.com's recurring seated bookings are not supported)."""
    if et.seats_per_time_slot:
        return None
    return recurrence.of_settings(et.settings)


def starts(
    rule: Recurrence, first: datetime, requested: int | None, time_zone: str
) -> list[datetime]:
    """Each occurrence's UTC start, stepped in ``time_zone`` (the host's)."""
    try:
        count = recurrence.series_count(rule, requested)
    except ValueError as exc:
        raise BadRequest(f"recurrenceCount {exc}", {"field": "recurrenceCount"}) from None
    found = recurrence.occurrence_starts(first, rule, count, time_zone)
    if len(found) < count:
        raise BadRequest("recurrenceCount: the series would run past the year 9999")
    return found


def refusal(
    refused: BadRequest, index: int, start: datetime, count: int, time_zone: str
) -> BadRequest:
    """``refused`` (one occurrence's `require` refusal) as the series' refusal: Cal.com's
    message, the occurrence's own ``details.reason``, and ``details.reasons`` led by a
    ``recurring_occurrence`` reason naming the occurrence, then that occurrence's reasons."""
    prior: dict[str, Any] = refused.details if isinstance(refused.details, dict) else {}
    own = list(prior.get("reasons") or [])
    local = recurrence.local_text(start, time_zone)
    lead: dict[str, Any] = {
        "code": RECURRING_OCCURRENCE,
        "hostId": None,
        "blocking": True,
        "message": f"Occurrence {index + 1} of {count} of this recurring booking, {local}, "
        f"can't be booked: {refused.message}.",
        "occurrence": index,
        "occurrences": count,
        "start": iso_z(start),
    }
    details = {
        **prior,
        "reason": prior.get("reason", RECURRING_OCCURRENCE),
        "reasons": [lead, *({**r, "occurrence": index} for r in own)],
    }
    return BadRequest(refused.message, details)


async def members(
    session: AsyncSession, series_uids: Sequence[str]
) -> dict[str, list[tuple[str, datetime]]]:
    """{series uid: [(status, start) of every occurrence]}, ordered by start: what legacy
    lists' ``recurringInfo`` counts."""
    if not series_uids:
        return {}
    rows = await session.execute(
        select(Booking.recurring_event_id, Booking.status, Booking.start_time)
        .where(Booking.recurring_event_id.in_(sorted(set(series_uids))))
        .order_by(Booking.start_time, Booking.id)
    )
    found: dict[str, list[tuple[str, datetime]]] = {}
    for series, status, start in rows:
        found.setdefault(str(series), []).append((str(status), start))
    return found
