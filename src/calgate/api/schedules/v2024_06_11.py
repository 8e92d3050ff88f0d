"""Schedules, `cal-api-version: 2024-06-11`."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import Field, field_validator

from calgate.api.schema import Input, Name, Output, TimeZoneName
from calgate.services.schedules import (
    OverrideRule,
    OwnedSchedule,
    SchedulePatch,
    ScheduleSpec,
    WeeklyRule,
)

DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
DayName = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


def parse_hhmm(value: str) -> int:
    match = _HHMM.match(value)
    if not match:
        raise ValueError("must be a valid time in format HH:MM e.g. 08:00")
    if value == "24:00":
        return 1440
    return int(match.group(1)) * 60 + int(match.group(2))


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class Availability_2024_06_11(Input):
    days: list[DayName] = Field(min_length=1)
    start_time: Name
    end_time: Name

    @field_validator("start_time", "end_time")
    @classmethod
    def _time(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    def to_rule(self) -> WeeklyRule:
        return WeeklyRule(
            days=tuple(sorted({DAY_NAMES.index(d) for d in self.days})),
            start_minute=parse_hhmm(self.start_time),
            end_minute=parse_hhmm(self.end_time),
        )


class Override_2024_06_11(Input):
    date: date
    start_time: Name
    end_time: Name

    @field_validator("start_time", "end_time")
    @classmethod
    def _time(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    def to_rule(self) -> OverrideRule:
        return OverrideRule(self.date, parse_hhmm(self.start_time), parse_hhmm(self.end_time))


class CreateScheduleInput_2024_06_11(Input):
    name: str = Field(min_length=1, max_length=255)
    time_zone: TimeZoneName
    is_default: bool
    availability: list[Availability_2024_06_11] | None = None
    overrides: list[Override_2024_06_11] | None = None

    def to_spec(self) -> ScheduleSpec:
        return ScheduleSpec(
            name=self.name,
            time_zone=self.time_zone,
            is_default=self.is_default,
            weekly=None
            if self.availability is None
            else tuple(a.to_rule() for a in self.availability),
            overrides=tuple(o.to_rule() for o in self.overrides or ()),
        )


class UpdateScheduleInput_2024_06_11(Input):
    name: str | None = Field(None, min_length=1, max_length=255)
    time_zone: TimeZoneName | None = None
    is_default: bool | None = None
    availability: list[Availability_2024_06_11] | None = None
    overrides: list[Override_2024_06_11] | None = None

    def to_patch(self) -> SchedulePatch:
        return SchedulePatch(
            name=self.name,
            time_zone=self.time_zone,
            is_default=self.is_default,
            weekly=None
            if self.availability is None
            else tuple(a.to_rule() for a in self.availability),
            overrides=None
            if self.overrides is None
            else tuple(o.to_rule() for o in self.overrides),
        )


class AvailabilityOut(Output):
    days: list[str]
    start_time: str
    end_time: str


class OverrideOut(Output):
    date: str
    start_time: str
    end_time: str


class ScheduleOutput_2024_06_11(Output):
    id: int
    owner_id: int
    name: str
    time_zone: str
    availability: list[AvailabilityOut]
    is_default: bool
    overrides: list[OverrideOut]

    @classmethod
    def of(cls, owned: OwnedSchedule) -> ScheduleOutput_2024_06_11:
        s = owned.schedule
        # Cal.com lists days Monday-first in this version.
        order = (1, 2, 3, 4, 5, 6, 0)
        return cls(
            id=s.id,
            owner_id=s.user_id,
            name=s.name,
            time_zone=s.time_zone,
            is_default=owned.is_default,
            availability=[
                AvailabilityOut(
                    days=[DAY_NAMES[d] for d in order if d in a.days],
                    start_time=format_hhmm(a.start_minute),
                    end_time=format_hhmm(a.end_minute),
                )
                for a in owned.weekly
            ],
            overrides=[
                OverrideOut(
                    date=o.date.isoformat() if o.date else "",
                    start_time=format_hhmm(o.start_minute),
                    end_time=format_hhmm(o.end_minute),
                )
                for o in owned.overrides
            ],
        )


class Shapes:
    Create = CreateScheduleInput_2024_06_11
    Update = UpdateScheduleInput_2024_06_11

    @staticmethod
    def one(owned: OwnedSchedule) -> Any:
        return ScheduleOutput_2024_06_11.of(owned)
