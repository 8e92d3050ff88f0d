"""Bookable slots and the booking check, per host and combined across an event type's hosts.

Everything here is pure: callers pass the hosts' schedules and busy time, the event type's rules
and ``now``. Slot listing and booking creation share ``_HostView``, so a slot that a query from now
shows can be booked and a booking that is refused was never shown by one.

Semantics follow Cal.com's own slot code (``getSlots`` over ``buildDateRanges``, composed as
``_getAvailableSlots`` does), checked case by case against its answers:
- the hours are cut at the range asked, starting no earlier than now + the minimum notice (zero
  notice counts as one minute), and hours that touch at midnight are one window (see
  ``WorkingHours.windows``);
- busy time is each existing booking widened by its own event type's buffers, plus reservations
  and other busy intervals, widened again by this event type's buffers and taken out of the
  hours; each free piece left starts its own grid: its start rounded up, on the booker's clock,
  to the largest of 60/30/20/15/10/5 minutes that divides the frequency, then steps of the slot
  interval (default: the event length) while a slot fits entirely inside the piece;
- collective event types need every host free inside the intersection of their free pieces;
  round robin offers a slot when any host's own grid offers it; with fixed ("mandatory") hosts,
  when every fixed host is free and a round-robin host's grid, cut to the fixed hosts' common
  free pieces, offers it (a round-robin event type whose hosts are all fixed is collective).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from calgate.core.intervals import Interval, IntervalIndex, intersect, merge, subtract
from calgate.core.limits import Breach, LimitTracker
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


class Hold(NamedTuple):
    """Another booker's reservation of a slot: busy time until it expires."""

    start: datetime
    end: datetime
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class HostAvailability:
    host_id: int
    schedule: Schedule
    bookings: tuple[ExistingBooking, ...] = ()
    # Busy time that is neither a booking nor a hold here: connected calendars.
    busy: tuple[Interval, ...] = ()
    # Other bookers' reservations on this host's time.
    held: tuple[Hold, ...] = ()
    # Round robin: a fixed ("mandatory") host joins every booking, so must be free for each.
    fixed: bool = False


class Conflict(NamedTuple):
    """Something on a host's calendar that a candidate (widened by the buffers) runs into:
    ``kind`` is "booking" (with ``booking``), "hold" (with ``hold``) or "busy"."""

    kind: str
    interval: Interval
    booking: ExistingBooking | None = None
    hold: Hold | None = None


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
        self.fixed = host.fixed
        self.rules = rules
        self.hours = _working_hours(host.schedule)
        self.bounds: Bounds = bounds(rules.period, self.hours, now)
        ours = [b for b in host.bookings if _same_event_type(b, rules)]
        seats = rules.seats_per_slot or 0
        # A seated booking with room left is a slot to join, not busy time.
        self.open_seats = {b.start: b for b in ours if seats and b.attendees_count < seats}
        open_seats = self.open_seats
        self.host = host
        # Each booking's own widened time, in ``host.bookings`` order (``conflicts`` reads it).
        self.padded = [_padded(b) for b in host.bookings]
        blocking = self.padded
        if open_seats:
            blocking = [
                iv
                for iv, b in zip(blocking, host.bookings, strict=True)
                if open_seats.get(b.start) is not b
            ]
        self.busy = IntervalIndex(
            [*blocking, *host.busy, *(Interval(h.start, h.end) for h in host.held)]
        )
        self.seat_busy = [_padded(b) for b in open_seats.values()]
        self._before = _td(rules.before_buffer)
        self._after = _td(rules.after_buffer)
        # ``in_hours`` answers: an explanation asks the verdict's question again for its reasons.
        self._in_hours: dict[tuple[datetime, datetime, datetime], bool] = {}
        self.limits = LimitTracker(
            rules.booking_limits,
            rules.duration_limits,
            self.hours.time_zone,
            rules.week_start,
            ((b.start, _minutes(b.end - b.start)) for b in ours),
        )
        # Nothing but the hours and busy time decides a start taken from the free pieces: no
        # window, no seats, no limits. Then ``verdict(check_busy=False)`` is always free, and
        # round robin's grids (one per host, most of a team query's work) skip it.
        self.plain = (
            self.bounds.lo is None and self.bounds.hi is None and not open_seats and not self.limits
        )

    def free(self, start: datetime, end: datetime) -> list[Interval]:
        """The hours in [start, end) less busy time widened by this event type's buffers, so a
        slot that fits a piece keeps its buffers clear of every booking."""
        hours = self.hours.windows(start, end)
        if not self.busy:
            return hours
        before, after = self._before, self._after
        # Only busy time that its widening brings into the range: a day's part, not every
        # booking read (an explanation asks for three days, a slot query reads five).
        near = self.busy.near(start - before, end + after)
        if not (before or after):
            return subtract(hours, near)
        return subtract(hours, merge([Interval(b.start - after, b.end + before) for b in near]))

    def in_hours(self, start: datetime, end: datetime, earliest: datetime) -> bool:
        """Inside the hours as a slot query from the booking's own start sees them, or from the
        earliest bookable moment: the two differ only where an override falls on a day that a
        window joined across midnight runs into, and a slot either query shows stays bookable."""
        key = (start, end, earliest)
        known = self._in_hours.get(key)
        if known is None:
            candidate = Interval(start, end)
            known = self._in_hours[key] = self.hours.window_containing(candidate) is not None or (
                bool(self.hours.schedule.overrides)
                and self.hours.window_containing(candidate, earliest) is not None
            )
        return known

    def verdict(
        self,
        start: datetime,
        end: datetime,
        *,
        earliest: datetime | None = None,
        check_busy: bool = True,
    ) -> _Verdict:
        """``earliest`` set: check the hours too (a booking); unset: the candidate comes from
        this host's hours (a slot), and from its free pieces unless ``check_busy``."""
        if not self.bounds.admits(start):
            return _Verdict(
                False,
                "outside_booking_window",
                "The requested time is outside this event type's booking window",
            )
        if earliest is not None and not self.in_hours(start, end, earliest):
            return _Verdict(
                False,
                "outside_availability",
                "The requested time is outside the host's available hours",
            )
        padded = Interval(start - self._before, end + self._after)
        seat = self.open_seats.get(start)
        if seat is not None and seat.end != end:
            seat = None
        if (check_busy and self.busy.overlaps(padded)) or any(
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

    def seat_at(self, start: datetime, end: datetime) -> ExistingBooking | None:
        """The seated booking with room left that a booking of [start, end) would join."""
        seat = self.open_seats.get(start)
        return seat if seat is not None and seat.end == end else None

    def conflicts(self, start: datetime, end: datetime) -> list[Conflict]:
        """Everything ``verdict``'s busy test runs into, one by one: the same widened candidate
        against the same busy time (bookings widened by their own buffers, holds, other busy
        time, and the other open seats), for explanations that must name every blocker."""
        padded = Interval(start - self._before, end + self._after)
        if not self.busy.overlaps(padded) and not any(padded.overlaps(iv) for iv in self.seat_busy):
            # All of it is in those two (the busy index: blocking bookings, holds, calendar
            # time; seat_busy: open seats): one bisect instead of a scan of every booking.
            return []
        seat = self.seat_at(start, end)
        found = []
        lo, hi = padded
        # Inline comparisons, as ``_blocks`` reads them: this runs over every booking read.
        for iv, b in zip(self.padded, self.host.bookings, strict=True):
            s, e = iv
            if s < hi and lo < e and s < e and b is not seat:
                found.append(Conflict("booking", iv, booking=b))
        for h in self.host.held:
            iv = Interval(h.start, h.end)
            if _blocks(iv, padded):
                found.append(Conflict("hold", iv, hold=h))
        found.extend(Conflict("busy", iv) for iv in self.host.busy if _blocks(iv, padded))
        return found

    def limit_breaches(self, start: datetime, end: datetime) -> list[Breach]:
        """The limits ``verdict`` tests, all of them; joining an open seat counts toward none."""
        if not self.limits or self.seat_at(start, end) is not None:
            return []
        return self.limits.breaches(start, _minutes(end - start))


def _blocks(busy: Interval, candidate: Interval) -> bool:
    """As the busy index sees it: empty time (a zero-length calendar event) blocks nothing."""
    return busy.start < busy.end and busy.overlaps(candidate)


@lru_cache(maxsize=4096)
def _working_hours(schedule: Schedule) -> WorkingHours:
    """One ``WorkingHours`` per schedule value, kept across requests: its days are a pure
    function of the schedule (a changed schedule is another key), and expanding them through
    zoneinfo was half of a ten-host team query. Its per-day caches only ever gain entries, the
    same ones whichever thread adds them."""
    return WorkingHours(schedule)


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


def _grid(
    pieces: Iterable[Interval], length: int, frequency: int, booker_zone: ZoneInfo
) -> Iterable[tuple[datetime, datetime]]:
    """Each piece's own grid: its start rounded up to a whole minute, then to a whole ``step``
    of the hour on the booker's clock, stepping by ``frequency`` while a slot fits."""
    duration = timedelta(minutes=length)
    every = timedelta(minutes=frequency)
    for first, count in _grid_runs(pieces, length, frequency, booker_zone):
        t = first
        for _ in range(count):
            yield t, t + duration
            t += every


def _grid_runs(
    pieces: Iterable[Interval], length: int, frequency: int, booker_zone: ZoneInfo
) -> Iterable[tuple[datetime, int]]:
    """``_grid`` as (first start, how many starts) per piece: ``frequency`` minutes apart."""
    step = _nice_step(frequency)
    duration = timedelta(minutes=length)
    every = timedelta(minutes=frequency)
    for piece in pieces:
        t = piece.start
        if t.second or t.microsecond:
            t = t.replace(second=0, microsecond=0) + timedelta(minutes=1)
        minute = t.astimezone(booker_zone).minute
        if minute % step:
            t += timedelta(minutes=step - minute % step)
        last = piece.end - duration
        if t <= last:
            yield t, (last - t) // every + 1


def _earliest(rules: EventRules, now: datetime) -> datetime:
    # Cal.com reads a notice of 0 as 1 minute, so a slot starting exactly now is never offered.
    return now + timedelta(minutes=max(rules.minimum_booking_notice, 1))


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
    booker_time_zone: str | None = None,
) -> list[Slot]:
    """Bookable slots in [start, end), sorted by start: each starts no earlier than ``start``
    and ends by ``end``.

    ``booker_time_zone`` is the zone the booker asked in (Cal.com's ``timeZone`` of the slots
    request): grid starts are rounded on its clock, and ``only_show_first_available_slot`` keeps
    the first slot of each of its days. None means the host's own zone (the first host's for a
    collective event type): Cal.com's answers for requests without a zone match that, not UTC.
    """
    if mode not in MODES:
        raise ValueError(f"unknown scheduling mode {mode!r}")
    if not hosts or end <= start:
        return []
    grids = _Grids(
        _views(rules, hosts, now), rules, mode, now, length or rules.length, booker_time_zone
    )
    return grids.slots(start, end)


class _Grids(NamedTuple):
    """One request's slot grids, for any range: the hosts' views (built once), the event
    type's rules and mode, the moment asked at, the booked length and the booker's zone (None:
    each host's own clock). A slot query lists a range's slots; an explanation asks what a
    day's list says around one start, for the booker's day and the days either side."""

    views: list[_HostView]
    rules: EventRules
    mode: str
    now: datetime
    length: int
    booker_time_zone: str | None

    def slots(self, start: datetime, end: datetime) -> list[Slot]:
        """``compute_slots`` over [start, end)."""
        layout = self._layout(start, end)
        if layout is None:
            return []
        found: dict[datetime, Slot] = {}
        _lay(found, _sources(self.views, self.mode, layout), layout)
        slots = [found[k] for k in sorted(found)]
        if self.rules.only_show_first_available_slot:
            tz = self.booker_time_zone or self.views[0].hours.time_zone
            seen: set[object] = set()
            firsts = []
            for slot in slots:
                day = local_date(slot.start, tz)
                if day not in seen:
                    seen.add(day)
                    firsts.append(slot)
            slots = firsts
        return slots

    def around(
        self, start: datetime, end: datetime, at: datetime
    ) -> tuple[bool, datetime | None, datetime | None]:
        """What ``slots(start, end)`` says around ``at``: whether it offers ``at``, and its
        nearest starts before and after. From the same grids, without listing them: an
        explanation needs no more, and a day's list is what a one-day slot query costs."""
        if self.rules.only_show_first_available_slot:
            # Which start is a day's first depends on the whole day: list it.
            starts = [s.start for s in self.slots(start, end)]
            return (
                at in starts,
                max((s for s in starts if s < at), default=None),
                min((s for s in starts if s > at), default=None),
            )
        layout = self._layout(start, end)
        if layout is None:
            return False, None, None
        offered, before, after = False, None, None
        for source in _sources(self.views, self.mode, layout):
            hit, b, a = source.around(at, layout)
            offered = offered or hit
            if b is not None and (before is None or b > before):
                before = b
            if a is not None and (after is None or a < after):
                after = a
        return offered, before, after

    def _layout(self, start: datetime, end: datetime) -> _Layout | None:
        """How [start, end)'s grids are laid; None when nothing can start in it (no hosts, or
        all of it before the earliest bookable moment)."""
        if not self.views or end <= start:
            return None
        lo = max(start, _earliest(self.rules, self.now))
        if end <= lo:
            return None
        frequency = self.rules.slot_interval or self.length
        return _Layout((lo, end), self.length, frequency, self.booker_time_zone)


def _split(views: list[_HostView], mode: str) -> tuple[list[_HostView], list[_HostView]]:
    """(hosts every booking needs, hosts of which one will do): collective needs them all,
    round robin its fixed hosts and one of the others, a personal event type its one host."""
    if mode == "collective":
        return views, []
    if mode == "single":
        return [], views[:1]
    return [v for v in views if v.fixed], [v for v in views if not v.fixed]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE = timedelta(minutes=1)


class _Layout(NamedTuple):
    """How a slot query lays each grid: over ``span``, ``length``-minute slots every
    ``frequency`` minutes, rounded on the booker's clock (None: the host's own)."""

    span: tuple[datetime, datetime]
    length: int
    frequency: int
    booker_time_zone: str | None


class _Source(NamedTuple):
    """One grid of a slot query: free pieces, the clock their starts are rounded on, and the
    hosts that must be free at each start. Round robin lays one per rotating host over its
    free pieces cut to the fixed hosts' common ones (``judges``: that host, then the fixed
    hosts); a collective event type, one over its hosts' common pieces (``judges``: all)."""

    pieces: list[Interval]
    clock: ZoneInfo
    judges: tuple[_HostView, ...]

    @property
    def plain(self) -> bool:
        """Every start on this grid is free (``_HostView.plain``): no verdicts to ask."""
        return all(v.plain for v in self.judges)

    def minutes(self, layout: _Layout) -> set[int]:
        """The grid as whole minutes since the epoch, built from ranges at C speed."""
        frequency = layout.frequency
        mine: set[int] = set()
        for first, count in _grid_runs(self.pieces, layout.length, frequency, self.clock):
            m = (first - _EPOCH) // _MINUTE
            mine.update(range(m, m + count * frequency, frequency))
        return mine

    def free(self, s: datetime, e: datetime) -> bool:
        return all(v.plain or v.verdict(s, e, check_busy=False).ok for v in self.judges)

    def around(
        self, at: datetime, layout: _Layout
    ) -> tuple[bool, datetime | None, datetime | None]:
        """Is ``at`` one of this grid's free starts, and which are nearest before and after?
        Each side walks out from ``at`` and stops at the first free start."""
        duration = timedelta(minutes=layout.length)
        every = timedelta(minutes=layout.frequency)
        runs = list(_grid_runs(self.pieces, layout.length, layout.frequency, self.clock))
        offered = False
        for first, count in runs:
            if first <= at:
                k, off = divmod(at - first, every)
                if not off and k < count:
                    offered = self.free(at, at + duration)
                    break
        before = None
        for first, count in reversed(runs):
            if first < at and before is None:
                # The last start before ``at``: k < (at - first) / every.
                top = min(count - 1, -((first - at) // every) - 1)
                before = self._first_free(first, range(top, -1, -1), every, duration)
        after = None
        for first, count in runs:
            if first + (count - 1) * every > at and after is None:
                low = 0 if at < first else (at - first) // every + 1
                after = self._first_free(first, range(low, count), every, duration)
        return offered, before, after

    def _first_free(
        self, first: datetime, steps: range, every: timedelta, duration: timedelta
    ) -> datetime | None:
        for k in steps:
            s = first + k * every
            if self.free(s, s + duration):
                return s
        return None


def _sources(views: list[_HostView], mode: str, layout: _Layout) -> list[_Source]:
    """The grids a slot query over ``layout`` lays, one per rotating host, or one over the
    common free pieces (rounded on the first host's clock unless the booker named one) when
    every host is needed."""
    fixed, rotating = _split(views, mode)
    lo, hi = layout.span
    common: list[Interval] | None = None
    if fixed:
        common = fixed[0].free(lo, hi)
        for v in fixed[1:]:
            common = intersect(common, v.free(lo, hi))
        if not rotating:
            clock = zone(layout.booker_time_zone or views[0].hours.time_zone)
            return [_Source(common, clock, tuple(fixed))]
    sources = []
    for v in rotating:
        pieces = v.free(lo, hi)
        if common is not None:
            pieces = intersect(pieces, common)
        clock = zone(layout.booker_time_zone or v.hours.time_zone)
        sources.append(_Source(pieces, clock, (v, *fixed)))
    return sources


def _lay(found: dict[datetime, Slot], sources: list[_Source], layout: _Layout) -> None:
    """Every source's free starts into ``found``: a start two grids offer is one slot, its
    hosts in source order (the first source's judges, then the other sources' own host)."""
    if all(source.plain for source in sources):
        # Every start on a grid is free: each grid as a set of minutes, so a team's query
        # costs its union, not one datetime per host and start.
        grids = [(source.judges, source.minutes(layout)) for source in sources]
        _add_plain(found, grids, layout.length)
        return
    length, frequency = layout.length, layout.frequency
    # Hosts whose grids offer a start another host's grid found first, in host order: the
    # slot is rebuilt once at the end rather than once per host.
    joined: dict[datetime, list[int]] = {}
    for source in sources:
        lead, rest = source.judges[0], source.judges[1:]
        ids = [v.host_id for v in source.judges]
        for s, e in _grid(source.pieces, length, frequency, source.clock):
            verdict = _FREE if lead.plain else lead.verdict(s, e, check_busy=False)
            if not verdict.ok:
                continue
            prior = found.get(s)
            if prior is None:
                verdicts = [verdict, *(v.verdict(s, e, check_busy=False) for v in rest)]
                if all(x.ok for x in verdicts):
                    found[s] = _slot(s, e, ids, verdicts)
            elif prior.end == e:
                joined.setdefault(s, []).append(lead.host_id)
    for s, more in joined.items():
        prior = found[s]
        found[s] = Slot(
            s, prior.end, (*prior.host_ids, *more), prior.attendees_count, prior.booking_uid
        )


def _add_plain(
    found: dict[datetime, Slot],
    grids: list[tuple[tuple[_HostView, ...], set[int]]],
    length: int,
) -> None:
    """The starts of minute grids, their hosts as ``_lay`` orders them."""
    duration = timedelta(minutes=length)
    for m in sorted(set().union(*(mine for _, mine in grids))):
        having = [judges for judges, mine in grids if m in mine]
        s = _EPOCH + m * _MINUTE
        ids = (*(v.host_id for v in having[0]), *(j[0].host_id for j in having[1:]))
        found[s] = Slot(s, s + duration, ids)


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
    booker_time_zone: str | None = None,
) -> Decision:
    """May a booking of ``length`` minutes start at ``start``? Which hosts could take it?

    Like Cal.com's booking handler, a start need not be on the slot grid: it must respect the
    notice and booking window, fit inside the hosts' hours, keep clear of busy time and limits.
    Every slot a ``compute_slots`` query from now offers passes, for the same
    ``booker_time_zone``: the zone only moves the grid, which a booking need not be on, so it
    changes no verdict; it is taken (and an unknown one refused) so both entry points are called
    alike.
    """
    if mode not in MODES:
        raise ValueError(f"unknown scheduling mode {mode!r}")
    refused = _refused_early(rules, hosts, start, now, booker_time_zone)
    if refused is not None:
        return refused
    end = start + timedelta(minutes=length or rules.length)
    return _decide(
        _verdicts(_views(rules, hosts, now), mode, start, end, _earliest(rules, now)), mode
    )


def _refused_early(
    rules: EventRules,
    hosts: Sequence[HostAvailability],
    start: datetime,
    now: datetime,
    booker_time_zone: str | None,
) -> Decision | None:
    """``check_booking``'s refusals that need no host's data (so no views are built)."""
    if booker_time_zone is not None:
        zone(booker_time_zone)
    if not hosts:
        return Decision(False, "no_hosts", "This event type has no hosts")
    if start < _earliest(rules, now):
        if start < now:
            return Decision(False, "in_the_past", "The requested time is in the past")
        notice = max(rules.minimum_booking_notice, 1)
        amount = "1 minute's" if notice == 1 else f"{notice} minutes'"
        return Decision(False, "minimum_booking_notice", f"Bookings need at least {amount} notice")
    return None


def _verdicts(
    views: list[_HostView], mode: str, start: datetime, end: datetime, earliest: datetime
) -> list[tuple[_HostView, _Verdict]]:
    """Each host's verdict on a booking of [start, end), for the hosts the mode weighs."""
    candidates = views if mode != "single" else views[:1]
    return [(v, v.verdict(start, end, earliest=earliest)) for v in candidates]


def _decide(verdicts: list[tuple[_HostView, _Verdict]], mode: str) -> Decision:
    """``check_booking`` past its early refusals, from the hosts' verdicts."""
    free = [(v, x) for v, x in verdicts if x.ok]
    fixed, rotating = _split([v for v, _ in verdicts], mode)
    needed = [x for v, x in verdicts if v in fixed]
    if (
        not free
        or not all(x.ok for x in needed)
        or (rotating and not any(x.ok for v, x in verdicts if v in rotating))
    ):
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
