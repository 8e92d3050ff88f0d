"""When an event type can be booked: its rules, hosts, hours and busy time, read from the store.

The engine (calgate.core) is pure; ``EventTypeAvailability`` is the one place that turns rows
into its inputs and calls it, so slot queries, reservations and booking checks always see the
same busy time under the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from sqlalchemy import and_, bindparam, func, or_, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from calgate.core import (
    Decision,
    EventRules,
    ExistingBooking,
    Explanation,
    Hold,
    HostAvailability,
    Interval,
    Period,
    Reason,
    Slot,
    check_booking,
    compute_slots,
    explain,
    nearest,
    present,
)
from calgate.core.explain import SEARCH_DAYS
from calgate.core.schedule import local_date, local_instant
from calgate.errors import BadRequest
from calgate.services.calendars import calendar_busy
from calgate.services.round_robin import choose_hosts
from calgate.services.scheduling_spec import (
    EventTypeRef,
    HostContext,
    SchedulingSpec,
    host_contexts,
    spec_by_ref,
    spec_of,
)
from calgate.store.models import (
    BLOCKING_STATUSES,
    Attendee,
    Booking,
    BookingBlock,
    EventType,
    Membership,
    MembershipRole,
    SlotReservation,
)
from calgate.store.types import RawTime, utc_from_raw

__all__ = ["BUSY_BOOKING", "BUSY_CALENDAR", "SEATS_FULL", "EventTypeAvailability", "EventTypeRef"]

# The reason a booking check gives when only a host's connected calendar is in the way.
BUSY_CALENDAR = "busy_calendar"
# The codes of refusals the database or a seat count decides after the check.
BUSY_BOOKING = "busy_booking"
SEATS_FULL = "seats_full"

_R = TypeVar("_R")
# Slot computation and rendering are CPU-bound Python, run in worker threads. Under the GIL two
# such threads finish no sooner than one after the other, and each extra one lengthens every
# wait of the event loop's thread for the GIL: one at a time keeps the server answering.
SLOT_WORK = anyio.CapacityLimiter(1)
# Up to this many candidate starts (a month of 30-minute slots) the engine is done in a few
# milliseconds, and runs inline: handing it to a thread would cost more than it frees.
INLINE_STARTS = 2_000
# Buffers are capped at a day each, so busy time further than this from the range can't matter.
MARGIN = timedelta(days=2)
ONE_DAY = timedelta(days=1)


class EventTypeAvailability:
    """When one event type can be booked, for one request: its rules, hosts and their hours.

    Load it once per request inside the caller's session or transaction, then ask it for slots
    or to check one start. Busy time is gathered in ``_hosts`` and the engine is called in
    ``_run``; new busy sources (team members, calendars) belong in the first, engine options
    (the booker's time zone, explanations) in the second.
    """

    def __init__(
        self,
        session: AsyncSession,
        spec: SchedulingSpec,
        contexts: Sequence[HostContext],
        length: int,
    ) -> None:
        self.session = session
        self.spec = spec
        self.hosts = tuple(contexts)
        # The booked length: the event type's, or the offered duration the request asked for.
        self.length = length
        self.mode = _mode(spec)
        self.rules = _rules(spec, self.hosts[0].host.week_start if self.hosts else "Sunday")
        # Calendars whose last read failed (their cached busy time was used): the response's
        # `warnings`, one per host (services.calendars.CalendarBusy).
        self.warnings: list[dict[str, Any]] = []

    @classmethod
    async def load(
        cls,
        session: AsyncSession,
        ref: EventTypeRef,
        *,
        duration: int | None = None,
        duration_field: str = "duration",
    ) -> EventTypeAvailability:
        """By reference, from plain rows: every slot query starts here, and the ORM object
        (with its hosts and their users) cost more to load than the engine's whole run."""
        spec = await spec_by_ref(session, ref)
        return await cls._build(session, spec, duration, duration_field)

    @classmethod
    async def of(
        cls,
        session: AsyncSession,
        event_type: EventType,
        *,
        duration: int | None = None,
        duration_field: str = "duration",
    ) -> EventTypeAvailability:
        """For an event type the caller has loaded already (a booking presents its fields)."""
        spec = await spec_of(session, event_type)
        return await cls._build(session, spec, duration, duration_field)

    @classmethod
    async def _build(
        cls, session: AsyncSession, spec: SchedulingSpec, duration: int | None, field: str
    ) -> EventTypeAvailability:
        length = _length(spec, duration, field)
        if spec.scheduling_type == "MANAGED":
            # A managed template books nobody (Cal.com shows it nowhere): its members' own
            # child event types are what bookers book.
            return cls(session, spec, [], length)
        return cls(session, spec, await host_contexts(session, spec), length)

    @property
    def event_type_id(self) -> int:
        return self.spec.id

    @property
    def user_ids(self) -> list[int]:
        return [c.user_id for c in self.hosts]

    async def slots(
        self,
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        holder: str | None = None,
        reschedule_uid: str | None = None,
        booker_time_zone: str | None = None,
    ) -> list[Slot]:
        """Bookable starts in [start, end), on a grid rounded on ``booker_time_zone``'s clock
        (the host's when None). ``holder``'s own reservations don't hide slots;
        ``reschedule_uid`` is the booking being moved, whose time is free for its new start."""
        hosts = await self._hosts(start, end, now, holder=holder, ignore_booking_uid=reschedule_uid)
        run = partial(self._run, compute_slots, hosts, start, end, now, zone=booker_time_zone)
        if self.starts_between(start, end) <= INLINE_STARTS:
            return run()
        # A long range on a fine grid is seconds of pure Python: run it off the event loop so
        # the server keeps answering other requests meanwhile.
        return await anyio.to_thread.run_sync(run, limiter=SLOT_WORK)

    def starts_between(self, start: datetime, end: datetime) -> int:
        """How many candidate starts the engine would weigh over [start, end): its work."""
        step = self.rules.slot_interval or self.length
        per_host = int((end - start).total_seconds() // 60) // step + 1
        return per_host * (1 if self.mode == "single" else max(1, len(self.hosts)))

    async def check(
        self,
        start: datetime,
        now: datetime,
        *,
        holder: str | None = None,
        reservation_uid: str | None = None,
        ignore_booking_uid: str | None = None,
    ) -> Decision:
        """May a booking of this length start at ``start``, and which hosts could take it?
        ``reservation_uid`` is the caller's own hold, which must not block it. `require` is
        the same check for callers that refuse with the explanation."""
        hosts = await self._booking_hosts(start, now, holder, reservation_uid, ignore_booking_uid)
        return self._run(check_booking, hosts, start, now)

    async def require(
        self,
        start: datetime,
        now: datetime,
        *,
        holder: str | None = None,
        reservation_uid: str | None = None,
        ignore_booking_uid: str | None = None,
        time_zone: str | None = None,
    ) -> Decision:
        """``check``, raising `refusal` when the start can't be booked."""
        hosts = await self._booking_hosts(start, now, holder, reservation_uid, ignore_booking_uid)
        decision = self._run(check_booking, hosts, start, now)
        if decision.ok:
            return decision
        # Explained from the very host data the check refused on: the two can't disagree.
        raise await self.refusal(
            decision.message,
            decision.reason,
            start,
            now,
            holder=holder,
            time_zone=time_zone,
            hosts=hosts,
        )

    async def refusal(
        self,
        message: str,
        reason: str,
        start: datetime,
        now: datetime,
        *,
        holder: str | None = None,
        reservation_uid: str | None = None,
        ignore_booking_uid: str | None = None,
        time_zone: str | None = None,
        expected: str | None = None,
        hosts: list[HostAvailability] | None = None,
    ) -> BadRequest:
        """The one refusal of a booking, reservation or reschedule: Cal.com's ``message`` and
        ``details.reason``, plus ``details.reasons`` (the explanation, in ``time_zone``, the
        booker's; other people's bookings shown to the hosts only) and ``details.nearest``
        (the bookable starts either side on the booker's day, when there are any).

        ``hosts``: the data a check just refused on; else read now (a refusal decided by a
        quicker test, or by the database itself after the transaction ended). ``expected``:
        the rule that refused (``busy_booking``, ``seats_full``), named even if a re-read no
        longer sees it (the winner of a race may already have cancelled).
        """
        if hosts is None:
            hosts = await self._booking_hosts(
                start, now, holder, reservation_uid, ignore_booking_uid
            )
        ex = self._run(explain, hosts, start, now, zone=time_zone)
        if expected and not any(r.blocking for r in ex.reasons):
            seats = {"seats": self.spec.seats_per_time_slot or 0}
            details = seats if expected == SEATS_FULL else {}
            ex = replace(ex, reasons=(*ex.reasons, Reason(expected, None, details)))
        shown = present(
            ex,
            time_zone=time_zone or "UTC",
            names=self.host_names(),
            reveal=await self.sees_all(holder),
        )
        blocking = [r for r in shown["reasons"] if r["blocking"]]
        if blocking and all(r["code"] == BUSY_CALENDAR for r in blocking):
            # Only the hosts' own calendars are in the way: say so, not just "unavailable".
            reason = BUSY_CALENDAR
            message = "The requested time is busy in the host's connected calendar"
        refused: dict[str, Any] = {
            "reason": reason,
            "reasons": shown["reasons"],
            "nearest": shown["nearest"],
        }
        if self.warnings:
            # The refusal was decided on a host calendar's cached busy time.
            refused["warnings"] = self.warnings
        return BadRequest(message, refused)

    async def _booking_hosts(
        self,
        start: datetime,
        now: datetime,
        holder: str | None,
        reservation_uid: str | None,
        ignore_booking_uid: str | None,
    ) -> list[HostAvailability]:
        """The hosts' data for one booking of this length at ``start``: what `check`, `require`
        and `refusal` all decide on."""
        end = start + timedelta(minutes=self.length)
        return await self._hosts(
            start,
            end,
            now,
            holder=holder,
            reservation_uid=reservation_uid,
            ignore_booking_uid=ignore_booking_uid,
        )

    async def explain(
        self,
        start: datetime,
        now: datetime,
        *,
        holder: str | None = None,
        booker_time_zone: str | None = None,
        day_time_zone: str = "UTC",
    ) -> Explanation:
        """Why ``start`` is (not) bookable, and the nearest starts that are: the booker's day
        first (one day's busy time, one day's slots), the week either side only if that day has
        none before or after."""
        lo = local_instant(local_date(start, day_time_zone), 0, day_time_zone)
        hi = local_instant(local_date(start, day_time_zone), 1440, day_time_zone)
        end = start + timedelta(minutes=self.length)
        # The day and one either side in one read: when the day has no start before or after
        # the candidate, the next day's answer needs no second read (an explanation costs
        # about what a one-day slot query does; the rows of two more days are cheap).
        lo_read, hi_read = min(lo, start) - ONE_DAY, max(hi, end) + ONE_DAY
        reach = self._reach()
        hosts = await self._hosts(lo_read, hi_read, now, holder=holder, margin=reach)
        # One engine call for the day and, where it has no start before or after the
        # candidate, the day either side: the read covers them as their own slot queries would.
        ex = self._run(
            explain,
            hosts,
            start,
            now,
            zone=booker_time_zone,
            day_time_zone=day_time_zone,
            search_days=1,
        )
        ex = await self._with_choice(ex)
        if ex.before is not None and ex.after is not None:
            return ex
        # Each side still missing reads only its own busy time, for the rest of the week.
        before, after = ex.before, ex.after
        zones = {"zone": booker_time_zone, "day_time_zone": day_time_zone}
        span = timedelta(days=SEARCH_DAYS)
        if before is None and lo > now:
            earlier = await self._hosts(lo - span, lo, now, holder=holder, margin=reach)
            before, _ = self._run(
                nearest, earlier, start, now, **zones, days=SEARCH_DAYS, want_after=False
            )
        if after is None:
            later = await self._hosts(hi, hi + span, now, holder=holder, margin=reach)
            _, after = self._run(
                nearest, later, start, now, **zones, days=SEARCH_DAYS, want_before=False
            )
        return replace(ex, before=before, after=after)

    def _reach(self) -> timedelta:
        """How far from a start a booking can be in the way: its own buffer (a day at most)
        plus this event type's. MARGIN assumes both at their cap; an explanation, which reads
        three days, reads only what this event type's buffers need, about what a one-day
        slot query reads."""
        spec = self.spec
        return ONE_DAY + timedelta(minutes=max(spec.before_event_buffer, spec.after_event_buffer))

    async def _with_choice(self, ex: Explanation) -> Explanation:
        """Round robin: who the booking would go to, by the booking's own rule and counts
        (services.round_robin), so the explanation names the host a booking now would get."""
        if self.mode != "round_robin" or not ex.bookable:
            return ex
        try:
            chosen = await choose_hosts(
                self.session, self.spec.id, self.hosts, ex.free_host_ids, self.mode
            )
        except BadRequest:
            return ex
        return replace(ex, chosen_host_id=chosen[0].user_id)

    async def sees_all(self, holder: str | None) -> bool:
        """May the caller see everything that blocks a start (other people's bookings)? The
        hosts, and the admins and owners of the event type's team, as Cal.com lets them see
        the team's bookings."""
        if self.is_host(holder):
            return True
        if holder is None or not holder.startswith("user:") or self.spec.team_id is None:
            return False
        found = await self.session.execute(
            select(Membership.id).where(
                Membership.team_id == self.spec.team_id,
                Membership.user_id == int(holder.removeprefix("user:")),
                Membership.accepted.is_(True),
                Membership.role.in_((MembershipRole.ADMIN.value, MembershipRole.OWNER.value)),
            )
        )
        return found.first() is not None

    def is_host(self, holder: str | None) -> bool:
        """Is the caller (a ``holder`` identity, "user:<id>") one of this event type's hosts?"""
        return holder is not None and holder in {f"user:{uid}" for uid in self.user_ids}

    def host_names(self) -> dict[int, str]:
        """{host user id: the name bookers see}, for explanations' sentences."""
        return {c.user_id: c.host.name or "The host" for c in self.hosts}

    def _run(
        self,
        entry: Callable[..., _R],
        hosts: list[HostAvailability],
        *when: datetime,
        zone: str | None = None,
        **options: Any,
    ) -> _R:
        """The one call into the engine: every entry point sees the same rules, mode and
        length (``options``: an explanation's day zone and search)."""
        return entry(
            self.rules,
            hosts,
            self.mode,
            *when,
            length=self.length,
            booker_time_zone=zone,
            **options,
        )

    async def clearly_taken(self, start: datetime, *, ignore_booking_id: int | None = None) -> bool:
        """Under the hosts' lock: does an active booking block already cover this time?

        The same overlap rule the engine applies (both sides widened by their buffers; blocks
        are stored widened), asked of one index first. When a crowd races for one slot, every
        loser is refused by this lookup instead of a full availability load while holding the
        lock. Seated event types (joining a booking is the point) and round robin (another
        host may be free) take the full check.
        """
        spec = self.spec
        if spec.seats_per_time_slot or self.mode == "round_robin":
            return False
        end = start + timedelta(minutes=self.length)
        query = select(BookingBlock.id).where(
            BookingBlock.user_id.in_(self.user_ids),
            BookingBlock.active.is_(True),
            BookingBlock.block_start < end + timedelta(minutes=spec.after_event_buffer),
            BookingBlock.block_end > start - timedelta(minutes=spec.before_event_buffer),
        )
        if ignore_booking_id is not None:
            query = query.where(BookingBlock.booking_id != ignore_booking_id)
        return (await self.session.execute(query.limit(1))).first() is not None

    async def _hosts(
        self,
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        holder: str | None = None,
        reservation_uid: str | None = None,
        ignore_booking_uid: str | None = None,
        margin: timedelta = MARGIN,
    ) -> list[HostAvailability]:
        """Each host's hours and busy time over [start, end), plus what buffers and limits
        need around it: the one place busy time is gathered.

        Reservations made by ``holder`` (the caller's identity) or the one named by
        ``reservation_uid`` don't block: a reservation only keeps *others* away. ``margin``:
        how far from the range a booking can still be in the way (`_reach`).
        """
        bookings = await self._bookings(start, end, ignore_booking_uid, margin)
        held = await self._reservations(start, end, now, holder, reservation_uid)
        external = await self._calendars(start, end)
        return [
            HostAvailability(
                host_id=ctx.user_id,
                schedule=ctx.schedule,
                bookings=tuple(bookings.get(ctx.user_id, ())),
                held=tuple(held.get(ctx.user_id, ())) + tuple(held.get(None, ())),
                busy=tuple(external.get(ctx.user_id, ())),
                fixed=ctx.host.fixed,
            )
            for ctx in self.hosts
        ]

    async def _calendars(self, start: datetime, end: datetime) -> dict[int, list[Interval]]:
        """{host user id: busy time in their selected connected calendars}, as last read in
        the background (services.calendars); never waits on a calendar server."""
        found = await calendar_busy(self.session, self.user_ids, start - MARGIN, end + MARGIN)
        self.warnings += [w for w in found.warnings if w not in self.warnings]
        return found.busy

    async def _bookings(
        self, start: datetime, end: datetime, ignore_uid: str | None, margin: timedelta
    ) -> dict[int, list[ExistingBooking]]:
        """{host user id: their blocking bookings near the range}."""
        spec = self.spec
        lo, hi = _limit_window(spec, start, end, margin)
        # Core statements on the session's connection: this runs on every slot query, and ORM
        # result processing would cost more than the query itself.
        conn = await self.session.connection()
        bounds = {"user_ids": self.user_ids, "lo": lo, "hi": hi}
        rows = await conn.execute(
            _BOOKINGS, {**bounds, "block_lo": lo - MARGIN, "block_hi": hi + MARGIN}
        )
        # Attendee counts only matter for seats, i.e. for this seated event type's own bookings.
        seats_taken: dict[str, int] = {}
        if spec.seats_per_time_slot:
            seat_rows = await conn.execute(_SEATS_TAKEN, {**bounds, "event_type_id": spec.id})
            seats_taken = {row.uid: int(row.attendees) for row in seat_rows}
        found: dict[int, list[ExistingBooking]] = {}
        # Unpacked by name in select order: a thousand rows per query, and Row attribute
        # access would cost a quarter of the whole slot query.
        for user_id, uid, starts, ends, event_type_id, before, after in rows:
            if uid == ignore_uid:
                continue
            # Positional, in ExistingBooking's field order: keywords cost a third more here.
            found.setdefault(user_id, []).append(
                ExistingBooking(
                    utc_from_raw(starts),
                    utc_from_raw(ends),
                    before or 0,
                    after or 0,
                    uid,
                    event_type_id,
                    seats_taken.get(uid, 1),
                )
            )
        return found

    async def _reservations(
        self,
        start: datetime,
        end: datetime,
        now: datetime,
        holder: str | None,
        reservation_uid: str | None,
    ) -> dict[int | None, list[Hold]]:
        """{host user id, or None for holds on the whole event type: their held time}."""
        conn = await self.session.connection()
        rows = await conn.execute(
            _HOLDS,
            {
                "now": now,
                "lo": start - MARGIN,
                "hi": end + MARGIN,
                "user_ids": self.user_ids,
                "event_type_id": self.spec.id,
                # Nobody's: an empty string is never a holder or a reservation uid.
                "holder": holder or "",
                "reservation_uid": reservation_uid or "",
            },
        )
        held: dict[int | None, list[Hold]] = {}
        for row in rows:
            held.setdefault(row.user_id, []).append(
                Hold(row.slot_start, row.slot_end, row.expires_at)
            )
        return held


# The slot path's statements, built once: building a statement and its cache key each time
# cost more than SQLite took to run it (0.6 ms for the bookings union alone).
_RAW_COLUMNS = (
    Booking.uid,
    type_coerce(Booking.start_time, RawTime()),
    type_coerce(Booking.end_time, RawTime()),
    Booking.event_type_id,
    EventType.before_event_buffer,
    EventType.after_event_buffer,
)


def _in_range() -> tuple[Any, ...]:
    return (
        Booking.user_id.in_(bindparam("user_ids", expanding=True)),
        Booking.status.in_(BLOCKING_STATUSES),
        Booking.start_time < bindparam("hi"),
        Booking.end_time > bindparam("lo"),
    )


_BOOKINGS = union_all(
    select(Booking.user_id, *_RAW_COLUMNS)
    .outerjoin(EventType, EventType.id == Booking.event_type_id)
    .where(*_in_range()),
    # A collective or round-robin booking with fixed hosts is one row under its organizer
    # and holds a block on each other host's calendar: those hosts are busy then too. One
    # round trip for both.
    select(BookingBlock.user_id, *_RAW_COLUMNS)
    .join(Booking, Booking.id == BookingBlock.booking_id)
    .outerjoin(EventType, EventType.id == Booking.event_type_id)
    .where(
        BookingBlock.user_id.in_(bindparam("user_ids", expanding=True)),
        BookingBlock.active.is_(True),
        BookingBlock.block_start < bindparam("block_hi"),
        BookingBlock.block_end > bindparam("block_lo"),
        BookingBlock.user_id != Booking.user_id,
        Booking.status.in_(BLOCKING_STATUSES),
        Booking.start_time < bindparam("hi"),
        Booking.end_time > bindparam("lo"),
    ),
)
_SEATS_TAKEN = (
    select(Booking.uid, func.count(Attendee.id).label("attendees"))
    .join(Attendee, Attendee.booking_id == Booking.id)
    .where(*_in_range(), Booking.event_type_id == bindparam("event_type_id"))
    .group_by(Booking.uid)
)
# Reservations made by the caller (``holder``) or the one being moved (``reservation_uid``)
# don't block: a reservation only keeps *others* away.
_HOLDS = (
    select(
        SlotReservation.user_id,
        SlotReservation.slot_start,
        SlotReservation.slot_end,
        SlotReservation.expires_at,
    )
    .join(EventType, EventType.id == SlotReservation.event_type_id)
    .where(
        SlotReservation.expires_at > bindparam("now"),
        SlotReservation.slot_start < bindparam("hi"),
        SlotReservation.slot_end > bindparam("lo"),
        or_(
            SlotReservation.user_id.in_(bindparam("user_ids", expanding=True)),
            and_(
                SlotReservation.user_id.is_(None),
                EventType.id == bindparam("event_type_id"),
            ),
        ),
        or_(SlotReservation.holder.is_(None), SlotReservation.holder != bindparam("holder")),
        SlotReservation.uid != bindparam("reservation_uid"),
    )
)


def _rules(spec: SchedulingSpec, week_start: str) -> EventRules:
    return EventRules(
        length=spec.length,
        slot_interval=spec.slot_interval,
        minimum_booking_notice=spec.minimum_booking_notice,
        before_buffer=spec.before_event_buffer,
        after_buffer=spec.after_event_buffer,
        period=Period(
            kind=spec.period_type,
            days=spec.period_days,
            # Cal.com counts calendar days unless told otherwise.
            calendar_days=spec.period_count_calendar_days is not False,
            start_date=spec.period_start_date,
            end_date=spec.period_end_date,
        ),
        booking_limits=dict(spec.booking_limits or {}),
        duration_limits=dict(spec.duration_limits or {}),
        only_show_first_available_slot=spec.only_show_first_available_slot,
        seats_per_slot=spec.seats_per_time_slot,
        # Week-based limits count weeks as the first host's settings say (Cal.com: the
        # organizer).
        week_start=week_start,
        event_type_id=spec.id,
    )


def _mode(spec: SchedulingSpec) -> str:
    if spec.scheduling_type == "ROUND_ROBIN":
        return "round_robin"
    if spec.scheduling_type == "COLLECTIVE":
        return "collective"
    return "single"


def _length(spec: SchedulingSpec, duration: int | None, field: str) -> int:
    if duration is None:
        return spec.length
    if duration not in spec.length_options:
        raise BadRequest(f"{field}: {duration} is not one of this event type's durations")
    return duration


def _limit_window(
    et: SchedulingSpec, start: datetime, end: datetime, margin: timedelta
) -> tuple[datetime, datetime]:
    keys = set(et.booking_limits or {}) | set(et.duration_limits or {})
    if not keys:
        return start - margin, end + margin
    # Period limits need every booking in the periods the range touches.
    span = {"PER_DAY": 2, "PER_WEEK": 8, "PER_MONTH": 32, "PER_YEAR": 367}
    days = max(span.get(k, 2) for k in keys)
    return start - timedelta(days=days), end + timedelta(days=days)
