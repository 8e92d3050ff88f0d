"""Query-string parsing shared by both booking list versions.

Cal.com coerces query numbers (`take=5.0` is 5) and reads comma-separated lists; bad values are
a 400 naming the parameter, never a 500.
"""

from __future__ import annotations

from datetime import datetime

from calgate.api.bookings.common import to_utc
from calgate.errors import BadRequest
from calgate.timefmt import parse_iso_query


def number(name: str, raw: str | None, *, minimum: int, maximum: int) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a number") from None
    if value != value or not value.is_integer():  # NaN or fractional
        raise BadRequest(f"{name} must be an integer")
    if not minimum <= value <= maximum:
        raise BadRequest(f"{name} must be between {minimum} and {maximum}")
    return int(value)


def moment(name: str, raw: str | None) -> datetime | None:
    if raw is None or raw == "":
        return None
    try:
        value = parse_iso_query(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 date or date-time") from None
    try:
        return to_utc(value)
    except ValueError as exc:
        raise BadRequest(f"{name} {exc}") from None


def id_list(name: str, raw: str | None) -> tuple[int, ...]:
    if not raw:
        return ()
    values = []
    for part in raw.split(","):
        value = number(name, part.strip(), minimum=1, maximum=2_147_483_647)
        if value is not None:
            values.append(value)
    return tuple(values)


def choice_list(name: str, raw: str | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if not raw:
        return ()
    values = tuple(p.strip().lower() for p in raw.split(",") if p.strip())
    bad = [v for v in values if v not in allowed]
    if bad:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)} (got {', '.join(bad)})")
    return values


def direction(name: str, raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    if raw.lower() not in ("asc", "desc"):
        raise BadRequest(f"{name} must be asc or desc")
    return raw.lower()
