"""IANA zone handling shared by every layer.

zoneinfo reads the system tz database before the pinned ``tzdata`` package, so two machines can
disagree about a zone's rules. ``use_pinned_tzdata`` makes every process use the package.
"""

from __future__ import annotations

import zoneinfo
from functools import cache


def use_pinned_tzdata() -> None:
    zoneinfo.reset_tzpath(to=())
    zoneinfo.ZoneInfo.clear_cache()
    available_zones.cache_clear()


@cache
def available_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_zone(name: str) -> bool:
    return name in available_zones()


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)
