"""Busy time in iCalendar data (RFC 5545), expanded with `recurring-ical-events`.

Recurrence (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides) and VTIMEZONE are the libraries'
work; this module decides what counts as busy: opaque, not cancelled events. Date-only
(all-day) events and floating times are read in the calendar's own zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events

Busy = tuple[datetime, datetime]


class InvalidCalendar(ValueError):
    """The data is not iCalendar."""


def parse(data: bytes | str) -> icalendar.Calendar:
    try:
        return icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise InvalidCalendar(f"not an iCalendar file: {exc}") from exc


def calendar_zone(cal: icalendar.Calendar, fallback: str | None = None) -> str | None:
    """The calendar's zone: X-WR-TIMEZONE (what Google and Apple export), else ``fallback``."""
    name = cal.get("X-WR-TIMEZONE")
    return str(name) if name else fallback


def busy_times(
    cal: icalendar.Calendar, start: datetime, end: datetime, zone: str | None = None
) -> list[Busy]:
    """Busy UTC intervals of the calendar's events that overlap [start, end)."""
    tz = _zone(calendar_zone(cal, zone))
    found: list[Busy] = []
    for event in recurring_ical_events.of(cal).between(start, end):
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        begins = _instant(event["DTSTART"].dt, tz)
        ends = _instant(event["DTEND"].dt, tz) if "DTEND" in event else begins
        if ends <= begins:
            # RFC 5545 3.6.1: no DTEND and no DURATION on a date means one day; on a date-time
            # the event takes no time and blocks nothing.
            if isinstance(event["DTSTART"].dt, datetime):
                continue
            ends = begins + timedelta(days=1)
        if begins < end and ends > start:
            found.append((begins, ends))
    found.sort()
    return found


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _instant(value: Any, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        local = value if value.tzinfo is not None else value.replace(tzinfo=tz)
        return local.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=tz).astimezone(UTC)
    raise InvalidCalendar(f"not a date or date-time: {value!r}")
