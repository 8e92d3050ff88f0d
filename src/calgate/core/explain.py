"""Why a start can or cannot be booked: every rule that blocks it, per host, and the nearest
starts that can be.

Pure, like the rest of the engine, and built from the same pieces: ``bookable`` is
``check_booking``'s answer, each host's blockers come from ``_HostView``'s own tests (the same
window, hours, busy time and limits its verdict reads), and ``offered`` and the nearest starts
come from ``compute_slots``. So an explanation can't disagree with the slot list or the booking
check: tests/core/test_explain.py checks that over random schedules.

Codes (stable; ``details`` keys in camelCase as they go on the wire):
- ``minimum_booking_notice``: the start is before now + the notice (``earliest``,
  ``noticeMinutes``; ``inThePast`` when it has already begun). Event-wide: no host.
- ``booking_window``: outside the host's booking window (``windowStart``/``windowEnd``).
- ``outside_working_hours``: not inside the host's hours (``date``, the host's ``windows`` that
  day, ``hostTimeZone``).
- ``date_override``: as above on a date whose hours an override replaces (``dayOff`` if none).
- ``busy_booking``: an existing booking overlaps (``bookingUid``, ``bookingStart``,
  ``bookingEnd``: the host's eyes only).
- ``buffer_before`` / ``buffer_after``: a booking ends too soon before / starts too soon after,
  given this event type's buffer and the neighbour's own (``minutes`` needed, the neighbour).
- ``reserved``: another booker holds this time (``heldUntil``).
- ``seats_full``: the seated booking at this start has no seat left (``seats``).
- ``booking_limit`` / ``duration_limit``: a per-day/week/month/year limit is used up
  (``period``, ``used``, ``allowed``; minutes for durations, with ``requested``).
- ``busy_calendar``: busy time from a connected calendar (``busyStart``/``busyEnd``); emitted
  once calendars feed ``HostAvailability.busy``.
- ``recurring_occurrence``: a recurring booking's refusal names the occurrence that fails
  (``occurrence``, ``occurrences``, ``start``) ahead of its own reasons; built by
  services/recurring.py, never by ``explain`` (which weighs one start).
- ``not_on_slot_grid``: informational, never blocking: the start is bookable (a booking need
  not be on the grid, as in Cal.com) but the booker's day of slots doesn't offer it
  (``offered``: the nearest offered starts that day).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from calgate.core.limits import UNITS
from calgate.core.schedule import local_date, local_instant
from calgate.core.slots import (
    MODES,
    EventRules,
    HostAvailability,
    _decide,
    _earliest,
    _Grids,
    _HostView,
    _refused_early,
    _verdicts,
    _views,
)
from calgate.core.timezones import zone

# Codes a caller can act on; not_on_slot_grid only informs.
BLOCKING = frozenset(
    {
        "minimum_booking_notice",
        "booking_window",
        "outside_working_hours",
        "date_override",
        "busy_booking",
        "busy_calendar",
        "buffer_before",
        "buffer_after",
        "reserved",
        "seats_full",
        "booking_limit",
        "duration_limit",
        "recurring_occurrence",
    }
)
CODES = BLOCKING | {"not_on_slot_grid"}
# Detail keys about other people's bookings: shown to the host only.
PRIVATE = frozenset({"bookingUid", "bookingStart", "bookingEnd", "neighbourStart", "neighbourEnd"})
# How far either side of the start's day the nearest bookable starts are looked for.
SEARCH_DAYS = 7


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    host_id: int | None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING


@dataclass(frozen=True, slots=True)
class Explanation:
    bookable: bool
    # Offered by a slot query for the booker's local day of ``start`` (GET /v2/slots with
    # start=end=that date and the same timeZone).
    offered: bool
    start: datetime
    end: datetime
    reasons: tuple[Reason, ...]
    # Hosts that could take the booking (none if it is not bookable).
    free_host_ids: tuple[int, ...]
    host_ids: tuple[int, ...]
    before: datetime | None = None
    after: datetime | None = None
    # The engine's own refusal code (check_booking's reason), for callers that need it.
    decision_reason: str = ""
    # Round robin: the host the booking would go to (by the booking's own rule, which needs
    # the booking counts: set by the caller that has them), with the fixed hosts it brings.
    chosen_host_id: int | None = None
    fixed_host_ids: tuple[int, ...] = ()

    @property
    def blocked_by(self) -> tuple[int, ...]:
        """Hosts with a rule in the way of this start (collective: who blocks it)."""
        ids = {r.host_id for r in self.reasons if r.blocking and r.host_id is not None}
        return tuple(h for h in self.host_ids if h in ids)


def explain(
    rules: EventRules,
    hosts: Sequence[HostAvailability],
    mode: str,
    start: datetime,
    now: datetime,
    *,
    length: int | None = None,
    booker_time_zone: str | None = None,
    day_time_zone: str | None = None,
    search_days: int = 0,
) -> Explanation:
    """Why a booking of ``length`` minutes at ``start`` is (not) bookable.

    ``booker_time_zone`` is passed to the engine as slot queries and booking checks get it
    (None: grids on the host's clock); ``day_time_zone`` names whose calendar day the slots are
    compared with (default: the booker's, else UTC, as GET /v2/slots reads a bare date). The
    nearest starts are searched on that day, then on up to ``search_days`` days either side
    where it has none (``hosts`` must hold those days' busy time); ``nearest`` searches
    further on other data.

    Each host's view (hours, busy index, limits) is built once and serves the booking check,
    the reasons and every day's slots, as ``check_booking`` and ``compute_slots`` would each
    build it from the same ``hosts``.
    """
    if mode not in MODES:
        raise ValueError(f"unknown scheduling mode {mode!r}")
    length = length or rules.length
    end = start + timedelta(minutes=length)
    earliest = _earliest(rules, now)
    views = _views(rules, hosts, now)
    verdicts = _verdicts(views, mode, start, end, earliest)
    decision = _refused_early(rules, hosts, start, now, booker_time_zone)
    if decision is None:
        decision = _decide(verdicts, mode)
    reasons: list[Reason] = []
    if start < earliest:
        reasons.append(
            Reason(
                "minimum_booking_notice",
                None,
                {
                    "earliest": earliest,
                    "noticeMinutes": rules.minimum_booking_notice,
                    "inThePast": start < now,
                },
            )
        )
    for v, verdict in verdicts:
        # A host free at this start has nothing in its way: the verdict and the reasons test
        # the same rules (tests/core/test_explain.py holds them to it), the verdict cheaper.
        if not verdict.ok:
            reasons.extend(_host_reasons(v, rules, start, end, earliest))
    tz = day_time_zone or booker_time_zone or "UTC"
    home = local_date(start, tz)
    lo, hi = local_instant(home, 0, tz), local_instant(home, 1440, tz)
    grids = _Grids(views, rules, mode, now, length, booker_time_zone)
    offered, before, after = grids.around(lo, hi, start)
    if decision.ok and not offered:
        near = [s for s in (before, after) if s is not None]
        reasons.append(Reason("not_on_slot_grid", None, {"offered": near}))
    if search_days and (before is None or after is None):
        found = _search(
            grids, home, tz, search_days, want_before=before is None, want_after=after is None
        )
        before = found[0] if before is None else before
        after = found[1] if after is None else after
    if not decision.ok and not any(r.blocking for r in reasons):
        # Every rule check_booking applies is named above; should one ever slip through, the
        # refusal still says which rule fired rather than claiming nothing blocks.
        reasons.append(Reason(decision.reason, None, {}))
    return Explanation(
        bookable=decision.ok,
        offered=offered,
        start=start,
        end=end,
        reasons=tuple(reasons),
        free_host_ids=decision.host_ids,
        host_ids=tuple(v.host_id for v, _ in verdicts),
        before=before,
        after=after,
        decision_reason=decision.reason,
        fixed_host_ids=tuple(v.host_id for v, _ in verdicts if v.fixed and mode == "round_robin"),
    )


def nearest(
    rules: EventRules,
    hosts: Sequence[HostAvailability],
    mode: str,
    start: datetime,
    now: datetime,
    *,
    length: int | None = None,
    booker_time_zone: str | None = None,
    day_time_zone: str | None = None,
    days: int = SEARCH_DAYS,
    want_before: bool = True,
    want_after: bool = True,
) -> tuple[datetime | None, datetime | None]:
    """The offered starts nearest ``start`` on the days around its own (up to ``days`` each
    way), one day's slot query at a time, stopping as soon as each side is found."""
    if mode not in MODES:
        raise ValueError(f"unknown scheduling mode {mode!r}")
    tz = day_time_zone or booker_time_zone or "UTC"
    grids = _Grids(
        _views(rules, hosts, now), rules, mode, now, length or rules.length, booker_time_zone
    )
    return _search(
        grids, local_date(start, tz), tz, days, want_before=want_before, want_after=want_after
    )


def _search(
    grids: _Grids, home: date, tz: str, days: int, *, want_before: bool, want_after: bool
) -> tuple[datetime | None, datetime | None]:
    """``nearest`` on grids already built."""
    before: datetime | None = None
    after: datetime | None = None

    def day_around(day: date, at_end: bool) -> tuple[bool, datetime | None, datetime | None]:
        lo, hi = local_instant(day, 0, tz), local_instant(day, 1440, tz)
        at = hi if at_end else lo
        return grids.around(lo, hi, at)

    for step in range(1, days + 1):
        if want_before and before is None:
            day = home - timedelta(days=step)
            if local_instant(day, 1440, tz) > grids.now:
                # The day's last start: the nearest before its end.
                before = day_around(day, at_end=True)[1]
        if want_after and after is None:
            day = home + timedelta(days=step)
            # The day's first start: its very beginning, else the nearest after it.
            hit, _, later = day_around(day, at_end=False)
            after = local_instant(day, 0, tz) if hit else later
        if (before is not None or not want_before) and (after is not None or not want_after):
            break
    return before, after


def _host_reasons(
    v: _HostView, rules: EventRules, start: datetime, end: datetime, earliest: datetime
) -> list[Reason]:
    """Every rule of ``v.verdict`` that [start, end) breaks for this host, in its order."""
    host = v.host_id
    found: list[Reason] = []
    if not v.bounds.admits(start):
        found.append(
            Reason("booking_window", host, {"windowStart": v.bounds.lo, "windowEnd": v.bounds.hi})
        )
    if not v.in_hours(start, end, earliest):
        found.append(_hours_reason(v, start, end))
    seats = rules.seats_per_slot or 0
    for c in v.conflicts(start, end):
        b = c.booking
        if c.kind == "hold" and c.hold is not None:
            found.append(
                Reason("reserved", host, {"heldUntil": c.hold.until, "heldStart": c.hold.start})
            )
        elif c.kind == "busy":
            found.append(
                Reason(
                    "busy_calendar",
                    host,
                    {"busyStart": c.interval.start, "busyEnd": c.interval.end},
                )
            )
        elif b is not None:
            found.append(_booking_reason(v, rules, seats, b, start, end))
    for breach in v.limit_breaches(start, end):
        details: dict[str, Any] = {
            "period": UNITS[breach.key],
            "used": breach.used,
            "allowed": breach.allowed,
        }
        if breach.kind == "duration_limit":
            details["requested"] = int((end - start).total_seconds() // 60)
        found.append(Reason(breach.kind, host, details))
    return found


def _booking_reason(
    v: _HostView,
    rules: EventRules,
    seats: int,
    b: Any,
    start: datetime,
    end: datetime,
) -> Reason:
    host = v.host_id
    mine = rules.event_type_id is None or b.event_type_id == rules.event_type_id
    if seats and mine and b.start == start and b.end == end and b.attendees_count >= seats:
        return Reason("seats_full", host, {"seats": seats, "bookingUid": b.uid})
    if b.start < end and start < b.end:
        return Reason(
            "busy_booking",
            host,
            {"bookingUid": b.uid, "bookingStart": b.start, "bookingEnd": b.end},
        )
    if b.end <= start:
        return Reason(
            "buffer_before",
            host,
            {
                "minutes": rules.before_buffer + b.after_buffer,
                "bookingUid": b.uid,
                "neighbourEnd": b.end,
            },
        )
    return Reason(
        "buffer_after",
        host,
        {
            "minutes": rules.after_buffer + b.before_buffer,
            "bookingUid": b.uid,
            "neighbourStart": b.start,
        },
    )


def _hours_reason(v: _HostView, start: datetime, end: datetime) -> Reason:
    hours = v.hours
    tz = hours.time_zone
    day = local_date(start, tz)
    override = hours.override(day)
    last = local_date(end - timedelta(microseconds=1), tz)
    if override is None and last != day and hours.override(last) is not None:
        day, override = last, hours.override(last)
    windows = [{"start": w.start, "end": w.end} for w in hours.day(day)]
    details: dict[str, Any] = {"date": day.isoformat(), "windows": windows, "hostTimeZone": tz}
    if override is not None:
        details["dayOff"] = not override
        return Reason("date_override", v.host_id, details)
    return Reason("outside_working_hours", v.host_id, details)


# ---- presentation: one sentence per reason, in the caller's zone ----------------------------


def present(
    ex: Explanation,
    *,
    time_zone: str,
    names: Mapping[int, str] | None = None,
    reveal: bool = False,
) -> dict[str, Any]:
    """The explanation as the API sends it; ``reveal`` shows other people's bookings (the
    host's own view), else they are just "busy"."""
    return {
        "bookable": ex.bookable,
        "offered": ex.offered,
        "start": _iso(ex.start, time_zone),
        "end": _iso(ex.end, time_zone),
        "reasons": present_reasons(ex, time_zone=time_zone, names=names, reveal=reveal),
        "hosts": [_host(ex, h) for h in ex.host_ids],
        # Teams: who is in the way (collective: any of them blocks the start) and, for round
        # robin, who the booking would go to (null when nobody could take it).
        "blockedBy": list(ex.blocked_by),
        "chosenHostId": ex.chosen_host_id,
        "nearest": {
            "before": _iso(ex.before, time_zone) if ex.before else None,
            "after": _iso(ex.after, time_zone) if ex.after else None,
        },
    }


def _host(ex: Explanation, host_id: int) -> dict[str, Any]:
    item: dict[str, Any] = {"hostId": host_id, "free": host_id in ex.free_host_ids}
    if ex.fixed_host_ids:
        item["mandatory"] = host_id in ex.fixed_host_ids
    if ex.chosen_host_id is not None:
        item["chosen"] = host_id == ex.chosen_host_id or host_id in ex.fixed_host_ids
    return item


def present_reasons(
    ex: Explanation,
    *,
    time_zone: str,
    names: Mapping[int, str] | None = None,
    reveal: bool = False,
) -> list[dict[str, Any]]:
    length = int((ex.end - ex.start).total_seconds() // 60)
    out = []
    for r in ex.reasons:
        name = (names or {}).get(r.host_id, "The host") if r.host_id is not None else "The host"
        item: dict[str, Any] = {
            "code": r.code,
            "hostId": r.host_id,
            "blocking": r.blocking,
            "message": _message(r, ex.start, length, time_zone, name, reveal),
        }
        for key, value in r.details.items():
            if key in PRIVATE and not reveal:
                continue
            item[key] = _wire(value, time_zone)
        out.append(item)
    return out


def _wire(value: Any, tz: str) -> Any:
    if isinstance(value, datetime):
        return _iso(value, tz)
    if isinstance(value, list):
        return [_wire(v, tz) for v in value]
    if isinstance(value, dict):
        return {k: _wire(v, tz) for k, v in value.items()}
    return value


def _iso(moment: datetime, tz: str) -> str:
    return moment.astimezone(zone(tz)).isoformat(timespec="milliseconds")


def _day(moment: datetime, tz: str) -> str:
    local = moment.astimezone(zone(tz))
    return f"{local:%A} {local.day} {local:%b}"


def _hm(moment: datetime, tz: str) -> str:
    return f"{moment.astimezone(zone(tz)):%H:%M}"


def _when(moment: datetime, tz: str) -> str:
    return f"{_day(moment, tz)} {_hm(moment, tz)} {tz}"


def _message(r: Reason, start: datetime, length: int, tz: str, name: str, reveal: bool) -> str:
    d = r.details
    end = start + timedelta(minutes=length)
    meeting = f"a {length}-minute meeting at {_hm(start, tz)}"
    possessive = f"{name}'" if name.endswith("s") else f"{name}'s"
    if r.code == "minimum_booking_notice":
        if d.get("inThePast"):
            earliest = _when(d["earliest"], tz)
            return f"{_when(start, tz)} is in the past; the earliest start is {earliest}."
        notice = max(int(d.get("noticeMinutes") or 0), 1)
        return (
            f"Bookings need {notice} minutes' notice, so the earliest start is "
            f"{_when(d['earliest'], tz)}."
        )
    if r.code == "booking_window":
        if d.get("windowStart") is not None and start < d["windowStart"]:
            return f"This event type can't be booked before {_when(d['windowStart'], tz)}."
        return f"This event type can only be booked up to {_when(d['windowEnd'], tz)}."
    if r.code in ("outside_working_hours", "date_override"):
        return _hours_message(r, start, end, length, tz, possessive, name)
    if r.code == "busy_booking":
        if reveal and "bookingStart" in d:
            return (
                f"{name} already has a booking from {_hm(d['bookingStart'], tz)} to "
                f"{_hm(d['bookingEnd'], tz)} {tz} on {_day(d['bookingStart'], tz)}."
            )
        return f"{name} is busy at {_hm(start, tz)} {tz} on {_day(start, tz)}."
    if r.code == "buffer_before":
        said = f", which ends at {_hm(d['neighbourEnd'], tz)} {tz}" if reveal else ""
        return (
            f"{name} needs {d['minutes']} minutes free after their previous meeting{said}, "
            f"so {meeting} is too soon."
        )
    if r.code == "buffer_after":
        said = f", which starts at {_hm(d['neighbourStart'], tz)} {tz}" if reveal else ""
        return (
            f"{name} needs {d['minutes']} minutes free before their next meeting{said}; "
            f"{meeting} would end at {_hm(end, tz)}."
        )
    if r.code == "reserved":
        until = d.get("heldUntil")
        tail = f" until {_hm(until, tz)} {tz}" if until is not None else ""
        return f"Someone else is holding this time{tail} while they book it."
    if r.code == "seats_full":
        return f"All {d['seats']} seats at {_hm(start, tz)} {tz} on {_day(start, tz)} are taken."
    if r.code == "booking_limit":
        noun = "booking" if d["allowed"] == 1 else "bookings"
        return (
            f"{name} has reached the limit of {d['allowed']} {noun} of this event type per "
            f"{d['period']} ({d['used']} booked)."
        )
    if r.code == "duration_limit":
        return (
            f"{name} has {d['used']} of {d['allowed']} minutes per {d['period']} of this event "
            f"type booked; {meeting} would go over."
        )
    if r.code == "busy_calendar":
        return (
            f"{possessive} calendar is busy from {_hm(d['busyStart'], tz)} to "
            f"{_hm(d['busyEnd'], tz)} {tz}."
        )
    if r.code == "not_on_slot_grid":
        near = ", ".join(_hm(s, tz) for s in d.get("offered", ()))
        tail = f"; the nearest offered starts are {near}" if near else ""
        return f"{_hm(start, tz)} can be booked but isn't one of the offered starts{tail}."
    return f"{_when(start, tz)} is not available."


def _hours_message(
    r: Reason, start: datetime, end: datetime, length: int, tz: str, possessive: str, name: str
) -> str:
    d = r.details
    windows = [(w["start"], w["end"]) for w in d.get("windows", ())]
    day = _day(start, tz)
    if not windows:
        if r.code == "date_override":
            return f"{name} has taken {day} off."
        return f"{name} has no working hours on {day}."
    meeting = f"a {length}-minute meeting at {_hm(start, tz)}"
    kind = "changed hours" if r.code == "date_override" else "working hours"
    for lo, hi in windows:
        if lo <= start < hi:
            return (
                f"{possessive} {kind} on {day} end at {_hm(hi, tz)} {tz}; "
                f"{meeting} would end at {_hm(end, tz)}."
            )
    spans = ", ".join(f"{_hm(lo, tz)}-{_hm(hi, tz)}" for lo, hi in windows)
    return f"{possessive} {kind} on {day} are {spans} {tz}; {meeting} is outside them."
