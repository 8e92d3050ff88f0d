"""The booking window (Cal.com's "period"): how far ahead an event type can be booked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from calgate.core.schedule import WorkingHours, local_date, local_instant

# A rolling window looks this far ahead for its N bookable days before giving up.
MAX_LOOKAHEAD_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Period:
    """UNLIMITED | ROLLING (N calendar or business days from today) | ROLLING_WINDOW (N days
    that have hours) | RANGE (fixed dates, inclusive), as Cal.com's PeriodType."""

    kind: str = "UNLIMITED"
    days: int | None = None
    calendar_days: bool = True
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True, slots=True)
class Bounds:
    """Bookable starts are in [lo, hi); None is open-ended."""

    lo: datetime | None = None
    hi: datetime | None = None

    def admits(self, start: datetime) -> bool:
        return (self.lo is None or start >= self.lo) and (self.hi is None or start < self.hi)


def _add_business_days(day: date, n: int) -> date:
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def bounds(period: Period, hours: WorkingHours, now: datetime) -> Bounds:
    """The window in the host's zone: "5 days" ends at the end of the 5th local day from today."""
    tz = hours.time_zone
    today = local_date(now, tz)
    if period.kind == "ROLLING" and period.days is not None:
        last = (
            today + timedelta(days=period.days)
            if period.calendar_days
            else _add_business_days(today, period.days)
        )
        return Bounds(hi=local_instant(last, 1440, tz))
    if period.kind == "ROLLING_WINDOW" and period.days is not None:
        return Bounds(hi=_rolling_window_end(period, hours, today))
    if period.kind == "RANGE":
        return Bounds(
            lo=local_instant(period.start_date, 0, tz) if period.start_date else None,
            hi=local_instant(period.end_date, 1440, tz) if period.end_date else None,
        )
    return Bounds()


def _rolling_window_end(period: Period, hours: WorkingHours, today: date) -> datetime:
    """End of the Nth day, from today, on which the host has hours (weekends skipped for
    business days): "the next 10 bookable days" rather than "the next 10 days"."""
    wanted = max(period.days or 0, 0)
    day, found = today, 0
    for _ in range(MAX_LOOKAHEAD_DAYS):
        if hours.has_hours(day) and (period.calendar_days or day.weekday() < 5):
            found += 1
            if found >= wanted:
                break
        day += timedelta(days=1)
    return local_instant(day, 1440, hours.time_zone)
