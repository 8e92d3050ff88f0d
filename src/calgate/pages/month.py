"""The month grid of the slot picker: which local days exist, which have free time."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from calgate.core.timezones import zone


@dataclass(frozen=True)
class Day:
    day: date
    free: bool
    selected: bool


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list[list[Day | None]]
    week_start: int

    @property
    def labels(self) -> list[str]:
        return [WEEKDAYS[(self.week_start + i) % 7][:3] for i in range(7)]

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return self.first + timedelta(
            days=calendar.monthrange(self.first.year, self.first.month)[1]
        )


def bounds(first: date, tz: str) -> tuple[datetime, datetime]:
    """The month's first local midnight and the next month's, as UTC instants."""
    days = calendar.monthrange(first.year, first.month)[1]
    lo = datetime.combine(first, time(), zone(tz)).astimezone(UTC)
    hi = datetime.combine(first + timedelta(days=days), time(), zone(tz)).astimezone(UTC)
    return lo, hi


def grid(first: date, free_days: set[str], selected: date | None, week_start: int) -> Month:
    """Weeks of the month (None pads days of the neighbouring months)."""
    cal = calendar.Calendar(firstweekday=week_start)
    weeks: list[list[Day | None]] = []
    for week in cal.monthdatescalendar(first.year, first.month):
        weeks.append(
            [
                Day(d, d.isoformat() in free_days, d == selected)
                if d.month == first.month
                else None
                for d in week
            ]
        )
    return Month(first, weeks, week_start)


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def week_start_index(name: str | None) -> int:
    return WEEKDAYS.index(name) if name in WEEKDAYS else 6
