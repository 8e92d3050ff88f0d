"""Working hours become real instants per local day, through zoneinfo, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from calgate.core import DateOverride, Schedule, WeeklyWindow, WorkingHours
from calgate.core.intervals import Interval
from calgate.core.period import Period, bounds
from tests.support.clock import utc

WEEKDAYS = frozenset({1, 2, 3, 4, 5})
NINE_TO_FIVE = (WeeklyWindow(WEEKDAYS, 540, 1020),)


def test_new_york_nine_is_14z_in_winter_and_13z_in_summer() -> None:
    hours = WorkingHours(Schedule("America/New_York", NINE_TO_FIVE))
    assert hours.day(date(2026, 1, 12))[0].start == utc(2026, 1, 12, 14)
    assert hours.day(date(2026, 7, 13))[0].start == utc(2026, 7, 13, 13)
    assert hours.day(date(2026, 7, 13))[0].end == utc(2026, 7, 13, 21)


def test_window_across_spring_forward_is_an_hour_shorter() -> None:
    # 2026-03-08 is the US spring-forward Sunday: 00:00-06:00 local lasts five real hours.
    hours = WorkingHours(Schedule("America/New_York", (WeeklyWindow(frozenset({0}), 0, 360),)))
    (w,) = hours.day(date(2026, 3, 8))
    assert w.end - w.start == timedelta(hours=5)
    (w,) = hours.day(date(2026, 11, 1))  # fall back: six wall hours are seven real ones
    assert w.end - w.start == timedelta(hours=7)


def test_southern_hemisphere_and_half_hour_zones() -> None:
    kolkata = WorkingHours(Schedule("Asia/Kolkata", NINE_TO_FIVE))
    assert kolkata.day(date(2026, 6, 1))[0].start == utc(2026, 6, 1, 3, 30)
    sydney = WorkingHours(Schedule("Australia/Sydney", NINE_TO_FIVE))
    assert sydney.day(date(2026, 1, 12))[0].start == utc(2026, 1, 11, 22)  # AEDT +11
    assert sydney.day(date(2026, 7, 13))[0].start == utc(2026, 7, 12, 23)  # AEST +10


def test_override_replaces_day_and_empty_override_is_day_off() -> None:
    schedule = Schedule(
        "Europe/Berlin",
        NINE_TO_FIVE,
        (
            DateOverride(date(2026, 12, 24), 600, 720),
            DateOverride(date(2026, 12, 25), 0, 0),
            DateOverride(date(2026, 12, 27), 600, 660),  # a Sunday: override adds hours
        ),
    )
    hours = WorkingHours(schedule)
    assert [(w.start, w.end) for w in hours.day(date(2026, 12, 24))] == [
        (utc(2026, 12, 24, 9), utc(2026, 12, 24, 11))
    ]
    assert hours.day(date(2026, 12, 25)) == []
    assert hours.day(date(2026, 12, 27))[0].start == utc(2026, 12, 27, 9)


def test_end_1440_is_midnight_and_adjacent_windows_merge() -> None:
    schedule = Schedule(
        "UTC", (WeeklyWindow(WEEKDAYS, 540, 720), WeeklyWindow(WEEKDAYS, 720, 1440))
    )
    (w,) = WorkingHours(schedule).day(date(2026, 12, 1))
    assert (w.start, w.end) == (utc(2026, 12, 1, 9), utc(2026, 12, 2))


def test_rolling_period_counts_calendar_or_business_days_in_host_zone() -> None:
    hours = WorkingHours(Schedule("America/New_York", NINE_TO_FIVE))
    now = utc(2026, 12, 4, 15)  # Friday 10:00 in New York
    cal = bounds(Period("ROLLING", days=3, calendar_days=True), hours, now)
    assert cal.hi == utc(2026, 12, 8, 5)  # end of Monday the 7th, local
    biz = bounds(Period("ROLLING", days=3, calendar_days=False), hours, now)
    assert biz.hi == utc(2026, 12, 10, 5)  # Mon, Tue, Wed -> end of Wednesday the 9th


def test_rolling_window_counts_days_with_hours() -> None:
    hours = WorkingHours(Schedule("UTC", NINE_TO_FIVE))
    now = utc(2026, 12, 4, 8)  # Friday
    b = bounds(Period("ROLLING_WINDOW", days=3), hours, now)
    assert b.hi == utc(2026, 12, 9)  # Fri, Mon, Tue


def test_range_period_is_inclusive_local_dates() -> None:
    hours = WorkingHours(Schedule("Asia/Tokyo", NINE_TO_FIVE))
    b = bounds(
        Period("RANGE", start_date=date(2026, 12, 1), end_date=date(2026, 12, 2)),
        hours,
        utc(2026, 1, 1),
    )
    assert (b.lo, b.hi) == (utc(2026, 11, 30, 15), utc(2026, 12, 2, 15))


@st.composite
def hours_and_candidates(draw: st.DrawFn) -> tuple[WorkingHours, Interval, datetime]:
    """Schedules whose windows join across midnight (23:59 and 24:00 ends, 00:00 starts), with
    overrides, in zones with a DST change that week, and a candidate some days after ``since``."""
    tz = draw(st.sampled_from(["UTC", "America/New_York", "Europe/Lisbon", "Australia/Lord_Howe"]))
    weekly = tuple(
        WeeklyWindow(days, s, e)
        for days, s, e in draw(
            st.lists(
                st.tuples(
                    st.frozensets(st.integers(0, 6), min_size=1),
                    st.sampled_from([0, 0, 60, 540, 1320]),
                    st.sampled_from([120, 600, 1020, 1439, 1440]),
                ),
                min_size=1,
                max_size=3,
            )
        )
    )
    week = draw(
        st.sampled_from([datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 10, 23, tzinfo=UTC)])
    )
    first = week.date()
    overrides = tuple(
        DateOverride(first + timedelta(days=d), s, e)
        for d, s, e in draw(
            st.lists(
                st.tuples(
                    st.integers(0, 9), st.sampled_from([0, 0, 600]), st.sampled_from([0, 720, 1440])
                ),
                max_size=3,
            )
        )
    )
    since = week + timedelta(minutes=15 * draw(st.integers(0, 96 * 2)))
    start = since + timedelta(minutes=15 * draw(st.integers(0, 96 * 7)))
    length = timedelta(minutes=draw(st.sampled_from([15, 30, 60, 240])))
    return WorkingHours(Schedule(tz, weekly, overrides)), Interval(start, start + length), since


@settings(max_examples=400, deadline=None)
@given(hours_and_candidates())
def test_the_window_holding_a_candidate_is_found_from_the_hours_cut_at_since(
    case: tuple[WorkingHours, Interval, datetime],
) -> None:
    """``window_containing`` answers what the full cut from ``since`` answers, though it skips
    that cut for candidates no window of their own days could hold."""
    hours, candidate, since = case
    for lo in (candidate.start, since):
        full = next((w for w in hours.windows(lo, candidate.end) if w.contains(candidate)), None)
        assert hours.window_containing(candidate, lo) == full
