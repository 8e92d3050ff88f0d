"""Explanations: each code with concrete times in two zones on both sides of their autumn DST
change, team modes, the nearest starts, and properties tying explanations to the slot list and
the booking check."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from calgate.core import (
    DateOverride,
    EventRules,
    ExistingBooking,
    Explanation,
    Hold,
    HostAvailability,
    Interval,
    Period,
    Schedule,
    WeeklyWindow,
    check_booking,
    compute_slots,
    explain,
    nearest,
    present,
)
from calgate.core.explain import CODES, _host_reasons
from calgate.core.slots import _earliest, _views

WEEKDAYS = frozenset({1, 2, 3, 4, 5})
# (zone, a Friday before its 2026 autumn DST change, the Monday after it)
ZONES = [
    ("Europe/Lisbon", date(2026, 10, 23), date(2026, 10, 26)),
    ("America/New_York", date(2026, 10, 30), date(2026, 11, 2)),
]
DAYS = [(tz, d) for tz, before, after in ZONES for d in (before, after)]
ET = 7


def at(day: date, h: int, m: int = 0, tz: str = "UTC") -> datetime:
    return datetime.combine(day, time(h, m), ZoneInfo(tz)).astimezone(UTC)


def host(
    tz: str,
    *,
    overrides: tuple[DateOverride, ...] = (),
    bookings: tuple[ExistingBooking, ...] = (),
    busy: tuple[Interval, ...] = (),
    held: tuple[Hold, ...] = (),
    host_id: int = 1,
) -> HostAvailability:
    weekly = (WeeklyWindow(WEEKDAYS, 540, 1020),)
    return HostAvailability(host_id, Schedule(tz, weekly, overrides), bookings, busy, held)


def booking(uid: str, start: datetime, minutes: int, **kw: int) -> ExistingBooking:
    return ExistingBooking(
        start, start + timedelta(minutes=minutes), uid=uid, event_type_id=ET, **kw
    )


def why(
    rules: EventRules,
    hosts: list[HostAvailability],
    start: datetime,
    now: datetime,
    mode: str = "single",
    tz: str | None = None,
) -> Explanation:
    return explain(rules, hosts, mode, start, now, booker_time_zone=tz)


def codes(ex: Explanation) -> list[str]:
    return [r.code for r in ex.reasons]


def one(ex: Explanation, code: str) -> dict[str, object]:
    [found] = [dict(r.details) for r in ex.reasons if r.code == code]
    return found


RULES = EventRules(length=30, event_type_id=ET)


def the_day_before(day: date) -> datetime:
    return at(day - timedelta(days=1), 0)


@pytest.mark.parametrize(("tz", "day"), DAYS)
def test_outside_working_hours_names_the_local_window(tz: str, day: date) -> None:
    start = at(day, 16, 45, tz)
    ex = why(RULES, [host(tz)], start, the_day_before(day), tz=tz)
    assert not ex.bookable
    assert codes(ex) == ["outside_working_hours"]
    details = one(ex, "outside_working_hours")
    # 09:00-17:00 local, whatever the UTC offset that day.
    assert details["windows"] == [{"start": at(day, 9, 0, tz), "end": at(day, 17, 0, tz)}]
    [reason] = present(ex, time_zone=tz, names={1: "Ana"})["reasons"]
    weekday = f"{at(day, 12, 0, tz).astimezone(ZoneInfo(tz)):%A} {day.day} {day:%b}"
    assert reason["message"] == (
        f"Ana's working hours on {weekday} end at 17:00 {tz}; "
        "a 30-minute meeting at 16:45 would end at 17:15."
    )


def test_messages_speak_the_callers_zone() -> None:
    day = date(2026, 11, 2)  # New York is back on EST (UTC-5), Lisbon on WET (UTC+0)
    ex = why(RULES, [host("Europe/Lisbon")], at(day, 16, 45, "Europe/Lisbon"), at(day, 0))
    [reason] = present(ex, time_zone="America/New_York", names={1: "Ana"})["reasons"]
    assert "end at 12:00 America/New_York" in reason["message"]
    assert "meeting at 11:45 would end at 12:15" in reason["message"]
    assert reason["windows"][0]["end"] == "2026-11-02T12:00:00.000-05:00"


@pytest.mark.parametrize(("tz", "day"), DAYS)
def test_date_override_hours_and_day_off(tz: str, day: date) -> None:
    short = host(tz, overrides=(DateOverride(day, 780, 840),))
    ex = why(RULES, [short], at(day, 10, 0, tz), the_day_before(day))
    details = one(ex, "date_override")
    assert details["dayOff"] is False
    assert details["windows"] == [{"start": at(day, 13, 0, tz), "end": at(day, 14, 0, tz)}]
    off = host(tz, overrides=(DateOverride(day, 0, 0),))
    ex = why(RULES, [off], at(day, 10, 0, tz), the_day_before(day))
    assert one(ex, "date_override")["dayOff"] is True
    assert "has taken" in present(ex, time_zone=tz)["reasons"][0]["message"]


@pytest.mark.parametrize(("tz", "day"), DAYS)
def test_minimum_notice_gives_the_earliest_start(tz: str, day: date) -> None:
    rules = replace(RULES, minimum_booking_notice=120)
    now = at(day, 9, 0, tz)
    ex = why(rules, [host(tz)], at(day, 10, 0, tz), now)
    details = one(ex, "minimum_booking_notice")
    assert details["earliest"] == at(day, 11, 0, tz)
    assert details["inThePast"] is False
    assert ex.after == at(day, 11, 0, tz)
    past = why(rules, [host(tz)], at(day, 8, 0, tz), now)
    assert one(past, "minimum_booking_notice")["inThePast"] is True
    # The past is also outside the hours: every blocker is named, not just the first.
    assert codes(past) == ["minimum_booking_notice", "outside_working_hours"]


@pytest.mark.parametrize(("tz", "day"), DAYS)
def test_booking_window_end(tz: str, day: date) -> None:
    last = day - timedelta(days=1)
    rules = replace(RULES, period=Period(kind="RANGE", end_date=last))
    ex = why(rules, [host(tz)], at(day, 10, 0, tz), at(day - timedelta(days=5), 0))
    assert codes(ex) == ["booking_window"]
    assert one(ex, "booking_window")["windowEnd"] == at(day, 0, 0, tz)


@pytest.mark.parametrize(("tz", "day"), DAYS)
def test_every_overlapping_booking_and_the_buffers(tz: str, day: date) -> None:
    rules = replace(RULES, before_buffer=15, after_buffer=10)
    bookings = (
        booking("early", at(day, 9, 0, tz), 50),  # ends 09:50: inside the 15-minute buffer
        booking("mid", at(day, 10, 10, tz), 10),  # overlaps 10:00-10:30
        booking("late", at(day, 10, 35, tz), 30),  # starts within the 10-minute buffer
    )
    ex = why(rules, [host(tz, bookings=bookings)], at(day, 10, 0, tz), the_day_before(day))
    assert codes(ex) == ["buffer_before", "busy_booking", "buffer_after"]
    assert one(ex, "buffer_before") == {
        "minutes": 15,
        "bookingUid": "early",
        "neighbourEnd": at(day, 9, 50, tz),
    }
    assert one(ex, "busy_booking")["bookingUid"] == "mid"
    assert one(ex, "buffer_after")["neighbourStart"] == at(day, 10, 35, tz)
    # The neighbour's own buffer counts too.
    padded = host(tz, bookings=(booking("pad", at(day, 9, 0, tz), 55, after_buffer=10),))
    ex = why(RULES, [padded], at(day, 10, 0, tz), the_day_before(day))
    assert one(ex, "buffer_before")["minutes"] == 10


@pytest.mark.parametrize(("tz", "day"), DAYS)
def test_reserved_and_calendar_busy(tz: str, day: date) -> None:
    until = at(day, 8, 5, tz)
    h = host(
        tz,
        held=(Hold(at(day, 10, 0, tz), at(day, 10, 30, tz), until),),
        busy=(Interval(at(day, 10, 15, tz), at(day, 11, 0, tz)),),
    )
    ex = why(RULES, [h], at(day, 10, 0, tz), the_day_before(day))
    assert codes(ex) == ["reserved", "busy_calendar"]
    assert one(ex, "reserved")["heldUntil"] == until
    assert one(ex, "busy_calendar")["busyEnd"] == at(day, 11, 0, tz)


@pytest.mark.parametrize(("tz", "day"), DAYS)
def test_seats_full_and_seats_left(tz: str, day: date) -> None:
    rules = replace(RULES, seats_per_slot=2)
    start = at(day, 10, 0, tz)
    full = host(tz, bookings=(booking("s", start, 30, attendees_count=2),))
    ex = why(rules, [full], start, the_day_before(day))
    assert codes(ex) == ["seats_full"]
    assert one(ex, "seats_full")["seats"] == 2
    room = host(tz, bookings=(booking("s", start, 30, attendees_count=1),))
    assert why(rules, [room], start, the_day_before(day)).bookable


@pytest.mark.parametrize(("tz", "day"), DAYS)
def test_booking_and_duration_limits_both_reported(tz: str, day: date) -> None:
    rules = replace(RULES, booking_limits={"PER_DAY": 1}, duration_limits={"PER_WEEK": 40})
    h = host(tz, bookings=(booking("x", at(day, 14, 0, tz), 30),))
    ex = why(rules, [h], at(day, 10, 0, tz), the_day_before(day))
    assert codes(ex) == ["booking_limit", "duration_limit"]
    assert one(ex, "booking_limit") == {"period": "day", "used": 1, "allowed": 1}
    assert one(ex, "duration_limit") == {
        "period": "week",
        "used": 30,
        "allowed": 40,
        "requested": 30,
    }


@pytest.mark.parametrize(("tz", "day"), DAYS)
def test_off_grid_start_is_bookable_but_not_offered(tz: str, day: date) -> None:
    ex = why(RULES, [host(tz)], at(day, 10, 7, tz), the_day_before(day), tz=tz)
    assert ex.bookable
    assert not ex.offered
    assert codes(ex) == ["not_on_slot_grid"]
    assert one(ex, "not_on_slot_grid")["offered"] == [at(day, 10, 0, tz), at(day, 10, 30, tz)]
    assert not ex.reasons[0].blocking
    on_grid = why(RULES, [host(tz)], at(day, 10, 30, tz), the_day_before(day), tz=tz)
    assert on_grid.bookable
    assert on_grid.offered
    assert not on_grid.reasons


@pytest.mark.parametrize(("tz", "day"), DAYS)
def test_nearest_starts_around_a_busy_afternoon(tz: str, day: date) -> None:
    h = host(tz, bookings=(booking("pm", at(day, 13, 0, tz), 120),))
    ex = why(RULES, [h], at(day, 14, 0, tz), the_day_before(day), tz=tz)
    assert (ex.before, ex.after) == (at(day, 12, 30, tz), at(day, 15, 0, tz))


def test_nearest_looks_across_days_and_across_the_dst_change() -> None:
    tz, friday, monday = ZONES[0]
    # Friday evening: nothing later that day; the next offered start is Monday 09:00 local,
    # an hour later in UTC than Friday's 09:00 was.
    start = at(friday, 18, 0, tz)
    ex = why(RULES, [host(tz)], start, the_day_before(friday), tz=tz)
    assert ex.after is None
    assert ex.before == at(friday, 16, 30, tz)
    _, after = nearest(
        RULES, [host(tz)], "single", start, the_day_before(friday), booker_time_zone=tz
    )
    assert after == at(monday, 9, 0, tz)
    assert after.hour == 9
    assert at(friday, 9, 0, tz).hour == 8


def test_collective_names_who_blocks_and_round_robin_who_is_free() -> None:
    tz, _, day = ZONES[1]
    start = at(day, 10, 0, tz)
    free = host(tz, host_id=1)
    busy = host(tz, host_id=2, bookings=(booking("b", start, 30),))
    ex = why(RULES, [free, busy], start, the_day_before(day), mode="collective")
    assert not ex.bookable
    assert [(r.code, r.host_id) for r in ex.reasons] == [("busy_booking", 2)]
    shown = present(ex, time_zone=tz)
    assert shown["hosts"] == [{"hostId": 1, "free": False}, {"hostId": 2, "free": False}]
    rr = why(RULES, [free, busy], start, the_day_before(day), mode="round_robin")
    assert rr.bookable
    assert rr.free_host_ids == (1,)
    assert present(rr, time_zone=tz)["hosts"] == [
        {"hostId": 1, "free": True},
        {"hostId": 2, "free": False},
    ]


def test_anonymous_callers_see_busy_not_bookings() -> None:
    tz, _, day = ZONES[0]
    h = host(tz, bookings=(booking("secret-uid", at(day, 10, 0, tz), 60),))
    ex = why(RULES, [h], at(day, 10, 15, tz), the_day_before(day))
    [hidden] = present(ex, time_zone=tz, names={1: "Ana"})["reasons"]
    assert "bookingUid" not in hidden
    assert "bookingStart" not in hidden
    assert hidden["message"] == f"Ana is busy at 10:15 {tz} on Monday 26 Oct."
    [shown] = present(ex, time_zone=tz, names={1: "Ana"}, reveal=True)["reasons"]
    assert shown["bookingUid"] == "secret-uid"
    assert shown["bookingStart"] == "2026-10-26T10:00:00.000+00:00"


def test_every_code_is_documented() -> None:
    # The package's ``explain`` (the function) shadows the module's name.
    module = sys.modules["calgate.core.explain"]
    assert module.__doc__ is not None
    for code in CODES:
        assert f"``{code}``" in module.__doc__


# ---- properties -----------------------------------------------------------------------------

PROPERTY_ZONES = ["UTC", "America/New_York", "Europe/Lisbon", "Australia/Lord_Howe"]
# Weeks holding a 2026 DST change of those zones.
WEEKS = [
    datetime(2026, 3, 6, tzinfo=UTC),
    datetime(2026, 3, 27, tzinfo=UTC),
    datetime(2026, 4, 3, tzinfo=UTC),
    datetime(2026, 10, 23, tzinfo=UTC),
    datetime(2026, 10, 30, tzinfo=UTC),
]

Case = tuple[EventRules, HostAvailability, str, datetime, datetime, str | None]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    tz = draw(st.sampled_from(PROPERTY_ZONES))
    week = draw(st.sampled_from(WEEKS))
    weekly = tuple(
        WeeklyWindow(days, s, min(1440, s + n))
        for days, s, n in draw(
            st.lists(
                st.tuples(
                    st.frozensets(st.integers(0, 6), min_size=1),
                    st.integers(0, 1380),
                    st.integers(30, 720),
                ),
                min_size=1,
                max_size=2,
            )
        )
    )
    first = week.astimezone(ZoneInfo(tz)).date()
    overrides = tuple(
        DateOverride(first + timedelta(days=d), s, min(1440, s + n))
        for d, s, n in draw(
            st.lists(
                st.tuples(st.integers(0, 6), st.integers(0, 1380), st.integers(0, 480)),
                max_size=2,
            )
        )
    )
    bookings = tuple(
        ExistingBooking(
            week + timedelta(minutes=m),
            week + timedelta(minutes=m + d),
            bb,
            ab,
            f"b{i}",
            ET if mine else 99,
            seats,
        )
        for i, (m, d, bb, ab, mine, seats) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.integers(0, 7 * 1440),
                        st.sampled_from([15, 30, 60, 120]),
                        st.sampled_from([0, 10]),
                        st.sampled_from([0, 15]),
                        st.booleans(),
                        st.integers(1, 3),
                    ),
                    max_size=10,
                )
            )
        )
    )
    held = tuple(
        Hold(week + timedelta(minutes=m), week + timedelta(minutes=m + 30), week)
        for m in draw(st.lists(st.integers(0, 7 * 1440), max_size=2))
    )
    # Calendar busy time, empty events included (they block nothing).
    busy = tuple(
        Interval(week + timedelta(minutes=m), week + timedelta(minutes=m + n))
        for m, n in draw(
            st.lists(st.tuples(st.integers(0, 7 * 1440), st.sampled_from([0, 45])), max_size=2)
        )
    )
    rules = EventRules(
        length=draw(st.sampled_from([15, 30, 45, 60])),
        slot_interval=draw(st.sampled_from([None, 15, 20])),
        before_buffer=draw(st.sampled_from([0, 10])),
        after_buffer=draw(st.sampled_from([0, 5])),
        minimum_booking_notice=draw(st.sampled_from([0, 90, 600])),
        period=draw(
            st.sampled_from(
                [Period(), Period(kind="ROLLING", days=3), Period(kind="ROLLING_WINDOW", days=2)]
            )
        ),
        booking_limits=draw(st.sampled_from([{}, {"PER_DAY": 1}, {"PER_WEEK": 3}])),
        duration_limits=draw(st.sampled_from([{}, {"PER_DAY": 60}])),
        seats_per_slot=draw(st.sampled_from([None, None, 2])),
        only_show_first_available_slot=draw(st.sampled_from([False, False, False, True])),
        event_type_id=ET,
    )
    h = HostAvailability(1, Schedule(tz, weekly, overrides), bookings, busy, held)
    now = week + timedelta(minutes=draw(st.integers(0, 2 * 1440)))
    start = week + timedelta(minutes=5 * draw(st.integers(0, 7 * 288)))
    booker = draw(st.sampled_from([None, tz, "Asia/Kolkata", "America/New_York"]))
    return rules, h, tz, now, start, booker


def day_slots(
    rules: EventRules,
    h: HostAvailability | list[HostAvailability],
    now: datetime,
    start: datetime,
    booker: str | None,
    mode: str = "single",
) -> list[datetime]:
    """GET /v2/slots for the booker's local day of ``start`` (UTC's when no zone is asked)."""
    tz = ZoneInfo(booker or "UTC")
    day = start.astimezone(tz).date()
    lo = datetime.combine(day, time(), tz).astimezone(UTC)
    hi = datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC)
    hosts = h if isinstance(h, list) else [h]
    got = compute_slots(rules, hosts, mode, lo, hi, now, booker_time_zone=booker)
    return [s.start for s in got]


def assert_nearest_from_the_day(ex: Explanation, offered: list[datetime]) -> None:
    """``offered``/``before``/``after`` are exactly what the day's slot list says about the
    start: in it or not, and its neighbours there."""
    assert ex.offered == (ex.start in offered)
    assert ex.before == max((s for s in offered if s < ex.start), default=None)
    assert ex.after == min((s for s in offered if s > ex.start), default=None)


def without_blockers(
    rules: EventRules, h: HostAvailability, now: datetime, ex: Explanation, start: datetime
) -> tuple[EventRules, HostAvailability, datetime]:
    """The case with exactly the reported blockers taken away."""
    found = {r.code for r in ex.reasons if r.blocking}
    uids = {r.details.get("bookingUid") for r in ex.reasons if "bookingUid" in r.details}
    schedule = h.schedule
    original = schedule
    if found & {"outside_working_hours", "date_override"}:
        schedule = Schedule(schedule.time_zone, (WeeklyWindow(frozenset(range(7)), 0, 1440),))
    h = HostAvailability(
        h.host_id,
        schedule,
        tuple(b for b in h.bookings if b.uid not in uids),
        () if "busy_calendar" in found else h.busy,
        () if "reserved" in found else h.held,
    )
    # A rolling window that counts days with hours ends sooner when every day has hours:
    # widening the hours must not bring in a blocker that wasn't there.
    widened = schedule is not original
    if "booking_window" in found or (widened and rules.period.kind == "ROLLING_WINDOW"):
        rules = replace(rules, period=Period())
    if "booking_limit" in found:
        rules = replace(rules, booking_limits={})
    if "duration_limit" in found:
        rules = replace(rules, duration_limits={})
    if "minimum_booking_notice" in found:
        now = start - timedelta(minutes=rules.minimum_booking_notice + 1)
    return rules, h, now


@settings(max_examples=300, deadline=None)
@given(cases())
def test_explanations_agree_with_slots_and_the_booking_check(case: Case) -> None:
    """``bookable`` is the booking check's answer; a start the booker's day of slots offers is
    bookable with nothing in the way; ``offered`` is exactly "in that day's slots"; a refused
    start names at least one blocking rule, and taking away every blocker it names (and
    nothing else) makes it bookable."""
    rules, h, _, now, start, booker = case
    ex = explain(rules, [h], "single", start, now, booker_time_zone=booker)
    decision = check_booking(rules, [h], "single", start, now, booker_time_zone=booker)
    offered = day_slots(rules, h, now, start, booker)
    assert ex.bookable == decision.ok
    assert ex.offered == (start in offered)
    blocking = [r for r in ex.reasons if r.blocking]
    assert all(r.code in CODES for r in ex.reasons)
    for r in ex.reasons:
        event(r.code)
    if start in offered:
        assert ex.bookable
        assert not ex.reasons
    if ex.bookable:
        assert not blocking
        assert ex.offered or [r.code for r in ex.reasons] == ["not_on_slot_grid"]
    else:
        assert blocking
        rules2, h2, now2 = without_blockers(rules, h, now, ex, start)
        assert check_booking(rules2, [h2], "single", start, now2, booker_time_zone=booker).ok
    assert_nearest_from_the_day(ex, offered)


@settings(max_examples=100, deadline=None)
@given(cases(), st.sampled_from(["collective", "round_robin"]))
def test_team_explanations_agree_with_the_booking_check(case: Case, mode: str) -> None:
    rules, h, tz, now, start, booker = case
    other = HostAvailability(2, Schedule(tz, (WeeklyWindow(WEEKDAYS, 480, 1080),)), h.bookings[::2])
    hosts = [h, other]
    ex = explain(rules, hosts, mode, start, now, booker_time_zone=booker)
    decision = check_booking(rules, hosts, mode, start, now, booker_time_zone=booker)
    assert ex.bookable == decision.ok
    assert ex.free_host_ids == decision.host_ids
    assert_nearest_from_the_day(ex, day_slots(rules, hosts, now, start, booker, mode))
    blocked = {r.host_id for r in ex.reasons if r.blocking and r.host_id is not None}
    event_wide = any(r.blocking and r.host_id is None for r in ex.reasons)
    # Round robin: a host is free exactly when no reason blocks it.
    if mode == "round_robin" and not event_wide:
        assert set(decision.host_ids) == {1, 2} - blocked


@settings(max_examples=150, deadline=None)
@given(cases(), st.sampled_from(["single", "collective", "round_robin"]))
def test_the_days_around_come_from_the_same_views_as_nearest(case: Case, mode: str) -> None:
    """``search_days`` (one engine call, each host's view built once) finds the same nearest
    starts as the day's own answer completed by ``nearest`` on the same data."""
    rules, h, tz, now, start, booker = case
    other = HostAvailability(
        2, Schedule(tz, (WeeklyWindow(WEEKDAYS, 480, 1080),)), h.bookings[1::2]
    )
    hosts = [h, other]
    alone = explain(rules, hosts, mode, start, now, booker_time_zone=booker)
    before, after = nearest(rules, hosts, mode, start, now, booker_time_zone=booker, days=1)
    ex = explain(rules, hosts, mode, start, now, booker_time_zone=booker, search_days=1)
    assert ex.before == (alone.before or before)
    assert ex.after == (alone.after or after)
    assert replace(ex, before=alone.before, after=alone.after) == alone


@settings(max_examples=200, deadline=None)
@given(cases(), st.sampled_from(["single", "collective", "round_robin"]))
def test_a_free_host_is_one_with_nothing_in_the_way(case: Case, mode: str) -> None:
    """``explain`` lists reasons only for hosts the booking check finds busy: that is sound
    because each host's verdict and its reasons test the same rules, on every host."""
    rules, h, tz, now, start, _ = case
    other = HostAvailability(2, Schedule(tz, (WeeklyWindow(WEEKDAYS, 480, 1080),)), h.bookings[::2])
    end = start + timedelta(minutes=rules.length)
    earliest = _earliest(rules, now)
    for v in _views(rules, [h, other], now):
        verdict = v.verdict(start, end, earliest=earliest)
        assert verdict.ok == (not _host_reasons(v, rules, start, end, earliest)), verdict
