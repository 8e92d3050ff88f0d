"""Host assignment for a new booking, inside the booking's transaction.

The caller has locked the hosts' user rows, so the booking counts read here cannot change
under it; the per-host overlap constraint still stops two racers booking one host twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core.round_robin import Candidate, pick
from calgate.errors import BadRequest
from calgate.services.scheduling_spec import HostContext
from calgate.store.models import BLOCKING_STATUSES, Booking


async def choose_hosts(
    session: AsyncSession,
    event_type_id: int,
    contexts: Sequence[HostContext],
    free_ids: Sequence[int],
    mode: str,
) -> list[HostContext]:
    """Every free host (single, collective); for round robin the mandatory hosts plus the one
    round-robin host whose turn it is, that host first (it organizes)."""
    free = [c for c in contexts if c.user_id in set(free_ids)]
    if mode != "round_robin":
        return free
    # The same fixed flags the engine offered the slot on (HostRef.fixed, one read).
    fixed = {c.user_id for c in contexts if c.host.fixed}
    if fixed - {c.user_id for c in free}:
        raise BadRequest("The requested time is not available", {"reason": "host_unavailable"})
    rotating = [c for c in free if c.user_id not in fixed]
    mandatory = [c for c in free if c.user_id in fixed]
    if not rotating:
        if len(fixed) == len(contexts) and mandatory:
            return mandatory
        raise BadRequest("The requested time is not available", {"reason": "host_unavailable"})
    stats = {
        r.user_id: (r.n, r.last)
        for r in (
            await session.execute(
                select(
                    Booking.user_id,
                    func.count().label("n"),
                    func.max(Booking.created_at).label("last"),
                )
                .where(
                    Booking.event_type_id == event_type_id,
                    Booking.status.in_(BLOCKING_STATUSES),
                    Booking.user_id.in_([c.user_id for c in rotating]),
                )
                .group_by(Booking.user_id)
            )
        ).all()
    }
    winner = pick(
        [
            Candidate(
                user_id=c.user_id,
                priority=c.host.priority,
                weight=c.host.weight,
                bookings=stats.get(c.user_id, (0, None))[0],
                last_booked=stats.get(c.user_id, (0, None))[1],
            )
            for c in rotating
        ]
    )
    first = next(c for c in rotating if c.user_id == winner.user_id)
    return [first, *mandatory]
