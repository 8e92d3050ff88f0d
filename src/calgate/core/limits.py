"""Booking limits per day, week, month and year: by count and by total booked minutes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import NamedTuple

from calgate.core.schedule import local_date

UNITS = {"PER_DAY": "day", "PER_WEEK": "week", "PER_MONTH": "month", "PER_YEAR": "year"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def bucket(key: str, day: date, week_start: str) -> tuple[str, int, int, int]:
    """The calendar period containing ``day``, as a hashable key."""
    if key == "PER_DAY":
        return (key, day.year, day.month, day.day)
    if key == "PER_WEEK":
        first = WEEKDAYS.index(week_start) if week_start in WEEKDAYS else 6
        begin = day - timedelta(days=(day.weekday() - first) % 7)
        return (key, begin.year, begin.month, begin.day)
    if key == "PER_MONTH":
        return (key, day.year, day.month, 0)
    return (key, day.year, 0, 0)


class Breach(NamedTuple):
    """One limit a new booking would break: ``kind`` is "booking_limit" (counts) or
    "duration_limit" (minutes); ``used`` is what the period holds already."""

    kind: str
    key: str
    used: int
    allowed: int


class LimitTracker:
    """Counts and minutes of a host's existing bookings per period, in the host's zone."""

    def __init__(
        self,
        counts: Mapping[str, int],
        minutes: Mapping[str, int],
        time_zone: str,
        week_start: str,
        booked: Iterable[tuple[datetime, int]],
    ) -> None:
        self.counts = {k: v for k, v in counts.items() if k in UNITS and v is not None}
        self.minutes = {k: v for k, v in minutes.items() if k in UNITS and v is not None}
        self.time_zone = time_zone
        self.week_start = week_start
        self._count: Counter[tuple[str, int, int, int]] = Counter()
        self._minutes: Counter[tuple[str, int, int, int]] = Counter()
        if self.counts or self.minutes:
            for start, length in booked:
                day = local_date(start, time_zone)
                for key in self.counts.keys() | self.minutes.keys():
                    b = bucket(key, day, week_start)
                    self._count[b] += 1
                    self._minutes[b] += length

    def __bool__(self) -> bool:
        return bool(self.counts or self.minutes)

    def breaches(self, start: datetime, length: int) -> list[Breach]:
        """Every limit one more booking of ``length`` minutes at ``start`` would break, counts
        first, in the order the limits were given."""
        day = local_date(start, self.time_zone)
        found = []
        for key, limit in self.counts.items():
            used = self._count[bucket(key, day, self.week_start)]
            if used + 1 > limit:
                found.append(Breach("booking_limit", key, used, limit))
        for key, limit in self.minutes.items():
            used = self._minutes[bucket(key, day, self.week_start)]
            if used + length > limit:
                found.append(Breach("duration_limit", key, used, limit))
        return found

    def exceeded(self, start: datetime, length: int) -> tuple[str, str] | None:
        """(reason, message) for the first limit one more booking would break, else None."""
        found = self.breaches(start, length)
        if not found:
            return None
        first = found[0]
        if first.kind == "booking_limit":
            return "booking_limit_reached", f"Booking limit per {UNITS[first.key]} reached"
        return "duration_limit_reached", f"Booking duration limit per {UNITS[first.key]} reached"
