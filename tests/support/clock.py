"""Instants and the clock: build UTC datetimes, format them as requests and Cal.com's responses
do, and move the process's clock (time-machine) instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import time_machine


def utc(*args: int) -> datetime:
    """``utc(2027, 1, 11, 14)``: an aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[arg-type,misc]


def at(day: date, hhmm: str, tz: str = "UTC") -> datetime:
    """The UTC instant of local wall time ``hhmm`` on ``day`` in ``tz``."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz)).astimezone(UTC)


def instant(value: str) -> datetime:
    """An ISO 8601 timestamp (``Z`` or an offset) as a UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def z(moment: datetime) -> str:
    """A request timestamp: 2027-01-11T14:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zms(moment: datetime) -> str:
    """Cal.com's response timestamp: 2027-01-11T14:00:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@contextmanager
def travel(moment: datetime, *, tick: bool = True) -> Iterator[time_machine.Traveller]:
    """Run the block with the process's clock at ``moment`` (still ticking unless
    ``tick=False``); ``.shift(timedelta)`` on the result moves it on."""
    with time_machine.travel(moment, tick=tick) as traveller:
        yield traveller
