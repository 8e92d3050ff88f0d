"""Shared pieces of the resource modules: versions, parsers, time formatting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

# The `cal-api-version` each resource is spoken in: Cal.com's current shapes.
EVENT_TYPES = "2024-06-14"
BOOKINGS = "2024-08-13"
SCHEDULES = "2024-06-11"
SLOTS = "2024-09-04"


def one(model: type[M]) -> Callable[[Any], M]:
    return model.model_validate


def many(model: type[M], key: str | None = None) -> Callable[[Any], list[M]]:
    def parse(data: Any) -> list[M]:
        rows = data.get(key, []) if key and isinstance(data, dict) else data
        return [model.model_validate(row) for row in rows or []]

    return parse


def one_or_many(model: type[M]) -> Callable[[Any], M | list[M]]:
    """For endpoints that answer an object or, for a recurring series, an array of them."""

    def parse(data: Any) -> M | list[M]:
        if isinstance(data, list):
            return [model.model_validate(row) for row in data]
        return model.model_validate(data)

    return parse


def nothing(_: Any) -> None:
    return None


def instant(value: datetime | str) -> str:
    """An ISO 8601 UTC instant; naive datetimes are refused (whose 9:00 would it be?)."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone; pass an aware datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def day_or_instant(value: date | datetime | str) -> str:
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def drop_none(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
