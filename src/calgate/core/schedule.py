"""Working hours: a weekly pattern plus date overrides, expanded into real UTC windows.

Hours are wall-clock minutes in the schedule's IANA zone, so they are turned into instants one
local calendar day at a time through zoneinfo: 09:00 in New York is 14:00Z in January and
13:00Z in July, and a window that spans a DST jump gets its real length. A wall time that does
not exist (inside a spring-forward gap) maps to the instant it would have been before the jump,
which is where clocks land after it; an ambiguous one (fall back) takes its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from calgate.core.intervals import Interval, merge
from calgate.core.timezones import zone

DAY_MINUTES = 1440


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """Hours on the given weekdays (0 = Sunday, Cal.com's numbering); end 1440 is midnight."""

    days: frozenset[int]
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class DateOverride:
    """Replaces a date's weekly hours; start == end marks the whole date unavailable."""

    date: date
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class Schedule:
    time_zone: str
    weekly: tuple[WeeklyWindow, ...] = ()
    overrides: tuple[DateOverride, ...] = ()


def cal_weekday(day: date) -> int:
    """Cal.com's weekday number: 0 = Sunday ... 6 = Saturday."""
    return (day.weekday() + 1) % 7


def local_instant(day: date, minute: int, time_zone: str) -> datetime:
    """The UTC instant of ``minute`` minutes after local midnight on ``day`` (1440 = next day)."""
    extra, minute = divmod(minute, DAY_MINUTES)
    wall = datetime.combine(day + timedelta(days=extra), time(minute // 60, minute % 60))
    return wall.replace(tzinfo=zone(time_zone)).astimezone(UTC)


def local_date(moment: datetime, time_zone: str) -> date:
    return moment.astimezone(zone(time_zone)).date()


class WorkingHours:
    """A schedule's windows, computed per local day on demand and cached for one request."""

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self.time_zone = schedule.time_zone
        self._overrides: dict[date, list[DateOverride]] = {}
        for o in schedule.overrides:
            self._overrides.setdefault(o.date, []).append(o)
        self._by_weekday: dict[int, list[WeeklyWindow]] = {}
        for w in schedule.weekly:
            for d in w.days:
                self._by_weekday.setdefault(d, []).append(w)
        self._cache: dict[date, list[Interval]] = {}

    def day(self, day: date) -> list[Interval]:
        """That local day's windows, merged (09-12 and 12-17 are one window 09-17)."""
        cached = self._cache.get(day)
        if cached is None:
            tz = self.time_zone
            spans: list[tuple[int, int]]
            if day in self._overrides:
                spans = [(o.start_minute, o.end_minute) for o in self._overrides[day]]
            else:
                spans = [
                    (w.start_minute, w.end_minute)
                    for w in self._by_weekday.get(cal_weekday(day), [])
                ]
            cached = merge(
                Interval(local_instant(day, s, tz), local_instant(day, e, tz))
                for s, e in spans
                if s < e
            )
            self._cache[day] = cached
        return cached

    def windows(self, start: datetime, end: datetime) -> list[Interval]:
        """Every window of the local days that [start, end) touches, day by day.

        Windows are not joined across midnight: each day's grid starts at that day's first hour,
        as Cal.com's does, so the slots a day offers don't depend on the range asked for.
        """
        out: list[Interval] = []
        day = local_date(start, self.time_zone) - timedelta(days=1)
        last = local_date(end, self.time_zone) + timedelta(days=1)
        while day <= last:
            out.extend(w for w in self.day(day) if w.start < end and w.end > start)
            day += timedelta(days=1)
        return out

    def window_containing(self, candidate: Interval) -> Interval | None:
        day = local_date(candidate.start, self.time_zone)
        for d in (day - timedelta(days=1), day, day + timedelta(days=1)):
            for w in self.day(d):
                if w.contains(candidate):
                    return w
        return None

    def has_hours(self, day: date) -> bool:
        return bool(self.day(day))
