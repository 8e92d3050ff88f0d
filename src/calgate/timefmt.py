"""ISO 8601 timestamps as Cal.com writes and reads them, in one place.

Cal.com renders instants in UTC with a ``Z`` suffix (``Date.toISOString()``:
``2026-02-13T17:00:00.000Z``); some payloads use whole seconds (dayjs ``.utc().format()``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

Timespec = Literal["auto", "seconds", "milliseconds", "microseconds"]


def iso_z(value: datetime, timespec: Timespec = "milliseconds") -> str:
    """An aware instant in UTC with a ``Z`` suffix: 2026-02-13T17:00:00.000Z."""
    return value.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """An ISO 8601 date-time; ``Z`` means UTC. Raises ValueError when it is not one."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_iso_query(text: str) -> datetime:
    """``parse_iso`` for a query-string value: an unencoded ``+`` offset arrives as a space."""
    return parse_iso(text.replace(" ", "+"))
