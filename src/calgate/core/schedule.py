"""Working hours: a weekly pattern plus date overrides, expanded into real UTC windows.

Hours are wall-clock minutes in the schedule's IANA zone, so they are turned into instants one
local calendar day at a time through zoneinfo: 09:00 in New York is 14:00Z in January and
13:00Z in July, and a window that spans a DST jump gets its real length. A wall time that does
not exist (inside a spring-forward gap) maps to the instant it would have been before the jump,
which is where clocks land after it; an ambiguous one (fall back) takes its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from calgate.core.intervals import Interval, merge
from calgate.core.timezones import zone

DAY_MINUTES = 1440


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """Hours on the given weekdays (0 = Sunday, Cal.com's numbering); an end of 1440, or of
    1439 (23:59, the latest Cal.com lets people pick), is midnight."""

    days: frozenset[int]
    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class DateOverride:
    """Replaces a date's weekly hours; start == end marks the whole date unavailable; an end of
    23:59 is midnight."""

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


def _end(minute: int) -> int:
    """Cal.com lets people set hours up to 23:59 only and reads that as midnight."""
    return DAY_MINUTES if minute == DAY_MINUTES - 1 else minute


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
        self._weekly: dict[date, list[Interval]] = {}
        self._override_windows: dict[date, list[Interval]] = {}
        # The last `_may_hold` answer: a booking check and an explanation ask it of the same
        # candidate up to four times (with and without `since`, in the verdict and the reasons).
        self._last_held: tuple[Interval, bool] | None = None

    def _spans(self, day: date, spans: Iterable[tuple[int, int]]) -> list[Interval]:
        tz = self.time_zone
        return merge(
            Interval(local_instant(day, s, tz), local_instant(day, _end(e), tz))
            for s, e in spans
            if s < _end(e)
        )

    def weekly(self, day: date) -> list[Interval]:
        """That local day's windows from the weekly pattern alone, merged."""
        cached = self._weekly.get(day)
        if cached is None:
            spans = [
                (w.start_minute, w.end_minute) for w in self._by_weekday.get(cal_weekday(day), [])
            ]
            cached = self._weekly[day] = self._spans(day, spans)
        return cached

    def override(self, day: date) -> list[Interval] | None:
        """That date's override windows ([] for a day off), or None if it has no override."""
        if day not in self._overrides:
            return None
        cached = self._override_windows.get(day)
        if cached is None:
            spans = [(o.start_minute, o.end_minute) for o in self._overrides[day]]
            cached = self._override_windows[day] = self._spans(day, spans)
        return cached

    def day(self, day: date) -> list[Interval]:
        """That local day's own windows: its override if it has one, else the weekly pattern's."""
        own = self.override(day)
        return self.weekly(day) if own is None else own

    def windows(self, start: datetime, end: datetime) -> list[Interval]:
        """The hours inside [start, end), as Cal.com's ``buildDateRanges`` builds them.

        Weekly hours are cut at ``start`` and ``end`` first, then hours that touch at midnight
        join into one window (Fri 22:00-24:00 and Sat 00:00-02:00 are one window, so the slot
        grid runs on across midnight). A joined window belongs to the local date it starts on,
        after the cut, and a date override replaces the windows that belong to its date: an
        override on Saturday doesn't cut the Friday-night window short, and a week of 24-hour
        days is one window that only an override on its first date replaces.
        """
        tz = self.time_zone
        first, last = local_date(start, tz), local_date(end, tz)
        cut: list[Interval] = []
        day = first
        while day <= last:
            cut.extend(
                Interval(max(w.start, start), min(w.end, end))
                for w in self.weekly(day)
                if w.start < end and w.end > start
            )
            day += timedelta(days=1)
        kept: list[Interval] = []
        if self._overrides:
            kept = [w for w in merge(cut) if local_date(w.start, tz) not in self._overrides]
            day = first
            while day <= last:
                kept.extend(
                    Interval(max(w.start, start), min(w.end, end))
                    for w in self.override(day) or ()
                    if w.start < end and w.end > start
                )
                day += timedelta(days=1)
        else:
            kept = cut
        return merge(kept)

    def window_containing(
        self, candidate: Interval, since: datetime | None = None
    ) -> Interval | None:
        """The window holding all of ``candidate``, with the hours cut at ``since`` (default: the
        candidate's start), as a slot query from ``since`` would see them."""
        if not self._may_hold(candidate):
            return None
        lo = candidate.start if since is None else min(since, candidate.start)
        for w in self.windows(lo, candidate.end):
            if w.contains(candidate):
                return w
        return None

    def _may_hold(self, candidate: Interval) -> bool:
        """Could any window hold ``candidate``? Every window is made of weekly and override
        windows, so one holding the candidate is covered, across the candidate, by those of
        the candidate's own days. This answers no for a start outside the hours from those
        days' cached windows, sparing ``windows`` its cut from ``since``, days earlier."""
        last_held = self._last_held
        if last_held is not None and last_held[0] == candidate:
            return last_held[1]
        tz = self.time_zone
        day, last = local_date(candidate.start, tz), local_date(candidate.end, tz)
        pieces: list[Interval] = []
        while day <= last:
            pieces.extend(self.weekly(day))
            pieces.extend(self.override(day) or ())
            day += timedelta(days=1)
        held = any(w.contains(candidate) for w in merge(pieces))
        self._last_held = (candidate, held)
        return held

    def has_hours(self, day: date) -> bool:
        return bool(self.day(day))
