"""Which round-robin host gets the next booking (Cal.com's rule), as a pure function.

Among the free hosts of the highest priority, the one furthest below its weighted share of the
event type's bookings wins; ties go to the least recently booked host (never booked first),
then the lowest host id. With equal weights that is plain rotation; with weights 3:1 the first
host takes three bookings for each one of the second's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    user_id: int
    priority: int
    weight: int
    bookings: int
    last_booked: datetime | None


def pick(candidates: list[Candidate]) -> Candidate:
    if not candidates:
        raise ValueError("no candidate hosts")
    top = max(c.priority for c in candidates)
    pool = [c for c in candidates if c.priority == top]
    total = sum(c.bookings for c in pool)
    weights = sum(max(c.weight, 0) for c in pool)

    def key(c: Candidate) -> tuple[float, int, float, int]:
        # All weights zero: no host is preferred, as if all were equal.
        share = max(c.weight, 0) / weights if weights else 1 / len(pool)
        # Deficit after this booking: expected count minus actual, larger first.
        deficit = (total + 1) * share - c.bookings
        never = c.last_booked is None
        stamp = c.last_booked.timestamp() if c.last_booked else 0.0
        return (-deficit, 0 if never else 1, stamp, c.user_id)

    return min(pool, key=key)
