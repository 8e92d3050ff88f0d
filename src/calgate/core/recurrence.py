"""A recurring event type's occurrences: when each one of a series starts.

An event type's ``recurrence`` is Cal.com's ``{frequency, interval, occurrences}`` (weekly,
monthly or yearly, every ``interval`` periods, at most ``occurrences`` times). A series keeps the
first start's local wall time in one zone (the host's), so "weekly at 10:00" stays 10:00 across a
DST change while its UTC instant moves by the hour. As in RFC 5545 (Cal.com's booker expands with
rrule), a date the calendar lacks (31 April, 29 February of a common year) is skipped, not
clamped, and the series goes on until it has its count.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from calgate.core.timezones import zone

FREQUENCIES = ("weekly", "monthly", "yearly")
# A series longer than this is refused up front: each occurrence is a booking and a check.
MAX_OCCURRENCES = 730
# Skipped dates (the 31st in short months) can't make a series look further than this.
_MAX_STEPS = 4 * MAX_OCCURRENCES


@dataclass(frozen=True, slots=True)
class Recurrence:
    frequency: str
    interval: int
    occurrences: int


def of_settings(settings: Mapping[str, Any] | None) -> Recurrence | None:
    """The event type's recurrence as stored in its settings (the 2024-06-14 wire form), or
    None when it does not recur (absent, ``{"disabled": true}`` or incomplete)."""
    rule = (settings or {}).get("recurrence") or {}
    if rule.get("disabled") or rule.get("frequency") not in FREQUENCIES:
        return None
    interval, occurrences = rule.get("interval"), rule.get("occurrences")
    if not isinstance(interval, int) or not isinstance(occurrences, int):
        return None
    if interval < 1 or occurrences < 1:
        return None
    return Recurrence(rule["frequency"], interval, min(occurrences, MAX_OCCURRENCES))


def booked(rule: Recurrence, count: int, time_zone: str) -> dict[str, Any]:
    """A series as it was booked, kept with its occurrences: the rule, how many occurrences
    were booked and the zone they were stepped in, so that it can be told (one email, one
    calendar rule) as it was made, whatever later becomes of the event type."""
    return {
        "frequency": rule.frequency,
        "interval": rule.interval,
        "occurrences": count,
        "timeZone": time_zone,
    }


def of_booked(data: Any) -> tuple[Recurrence, str] | None:
    """`booked`'s record as (rule with the booked count, zone), or None if it is not one."""
    if not isinstance(data, Mapping) or not isinstance(data.get("timeZone"), str):
        return None
    rule = of_settings({"recurrence": data})
    return (rule, str(data["timeZone"])) if rule is not None else None


def series_count(rule: Recurrence, requested: int | None) -> int:
    """How many occurrences a booking creates: ``requested`` (Cal.com's ``recurrenceCount``),
    which may not exceed the event type's ``occurrences``; all of them when not given."""
    if requested is None:
        return rule.occurrences
    if requested < 1:
        raise ValueError("must be at least 1")
    if requested > rule.occurrences:
        raise ValueError(f"can't be more than the event type's {rule.occurrences} occurrences")
    return requested


def occurrence_starts(
    first: datetime, rule: Recurrence, count: int, time_zone: str
) -> list[datetime]:
    """The UTC starts of ``count`` occurrences from ``first`` (aware), stepping ``rule`` in
    ``time_zone``'s wall time.

    A wall time that a DST gap skips on some date lands where zoneinfo puts it (the same offset
    as before the gap, i.e. an hour later), as for every other local time in calgate.
    """
    tz = zone(time_zone)
    local = first.astimezone(tz)
    wall = local.replace(tzinfo=None)
    starts: list[datetime] = []
    for step in range(_MAX_STEPS):
        if len(starts) == count:
            break
        day = _shifted(wall.date(), rule.frequency, step * rule.interval)
        if day is None:
            continue
        moment = datetime.combine(day, wall.time()).replace(tzinfo=tz)
        starts.append(moment.astimezone(UTC))
    return starts


def _shifted(day: date, frequency: str, periods: int) -> date | None:
    """``day`` moved ``periods`` weeks/months/years on, or None if that date doesn't exist."""
    if frequency == "weekly":
        return day + timedelta(weeks=periods)
    months = periods * (12 if frequency == "yearly" else 1)
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    if year > date.max.year - 1:
        return None
    if day.day > calendar.monthrange(year, month + 1)[1]:
        return None
    return date(year, month + 1, day.day)


def local_text(moment: datetime, time_zone: str) -> str:
    """``moment`` as a person reads it: "Tuesday 3 Mar 2026 10:00 Europe/Lisbon"."""
    local = moment.astimezone(zone(time_zone))
    return f"{local:%A} {local.day} {local:%b %Y %H:%M} {time_zone}"
