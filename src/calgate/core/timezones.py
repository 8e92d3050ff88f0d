"""IANA zone handling shared by every layer.

zoneinfo reads the system tz database before the pinned ``tzdata`` package, so two machines can
disagree about a zone's rules. ``use_pinned_tzdata`` makes every process use the package.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from calgate.errors import BadRequest


def use_pinned_tzdata() -> None:
    zoneinfo.reset_tzpath(to=())
    zoneinfo.ZoneInfo.clear_cache()
    available_zones.cache_clear()


@cache
def available_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_zone(name: str) -> bool:
    return name in available_zones()


def check_zone(name: str, field: str = "timeZone") -> str:
    """``name`` if it is an IANA zone; otherwise the one refusal every endpoint gives."""
    if not is_valid_zone(name):
        raise BadRequest(f"{field}: '{name}' is not a valid IANA time zone", {"field": field})
    return name


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)
