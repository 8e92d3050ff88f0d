"""A series' starts (core/recurrence.py): local wall time kept across DST, RFC 5545's skipping of
dates a month or year lacks, and the count rules of Cal.com's recurrenceCount."""

from __future__ import annotations

from datetime import date

import pytest

from calgate.core.recurrence import (
    Recurrence,
    occurrence_starts,
    of_settings,
    series_count,
)
from tests.support.clock import at


def test_weekly_keeps_wall_time_across_autumn_dst() -> None:
    rule = Recurrence("weekly", 1, 3)
    first = at(date(2027, 10, 25), "09:30", "America/Chicago")
    starts = occurrence_starts(first, rule, 3, "America/Chicago")
    # Chicago leaves DST on 7 November 2027.
    days = [date(2027, 10, 25), date(2027, 11, 1), date(2027, 11, 8)]
    assert starts == [at(d, "09:30", "America/Chicago") for d in days]
    assert [s.hour for s in starts] == [14, 14, 15]


def test_monthly_skips_months_without_the_day() -> None:
    rule = Recurrence("monthly", 1, 4)
    first = at(date(2027, 1, 31), "10:00", "Europe/Lisbon")
    starts = occurrence_starts(first, rule, 4, "Europe/Lisbon")
    days = [date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31), date(2027, 7, 31)]
    assert starts == [at(d, "10:00", "Europe/Lisbon") for d in days]


def test_yearly_on_29_february_waits_for_leap_years() -> None:
    rule = Recurrence("yearly", 1, 2)
    first = at(date(2028, 2, 29), "08:00")
    assert occurrence_starts(first, rule, 2, "UTC") == [first, at(date(2032, 2, 29), "08:00")]


def test_interval_steps_whole_periods() -> None:
    rule = Recurrence("monthly", 3, 3)
    first = at(date(2027, 1, 15), "10:00", "Asia/Tokyo")
    days = [date(2027, 1, 15), date(2027, 4, 15), date(2027, 7, 15)]
    assert occurrence_starts(first, rule, 3, "Asia/Tokyo") == [
        at(d, "10:00", "Asia/Tokyo") for d in days
    ]


def test_count_and_settings() -> None:
    rule = Recurrence("weekly", 1, 4)
    assert series_count(rule, None) == 4
    assert series_count(rule, 2) == 2
    with pytest.raises(ValueError, match="4 occurrences"):
        series_count(rule, 5)
    assert of_settings(
        {"recurrence": {"frequency": "weekly", "interval": 2, "occurrences": 3}}
    ) == (Recurrence("weekly", 2, 3))
    assert of_settings({"recurrence": {"disabled": True}}) is None
    assert of_settings({}) is None
    assert (
        of_settings({"recurrence": {"frequency": "daily", "interval": 1, "occurrences": 3}}) is None
    )
