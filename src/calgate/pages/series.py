"""A recurring series on the pages of one of its occurrences, as Cal.com's booking page shows
it: the series' rule and each occurrence in the guest's zone, and which occurrences cancelling
"all remaining" (Cal.com's `allRemainingBookings=true`) cancels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from calgate.core import recurrence
from calgate.email.locales import Words
from calgate.pages.common import View, when_text, zulu
from calgate.services import bookings
from calgate.web.state import State

# Cal.com's query parameter (and its cancel body's field): cancel every occurrence from now on.
ALL_REMAINING = "allRemainingBookings"
# Cal.com lists the first occurrences and keeps the rest behind "+ N more".
SHOWN = 4


def wants_all_remaining(raw: str | None) -> bool:
    """Cal.com's flag: only the string "true" sets it."""
    return raw == "true"


@dataclass(frozen=True)
class Listed:
    """One occurrence as a page lists it."""

    uid: str
    when: str  # in the viewer's zone and clock
    start: str  # UTC, for <time datetime>
    state: str
    current: bool  # the occurrence whose page this is


@dataclass(frozen=True)
class Series:
    rule: str  # "Every week for 4 occurrences"
    # The series' bookings that no reschedule replaced (a moved occurrence at its new time),
    # in start order.
    occurrences: tuple[Any, ...]

    def remaining(self, now: datetime) -> list[Any]:
        """What cancelling all remaining cancels (the service's rule, shown before it acts)."""
        return bookings.remaining(self.occurrences, now)

    def first_remaining(self, now: datetime) -> Any:
        """Where the cancel of all remaining lands; refused as the service refuses it."""
        return bookings.require_remaining(self.occurrences, now)[0]


async def of_booking(state: State, booking: Any) -> Series | None:
    """The series `booking` is an occurrence of, when it has two occurrences or more."""
    series_uid = booking.recurring_event_id
    if not series_uid:
        return None
    found = await bookings.find_booking(state.db, series_uid)
    views = found if isinstance(found, list) else [found]
    current = tuple(v.booking for v in views if v.rescheduled_to_uid is None)
    if len(current) < 2:
        return None
    # The rule as the series was booked (the emails tell it the same way); a series booked
    # before that was kept is told by its count alone.
    booked = recurrence.of_booked((booking.event_type_snapshot or {}).get("recurrence"))
    words = Words(None)
    if booked is None:
        return Series(words.occurrences(len(current)), current)
    rule = booked[0]
    return Series(words.series(rule.frequency, rule.interval, len(current)), current)


def listed(occurrences: Sequence[Any], view: View, current: str | None = None) -> list[Listed]:
    return [
        Listed(
            uid=b.uid,
            when=when_text(view, b.start_time, b.end_time),
            start=zulu(b.start_time),
            state=str(b.status),
            current=b.uid == current,
        )
        for b in occurrences
    ]
