"""Bookable slots and the booking check, per host and combined across an event type's hosts.

Everything here is pure: callers pass the hosts' schedules and busy time, the event type's rules
and ``now``. Slot listing and booking creation share ``_HostView``, so a slot that is shown can be
booked and a booking that is refused was never shown.

Semantics follow Cal.com (``packages/lib/slots.ts`` and ``getUserAvailability``):
- a slot grid starts at each availability window's start (or now + minimum notice, if later),
  rounded up to the largest of 60/30/20/15/10/5 minutes that divides the frequency, and steps by
  the slot interval (default: the event length); a slot must fit entirely inside the window;
- busy time is each existing booking widened by its own event type's buffers, plus reservations
  and other busy intervals; a candidate widened by this event type's buffers must not touch it;
- collective event types need every host free inside the intersection of their hours; round
  robin offers a slot when any host is free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from calgate.core.intervals import Interval, IntervalIndex, intersect
from calgate.core.limits import LimitTracker
from calgate.core.period import Bounds, Period, bounds
from calgate.core.schedule import Schedule, WorkingHours, local_date
from calgate.core.timezones import zone

NICE_MINUTES = (60, 30, 20, 15, 10, 5)
MODES = ("single", "collective", "round_robin")


@dataclass(frozen=True, slots=True)
class EventRules:
    length: int
    slot_interval: int | None = None
    minimum_booking_notice: int = 0
    before_buffer: int = 0
    after_buffer: int = 0
    period: Period = field(default_factory=Period)
    # {"PER_DAY": 2, ...}: bookings of this event type per period; minutes for duration limits.
    booking_limits: Mapping[str, int] = field(default_factory=dict)
    duration_limits: Mapping[str, int] = field(default_factory=dict)
    only_show_first_available_slot: bool = False
    seats_per_slot: int | None = None
    week_start: str = "Sunday"
    # Limits and seats concern bookings of this event type; None counts every booking.
    event_type_id: int | None = None


class ExistingBooking(NamedTuple):
    """A booking on a host's calendar (a NamedTuple: built per row on every slot query)."""

    start: datetime
    end: datetime
    before_buffer: int = 0
    after_buffer: int = 0
    uid: str | None = None
    event_type_id: int | None = None
    attendees_count: int = 1


@dataclass(frozen=True, slots=True)
class HostAvailability:
    host_id: int
    schedule: Schedule
    bookings: tuple[ExistingBooking, ...] = ()
    # Busy time that is not a booking here: reservations, connected calendars.
    busy: tuple[Interval, ...] = ()


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    host_ids: tuple[int, ...] = ()
    # Seated event types: attendees already in this slot's booking, and that booking.
    attendees_count: int = 0
    booking_uid: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    ok: bool
    reason: str = ""
    message: str = ""
    host_ids: tuple[int, ...] = ()
    booking_uid: str | None = None


@dataclass(frozen=True, slots=True)
class _Verdict:
    ok: bool
    reason: str = ""
    message: str = ""
    seat: ExistingBooking | None = None


_FREE = _Verdict(True)


class _HostView:
    """One host's availability for one request: hours, busy index, open seats, limits."""

    def __init__(self, host: HostAvailability, rules: EventRules, now: datetime) -> None:
        self.host_id = host.host_id
        self.rules = rules
        self.hours = WorkingHours(host.schedule)
        self.bounds: Bounds = bounds(rules.period, self.hours, now)
        ours = [b for b in host.bookings if _same_event_type(b, rules)]
        seats = rules.seats_per_slot or 0
        # A seated booking with room left is a slot to join, not busy time.
        self.open_seats = {b.start: b for b in ours if seats and b.attendees_count < seats}
        open_seats = self.open_seats
        blocking = [
            _padded(b) for b in host.bookings if not (open_seats and open_seats.get(b.start) is b)
        ]
        self.busy = IntervalIndex([*blocking, *host.busy])
        self.seat_busy = [_padded(b) for b in open_seats.values()]
        self._before = _td(rules.before_buffer)
        self._after = _td(rules.after_buffer)
        self.limits = LimitTracker(
            rules.booking_limits,
            rules.duration_limits,
            self.hours.time_zone,
            rules.week_start,
            ((b.start, _minutes(b.end - b.start)) for b in ours),
        )

    def verdict(self, start: datetime, end: datetime, *, check_hours: bool) -> _Verdict:
        if not self.bounds.admits(start):
            return _Verdict(
                False,
                "outside_booking_window",
                "The requested time is outside this event type's booking window",
            )
        if check_hours and self.hours.window_containing(Interval(start, end)) is None:
            return _Verdict(
                False,
                "outside_availability",
                "The requested time is outside the host's available hours",
            )
        padded = Interval(start - self._before, end + self._after)
        seat = self.open_seats.get(start)
        if seat is not None and seat.end != end:
            seat = None
        if self.busy.overlaps(padded) or any(
            padded.overlaps(iv)
            for iv, b in zip(self.seat_busy, self.open_seats.values(), strict=True)
            if b is not seat
        ):
            return _Verdict(False, "slot_unavailable", "The requested time is not available")
        if seat is None and self.limits:
            hit = self.limits.exceeded(start, _minutes(end - start))
            if hit is not None:
                return _Verdict(False, hit[0], hit[1])
        return _Verdict(True, seat=seat) if seat is not None else _FREE


@cache
def _td(minutes: int) -> timedelta:
    # Buffers take few distinct values; building a timedelta per booking per query adds up.
    return timedelta(minutes=minutes)


def _padded(b: ExistingBooking) -> Interval:
    """A booking's time on the calendar, widened by its own event type's buffers."""
    return Interval(b.start - _td(b.before_buffer), b.end + _td(b.after_buffer))


def _same_event_type(b: ExistingBooking, rules: EventRules) -> bool:
    return rules.event_type_id is None or b.event_type_id == rules.event_type_id


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _nice_step(frequency: int) -> int:
    return next((m for m in NICE_MINUTES if frequency % m == 0), 1)


def _grid_origin(window_start: datetime, earliest: datetime, step: int, time_zone: str) -> datetime:
    """First slot start of a window: not before ``earliest``, on a whole ``step`` of the hour
    as the host's clock shows it."""
    t = max(window_start, earliest)
    if t.second or t.microsecond:
        t = t.replace(second=0, microsecond=0) + timedelta(minutes=1)
    minute = t.astimezone(zone(time_zone)).minute
    if minute % step:
        t += timedelta(minutes=step - minute % step)
    return t


def _candidates(
    windows: Iterable[Interval],
    lo: datetime,
    hi: datetime,
    earliest: datetime,
    length: int,
    frequency: int,
    time_zone: str,
) -> Iterable[tuple[datetime, datetime]]:
    step = _nice_step(frequency)
    duration = timedelta(minutes=length)
    every = timedelta(minutes=frequency)
    for w in windows:
        t = _grid_origin(w.start, earliest, step, time_zone)
        if t < lo:
            # Skip the part of the grid before the range without changing its phase.
            t += every * -((t - lo) // every)
        while t + duration <= w.end and t < hi:
            yield t, t + duration
            t += every


def _views(rules: EventRules, hosts: Sequence[HostAvailability], now: datetime) -> list[_HostView]:
    return [_HostView(h, rules, now) for h in hosts]


def compute_slots(
    rules: EventRules,
    hosts: Sequence[HostAvailability],
    mode: str,
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    length: int | None = None,
) -> list[Slot]:
    """Bookable slots starting in [start, end), sorted by start."""
    if mode not in MODES:
        raise ValueError(f"unknown scheduling mode {mode!r}")
    if not hosts or end <= start:
        return []
    length = length or rules.length
    frequency = rules.slot_interval or length
    earliest = now + timedelta(minutes=rules.minimum_booking_notice)
    views = _views(rules, hosts, now)
    found: dict[datetime, Slot] = {}

    if mode == "collective":
        # Each host's windows are per local day, sorted and disjoint (touching at midnight is
        # allowed): intersect them as they are. Joining them first would let a collective slot
        # span a host's midnight, which that host's own booking check refuses.
        common = views[0].hours.windows(start, end)
        for v in views[1:]:
            common = intersect(common, v.hours.windows(start, end))
        # Intersected windows are still within one day of the first host, whose clock sets
        # the grid.
        tz = views[0].hours.time_zone
        for s, e in _candidates(common, start, end, earliest, length, frequency, tz):
            verdicts = [v.verdict(s, e, check_hours=False) for v in views]
            if all(x.ok for x in verdicts):
                found[s] = _slot(s, e, [v.host_id for v in views], verdicts)
    else:
        for v in views if mode == "round_robin" else views[:1]:
            windows = v.hours.windows(start, end)
            tz = v.hours.time_zone
            for s, e in _candidates(windows, start, end, earliest, length, frequency, tz):
                verdict = v.verdict(s, e, check_hours=False)
                if not verdict.ok:
                    continue
                prior = found.get(s)
                if prior is None:
                    found[s] = _slot(s, e, [v.host_id], [verdict])
                elif prior.end == e:
                    found[s] = Slot(
                        s, e, (*prior.host_ids, v.host_id), prior.attendees_count, prior.booking_uid
                    )

    slots = [found[k] for k in sorted(found)]
    if rules.only_show_first_available_slot:
        tz = views[0].hours.time_zone
        seen: set[object] = set()
        firsts = []
        for slot in slots:
            day = local_date(slot.start, tz)
            if day not in seen:
                seen.add(day)
                firsts.append(slot)
        slots = firsts
    return slots


def _slot(s: datetime, e: datetime, host_ids: list[int], verdicts: Sequence[_Verdict]) -> Slot:
    seat = next((x.seat for x in verdicts if x.seat is not None), None)
    if seat is None:
        return Slot(s, e, tuple(host_ids))
    return Slot(s, e, tuple(host_ids), seat.attendees_count, seat.uid)


def check_booking(
    rules: EventRules,
    hosts: Sequence[HostAvailability],
    mode: str,
    start: datetime,
    now: datetime,
    *,
    length: int | None = None,
) -> Decision:
    """May a booking of ``length`` minutes start at ``start``? Which hosts could take it?

    Like Cal.com's booking handler, a start need not be on the slot grid: it must respect the
    notice and booking window, fit inside the hosts' hours, keep clear of busy time and limits.
    """
    if mode not in MODES:
        raise ValueError(f"unknown scheduling mode {mode!r}")
    if not hosts:
        return Decision(False, "no_hosts", "This event type has no hosts")
    length = length or rules.length
    end = start + timedelta(minutes=length)
    notice = rules.minimum_booking_notice
    if start < now + timedelta(minutes=notice):
        if start < now:
            return Decision(False, "in_the_past", "The requested time is in the past")
        return Decision(
            False,
            "minimum_booking_notice",
            f"Bookings need at least {notice} minutes' notice",
        )
    views = _views(rules, hosts, now)
    candidates = views if mode != "single" else views[:1]
    verdicts = [(v, v.verdict(start, end, check_hours=True)) for v in candidates]
    free = [(v, x) for v, x in verdicts if x.ok]
    if not free or (mode == "collective" and len(free) != len(verdicts)):
        failed = next(x for _, x in verdicts if not x.ok)
        return Decision(False, failed.reason, failed.message)
    seat = next((x.seat for _, x in free if x.seat is not None), None)
    return Decision(
        True,
        host_ids=tuple(v.host_id for v, _ in free),
        booking_uid=seat.uid if seat is not None else None,
    )


def group_by_local_date(slots: Iterable[Slot], time_zone: str) -> dict[str, list[Slot]]:
    """Slots keyed by the caller's local date ("2026-12-01"), in start order."""
    tz = zone(time_zone)
    out: dict[str, list[Slot]] = {}
    for slot in sorted(slots, key=lambda s: s.start):
        out.setdefault(slot.start.astimezone(tz).date().isoformat(), []).append(slot)
    return out
