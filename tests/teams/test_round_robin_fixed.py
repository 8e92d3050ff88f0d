"""Round robin with mandatory (fixed) hosts, in the engine: over a US DST week, a start is
offered exactly when every fixed host and one other host are free (an independent brute-force
oracle), and the booking check agrees with the slot list start by start."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from calgate.core import (
    EventRules,
    ExistingBooking,
    HostAvailability,
    Period,
    Schedule,
    WeeklyWindow,
    check_booking,
    compute_slots,
)

ZONES = ("America/New_York", "Europe/London", "America/Chicago")
SUNDAY = date(2027, 3, 14)  # US clocks go forward; Europe's not yet
NOW = datetime(2027, 3, 1, tzinfo=UTC)
LO = datetime.combine(SUNDAY - timedelta(days=4), time(0), UTC)
HI = datetime.combine(SUNDAY + timedelta(days=4), time(0), UTC)
# Busy hours per host (UTC), chosen across the days either side of the change.
BUSY = {
    0: [datetime(2027, 3, 15, 14, tzinfo=UTC), datetime(2027, 3, 11, 15, tzinfo=UTC)],
    1: [datetime(2027, 3, 15, 14, 30, tzinfo=UTC), datetime(2027, 3, 16, 10, tzinfo=UTC)],
    2: [datetime(2027, 3, 12, 16, tzinfo=UTC), datetime(2027, 3, 17, 20, tzinfo=UTC)],
}


def _host(i: int, fixed: bool) -> HostAvailability:
    weekdays = frozenset(range(1, 6))
    return HostAvailability(
        host_id=i + 1,
        schedule=Schedule(ZONES[i], (WeeklyWindow(weekdays, 540, 1020),), ()),
        bookings=tuple(ExistingBooking(s, s + timedelta(hours=1)) for s in BUSY[i]),
        fixed=fixed,
    )


def _free(i: int, start: datetime) -> bool:
    end = start + timedelta(minutes=30)
    ls, le = start.astimezone(ZoneInfo(ZONES[i])), end.astimezone(ZoneInfo(ZONES[i]))
    if ls.weekday() >= 5 or le.date() != ls.date() or ls.time() < time(9) or le.time() > time(17):
        return False
    return not any(b < end and start < b + timedelta(hours=1) for b in BUSY[i])


def _oracle(fixed: frozenset[int]) -> set[datetime]:
    out, t = set(), LO
    while t < HI:
        frees = [_free(i, t) for i in range(3)]
        rotating = [f for i, f in enumerate(frees) if i not in fixed]
        if all(frees[i] for i in fixed) and (any(rotating) or not rotating):
            out.add(t)
        t += timedelta(minutes=30)
    return out


@pytest.mark.parametrize(
    "fixed", [frozenset(), frozenset({0}), frozenset({1}), frozenset({0, 2}), frozenset({0, 1, 2})]
)
def test_fixed_hosts_against_oracle_and_booking_check(fixed: frozenset[int]) -> None:
    rules = EventRules(length=30)
    hosts = [_host(i, i in fixed) for i in range(3)]
    got = compute_slots(rules, hosts, "round_robin", LO, HI, NOW, booker_time_zone="UTC")
    want = _oracle(fixed)
    assert want
    assert {s.start for s in got} == want, sorted({s.start for s in got} ^ want)[:6]
    t = LO
    while t < HI:
        d = check_booking(rules, hosts, "round_robin", t, NOW)
        assert d.ok == (t in want), t
        if d.ok:
            # Every fixed host takes part, plus at least one other when there are others.
            assert {i + 1 for i in fixed} <= set(d.host_ids)
            assert len(fixed) == 3 or set(d.host_ids) - {i + 1 for i in fixed}
        t += timedelta(minutes=30)
    for s in got:
        assert {i + 1 for i in fixed} <= set(s.host_ids)


@pytest.mark.parametrize("fixed", [frozenset(), frozenset({1}), frozenset({0, 1, 2})])
def test_plain_grids_match_the_general_path(fixed: frozenset[int]) -> None:
    """Round robin's set-of-minutes grids (no window, seats or limits) give the very slots,
    host order included, that the start-by-start path gives once a far booking window makes
    every start go through the verdict."""
    hosts = [_host(i, i in fixed) for i in range(3)]
    plain = EventRules(length=30)
    windowed = EventRules(length=30, period=Period("ROLLING", days=3650))
    for zone_name in ("UTC", "Asia/Kolkata", None):
        a = compute_slots(plain, hosts, "round_robin", LO, HI, NOW, booker_time_zone=zone_name)
        b = compute_slots(windowed, hosts, "round_robin", LO, HI, NOW, booker_time_zone=zone_name)
        assert a == b
        assert a
