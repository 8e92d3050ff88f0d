"""Schedules, legacy 2024-04-15 shapes (no `cal-api-version` header).

Cal.com's legacy controller returns the web app's schedule form: `workingHours` in minutes from
midnight (0 = Sunday), `availability` as seven per-weekday lists of time ranges, date overrides
as ranges. Times of day travel as UTC timestamps on 1970-01-01 that carry the *local* wall time,
and override ranges as timestamps on the override date, again local wall time written as UTC.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import Field, field_validator

from calgate.api.schema import Input, Output, TimeZoneName
from calgate.services.schedules import (
    OverrideRule,
    OwnedSchedule,
    SchedulePatch,
    ScheduleSpec,
    WeeklyRule,
)
from calgate.timefmt import iso_z, parse_iso

EPOCH = date(1970, 1, 1)


def _minutes(value: datetime | time | str) -> int:
    """Minutes from midnight of a wall time sent as a time or an ISO timestamp."""
    if isinstance(value, str):
        value = parse_iso(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.hour * 60 + value.minute
    return value.hour * 60 + value.minute


def _wall(day: date, minutes: int) -> str:
    moment = datetime.combine(day, time(), tzinfo=UTC) + timedelta(minutes=minutes)
    return iso_z(moment)


class TimeRange(Input):
    start: datetime
    end: datetime


class CreateAvailabilityInput_2024_04_15(Input):
    days: list[int] = Field(min_length=1)
    start_time: datetime
    end_time: datetime

    @field_validator("days")
    @classmethod
    def _days(cls, days: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in days):
            raise ValueError("days must be between 0 (Sunday) and 6 (Saturday)")
        return days

    def to_rule(self) -> WeeklyRule:
        end = _minutes(self.end_time)
        start = _minutes(self.start_time)
        # An end at midnight means the end of the day.
        return WeeklyRule(tuple(sorted(set(self.days))), start, 1440 if end == 0 and start else end)


class CreateScheduleInput_2024_04_15(Input):
    name: str = Field(min_length=1, max_length=255)
    time_zone: TimeZoneName
    availabilities: list[CreateAvailabilityInput_2024_04_15] | None = None
    is_default: bool = True

    def to_spec(self) -> ScheduleSpec:
        return ScheduleSpec(
            name=self.name,
            time_zone=self.time_zone,
            is_default=self.is_default,
            weekly=None
            if self.availabilities is None
            else tuple(a.to_rule() for a in self.availabilities),
        )


class DateOverrideInput(Input):
    ranges: list[TimeRange]


class UpdateScheduleInput_2024_04_15(Input):
    name: str | None = Field(None, min_length=1, max_length=255)
    time_zone: TimeZoneName | None = None
    is_default: bool | None = None
    # Seven lists, index 0 = Sunday, of ranges for that weekday.
    schedule: list[list[TimeRange]] | None = Field(None, min_length=7, max_length=7)
    date_overrides: list[DateOverrideInput] | None = None

    def to_patch(self) -> SchedulePatch:
        weekly = None
        if self.schedule is not None:
            by_window: dict[tuple[int, int], list[int]] = defaultdict(list)
            for day, ranges in enumerate(self.schedule):
                for r in ranges:
                    end = _minutes(r.end)
                    start = _minutes(r.start)
                    by_window[(start, 1440 if end == 0 and start else end)].append(day)
            weekly = tuple(WeeklyRule(tuple(days), s, e) for (s, e), days in by_window.items())
        overrides = None
        if self.date_overrides is not None:
            overrides = tuple(
                OverrideRule(
                    r.start.astimezone(UTC).date() if r.start.tzinfo else r.start.date(),
                    _minutes(r.start),
                    _minutes(r.end) or (1440 if _minutes(r.start) else 0),
                )
                for o in self.date_overrides
                for r in o.ranges
            )
        return SchedulePatch(
            name=self.name,
            time_zone=self.time_zone,
            is_default=self.is_default,
            weekly=weekly,
            overrides=overrides,
        )


class WorkingHours(Output):
    days: list[int]
    start_time: int
    end_time: int
    user_id: int | None = None


class RangeOut(Output):
    start: str
    end: str


class DateOverrideOut(Output):
    ranges: list[RangeOut]


class AvailabilityRow(Output):
    id: int
    user_id: int | None
    event_type_id: int | None = None
    days: list[int]
    start_time: str
    end_time: str
    date: str | None
    schedule_id: int


class ScheduleOutput_2024_04_15(Output):
    id: int
    name: str
    is_managed: bool
    working_hours: list[WorkingHours]
    schedule: list[AvailabilityRow]
    availability: list[list[RangeOut]]
    time_zone: str
    date_overrides: list[DateOverrideOut]
    is_default: bool
    is_last_schedule: bool
    read_only: bool

    @classmethod
    def of(cls, owned: OwnedSchedule, *, is_last: bool = False) -> ScheduleOutput_2024_04_15:
        s = owned.schedule
        per_day: list[list[RangeOut]] = [[] for _ in range(7)]
        for a in sorted(owned.weekly, key=lambda a: a.start_minute):
            for d in a.days:
                per_day[d].append(
                    RangeOut(start=_wall(EPOCH, a.start_minute), end=_wall(EPOCH, a.end_minute))
                )
        overrides: dict[date, list[RangeOut]] = defaultdict(list)
        for o in owned.overrides:
            if o.date is None:
                continue
            overrides[o.date].append(
                RangeOut(start=_wall(o.date, o.start_minute), end=_wall(o.date, o.end_minute))
            )
        return cls(
            id=s.id,
            name=s.name,
            is_managed=False,
            working_hours=[
                WorkingHours(
                    days=sorted(a.days),
                    start_time=a.start_minute,
                    end_time=a.end_minute,
                    user_id=s.user_id,
                )
                for a in owned.weekly
            ],
            schedule=[
                AvailabilityRow(
                    id=a.id,
                    user_id=s.user_id,
                    days=sorted(a.days),
                    start_time=_wall(EPOCH, a.start_minute),
                    end_time=_wall(EPOCH, a.end_minute),
                    date=a.date.isoformat() if a.date else None,
                    schedule_id=s.id,
                )
                for a in [*owned.weekly, *owned.overrides]
            ],
            availability=per_day,
            time_zone=s.time_zone,
            date_overrides=[DateOverrideOut(ranges=r) for _, r in sorted(overrides.items())],
            is_default=owned.is_default,
            is_last_schedule=is_last,
            read_only=False,
        )


class Shapes:
    Create = CreateScheduleInput_2024_04_15
    Update = UpdateScheduleInput_2024_04_15

    @staticmethod
    def one(owned: OwnedSchedule) -> Any:
        return ScheduleOutput_2024_04_15.of(owned)
