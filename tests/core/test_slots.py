"""The availability engine: Cal.com's slot semantics, and properties that must always hold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calgate.core import (
    DateOverride,
    EventRules,
    ExistingBooking,
    HostAvailability,
    Interval,
    Period,
    Schedule,
    WeeklyWindow,
    WorkingHours,
    check_booking,
    compute_slots,
    group_by_local_date,
)
from tests.support.clock import utc

WEEKDAYS = frozenset({1, 2, 3, 4, 5})
NOW = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday


def host(
    tz: str = "UTC",
    weekly: tuple[WeeklyWindow, ...] = (WeeklyWindow(WEEKDAYS, 540, 1020),),
    overrides: tuple[DateOverride, ...] = (),
    bookings: tuple[ExistingBooking, ...] = (),
    busy: tuple[Interval, ...] = (),
    host_id: int = 1,
) -> HostAvailability:
    return HostAvailability(host_id, Schedule(tz, weekly, overrides), bookings, busy)


def starts(slots: list[object]) -> list[datetime]:
    return [s.start for s in slots]  # type: ignore[attr-defined]


def test_grid_steps_by_length_and_must_fit() -> None:
    rules = EventRules(length=45)
    got = compute_slots(rules, [host()], "single", utc(2026, 11, 3), utc(2026, 11, 4), NOW)
    # 09:00 + k*45 while the slot ends by 17:00: 09:00 ... 15:45 (10 slots); 16:30 won't fit.
    assert starts(got)[0] == utc(2026, 11, 3, 9)
    assert starts(got)[-1] == utc(2026, 11, 3, 15, 45)
    assert len(got) == 10


def test_slot_interval_overrides_the_step() -> None:
    rules = EventRules(length=60, slot_interval=15)
    got = compute_slots(rules, [host()], "single", utc(2026, 11, 3), utc(2026, 11, 4), NOW)
    assert starts(got)[:3] == [
        utc(2026, 11, 3, 9),
        utc(2026, 11, 3, 9, 15),
        utc(2026, 11, 3, 9, 30),
    ]
    assert starts(got)[-1] == utc(2026, 11, 3, 16)


def test_minimum_notice_rounds_up_to_a_nice_boundary() -> None:
    now = utc(2026, 11, 3, 10, 7, 30)
    rules = EventRules(length=30, minimum_booking_notice=60)
    got = compute_slots(rules, [host()], "single", utc(2026, 11, 3), utc(2026, 11, 4), now)
    # now + 60 min = 11:07:30 -> next whole 30 minutes of the hour: 11:30.
    assert starts(got)[0] == utc(2026, 11, 3, 11, 30)
    rules = EventRules(length=25, minimum_booking_notice=60)  # 25 -> nice step is 5
    got = compute_slots(rules, [host()], "single", utc(2026, 11, 3), utc(2026, 11, 4), now)
    assert starts(got)[0] == utc(2026, 11, 3, 11, 10)


def test_dst_new_york_same_wall_clock_different_utc() -> None:
    rules = EventRules(length=60)
    h = host("America/New_York")
    winter = compute_slots(rules, [h], "single", utc(2026, 11, 3), utc(2026, 11, 4), NOW)
    summer = compute_slots(rules, [h], "single", utc(2026, 7, 7), utc(2026, 7, 8), utc(2026, 7, 1))
    assert starts(winter)[0] == utc(2026, 11, 3, 14)
    assert starts(summer)[0] == utc(2026, 7, 7, 13)
    assert len(winter) == len(summer) == 8


def test_grid_over_a_dst_jump_keeps_real_minutes() -> None:
    # Sunday 2026-03-08 00:00-06:00 in New York is five real hours: five 60-minute slots.
    h = host("America/New_York", (WeeklyWindow(frozenset({0}), 0, 360),))
    got = compute_slots(
        EventRules(length=60), [h], "single", utc(2026, 3, 8), utc(2026, 3, 9), utc(2026, 3, 1)
    )
    assert len(got) == 5
    assert all(s.end - s.start == timedelta(hours=60 // 60) for s in got)


def test_buffers_apply_around_candidate_and_existing_booking() -> None:
    booked = ExistingBooking(utc(2026, 11, 3, 12), utc(2026, 11, 3, 13), after_buffer=15)
    rules = EventRules(length=30, before_buffer=10)
    got = starts(
        compute_slots(
            rules, [host(bookings=(booked,))], "single", utc(2026, 11, 3), utc(2026, 11, 4), NOW
        )
    )
    assert utc(2026, 11, 3, 11, 30) in got  # ends 12:00; the booking has no before-buffer
    assert utc(2026, 11, 3, 12, 30) not in got  # inside the booking
    assert utc(2026, 11, 3, 13) not in got  # 13:00-13:15 is the booking's after-buffer
    assert utc(2026, 11, 3, 13, 30) in got  # 13:20 with the before-buffer: clear of 13:15


def test_only_first_slot_per_day() -> None:
    rules = EventRules(length=30, only_show_first_available_slot=True)
    got = compute_slots(rules, [host()], "single", utc(2026, 11, 3), utc(2026, 11, 6), NOW)
    assert starts(got) == [utc(2026, 11, 3, 9), utc(2026, 11, 4, 9), utc(2026, 11, 5, 9)]


def test_booking_limit_per_day_closes_the_day() -> None:
    b = ExistingBooking(utc(2026, 11, 3, 9), utc(2026, 11, 3, 9, 30), event_type_id=7)
    other = ExistingBooking(utc(2026, 11, 4, 9), utc(2026, 11, 4, 9, 30), event_type_id=8)
    rules = EventRules(length=30, booking_limits={"PER_DAY": 1}, event_type_id=7)
    got = compute_slots(
        rules, [host(bookings=(b, other))], "single", utc(2026, 11, 3), utc(2026, 11, 5), NOW
    )
    days = {s.start.date() for s in got}
    assert days == {date(2026, 11, 4)}  # another event type's booking doesn't count
    decision = check_booking(
        rules, [host(bookings=(b,))], "single", utc(2026, 11, 3, 14), NOW, length=30
    )
    assert (decision.ok, decision.reason) == (False, "booking_limit_reached")


def test_duration_limit_per_week() -> None:
    b = ExistingBooking(utc(2026, 11, 3, 9), utc(2026, 11, 3, 10), event_type_id=7)
    rules = EventRules(length=30, duration_limits={"PER_WEEK": 90}, event_type_id=7)
    h = host(bookings=(b,))
    assert check_booking(rules, [h], "single", utc(2026, 11, 4, 9), NOW).ok
    rules = EventRules(length=60, duration_limits={"PER_WEEK": 90}, event_type_id=7)
    d = check_booking(rules, [h], "single", utc(2026, 11, 4, 9), NOW)
    assert d.reason == "duration_limit_reached"
    # The next week (weeks start on Sunday by default) is open again.
    assert check_booking(rules, [h], "single", utc(2026, 11, 9, 9), NOW).ok


def test_seats_keep_a_slot_open_until_full() -> None:
    seated = ExistingBooking(
        utc(2026, 11, 3, 9), utc(2026, 11, 3, 9, 30), uid="b1", event_type_id=7, attendees_count=2
    )
    rules = EventRules(length=30, seats_per_slot=3, event_type_id=7)
    got = compute_slots(
        rules, [host(bookings=(seated,))], "single", utc(2026, 11, 3), utc(2026, 11, 4), NOW
    )
    first = got[0]
    assert (first.start, first.attendees_count, first.booking_uid) == (seated.start, 2, "b1")
    d = check_booking(rules, [host(bookings=(seated,))], "single", seated.start, NOW)
    assert d.ok
    assert d.booking_uid == "b1"
    full = ExistingBooking(seated.start, seated.end, uid="b1", event_type_id=7, attendees_count=3)
    got = compute_slots(
        rules, [host(bookings=(full,))], "single", utc(2026, 11, 3), utc(2026, 11, 4), NOW
    )
    assert seated.start not in starts(got)


def test_period_range_and_rolling() -> None:
    rules = EventRules(
        length=60, period=Period("RANGE", start_date=date(2026, 11, 4), end_date=date(2026, 11, 4))
    )
    got = compute_slots(rules, [host()], "single", utc(2026, 11, 2), utc(2026, 11, 7), NOW)
    assert {s.start.date() for s in got} == {date(2026, 11, 4)}
    rules = EventRules(length=60, period=Period("ROLLING", days=1))
    got = compute_slots(rules, [host()], "single", utc(2026, 11, 2), utc(2026, 11, 7), NOW)
    assert {s.start.date() for s in got} == {date(2026, 11, 2), date(2026, 11, 3)}
    d = check_booking(rules, [host()], "single", utc(2026, 11, 5, 9), NOW)
    assert d.reason == "outside_booking_window"


def test_collective_needs_everyone_round_robin_anyone() -> None:
    a = host("UTC", (WeeklyWindow(WEEKDAYS, 540, 720),), host_id=1)  # 09-12
    b = host("UTC", (WeeklyWindow(WEEKDAYS, 600, 900),), host_id=2)  # 10-15
    rules = EventRules(length=60)
    day = (utc(2026, 11, 3), utc(2026, 11, 4))
    coll = compute_slots(rules, [a, b], "collective", *day, NOW)
    assert starts(coll) == [utc(2026, 11, 3, 10), utc(2026, 11, 3, 11)]
    assert all(s.host_ids == (1, 2) for s in coll)
    rr = compute_slots(rules, [a, b], "round_robin", *day, NOW)
    assert starts(rr) == [utc(2026, 11, 3, h) for h in range(9, 15)]
    assert [s.host_ids for s in (rr[0], rr[1], rr[-1])] == [(1,), (1, 2), (2,)]
    d = check_booking(rules, [a, b], "collective", utc(2026, 11, 3, 9), NOW)
    assert d.reason == "outside_availability"
    assert check_booking(rules, [a, b], "round_robin", utc(2026, 11, 3, 14), NOW).host_ids == (2,)


def test_check_booking_reasons() -> None:
    rules = EventRules(length=30, minimum_booking_notice=120)
    now = utc(2026, 11, 3, 9)
    h = host(busy=(Interval(utc(2026, 11, 3, 14), utc(2026, 11, 3, 15)),))
    assert check_booking(rules, [h], "single", utc(2026, 11, 3, 8), now).reason == "in_the_past"
    assert check_booking(rules, [h], "single", utc(2026, 11, 3, 10), now).reason == (
        "minimum_booking_notice"
    )
    assert check_booking(rules, [h], "single", utc(2026, 11, 3, 16, 45), now).reason == (
        "outside_availability"
    )
    assert check_booking(rules, [h], "single", utc(2026, 11, 3, 14, 15), now).reason == (
        "slot_unavailable"
    )
    assert check_booking(rules, [h], "single", utc(2026, 11, 3, 15), now).ok


# ---- properties ----------------------------------------------------------------------------

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Sao_Paulo",
]

windows = st.lists(
    st.tuples(
        st.frozensets(st.integers(0, 6), min_size=1),
        st.integers(0, 1380),
        st.integers(15, 720),
    ).map(lambda t: WeeklyWindow(t[0], t[1], min(1440, t[1] + t[2]))),
    min_size=1,
    max_size=3,
)
# Around the 2026 DST changes of most of the zones above.
range_starts = st.sampled_from(
    [utc(2026, 3, 6), utc(2026, 3, 27), utc(2026, 4, 3), utc(2026, 9, 25), utc(2026, 10, 23)]
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[EventRules, HostAvailability, datetime, datetime]:
    tz = draw(st.sampled_from(ZONES))
    start = draw(range_starts)
    end = start + timedelta(days=draw(st.integers(1, 6)))
    bookings = tuple(
        ExistingBooking(
            start + timedelta(minutes=m),
            start + timedelta(minutes=m + d),
            before_buffer=bb,
            after_buffer=ab,
        )
        for m, d, bb, ab in draw(
            st.lists(
                st.tuples(
                    st.integers(0, 7 * 1440),
                    st.integers(5, 240),
                    st.sampled_from([0, 10]),
                    st.sampled_from([0, 15]),
                ),
                max_size=8,
            )
        )
    )
    rules = EventRules(
        length=draw(st.sampled_from([15, 20, 30, 45, 60, 90])),
        slot_interval=draw(st.sampled_from([None, 10, 15, 30])),
        before_buffer=draw(st.sampled_from([0, 5, 30])),
        after_buffer=draw(st.sampled_from([0, 10])),
        minimum_booking_notice=draw(st.sampled_from([0, 90])),
    )
    return rules, host(tz, tuple(draw(windows)), bookings=bookings), start, end


def _now(start: datetime) -> datetime:
    return start - timedelta(days=1)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_slots_respect_hours_busy_buffers_and_notice(
    case: tuple[EventRules, HostAvailability, datetime, datetime],
) -> None:
    rules, h, start, end = case
    now = _now(start)
    slots = compute_slots(rules, [h], "single", start, end, now)
    hours = WorkingHours(h.schedule)
    busy = [
        Interval(
            b.start - timedelta(minutes=b.before_buffer), b.end + timedelta(minutes=b.after_buffer)
        )
        for b in h.bookings
    ]
    for s in slots:
        assert start <= s.start < end
        assert s.end - s.start == timedelta(minutes=rules.length)
        assert s.start >= now + timedelta(minutes=rules.minimum_booking_notice)
        assert hours.window_containing(Interval(s.start, s.end)) is not None
        padded = Interval(
            s.start - timedelta(minutes=rules.before_buffer),
            s.end + timedelta(minutes=rules.after_buffer),
        )
        assert not any(padded.overlaps(b) for b in busy)
        # A shown slot can be booked.
        assert check_booking(rules, [h], "single", s.start, now).ok
    assert starts(slots) == sorted(set(starts(slots)))


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.integers(0, 6 * 1440), st.integers(5, 120))
def test_a_new_booking_adds_starts_only_after_itself(
    case: tuple[EventRules, HostAvailability, datetime, datetime], offset: int, length: int
) -> None:
    """Busy time is taken out of the hours before the grid is laid (Cal.com's rule, issue 20):
    a new booking may move the starts after it onto a grid of their own, so "a booking never
    adds a slot" no longer holds. What does: every start it adds comes after it, and no start
    left overlaps it."""
    rules, h, start, end = case
    now = _now(start)
    before = set(starts(compute_slots(rules, [h], "single", start, end, now)))
    extra = ExistingBooking(
        start + timedelta(minutes=offset), start + timedelta(minutes=offset + length)
    )
    more = HostAvailability(h.host_id, h.schedule, (*h.bookings, extra), h.busy)
    after = compute_slots(rules, [more], "single", start, end, now)
    assert all(s >= extra.end for s in set(starts(after)) - before)
    assert all(s.end <= extra.start or s.start >= extra.end for s in after)


@settings(max_examples=100, deadline=None)
@given(scenarios(), st.sampled_from(ZONES))
def test_caller_zone_only_changes_grouping(
    case: tuple[EventRules, HostAvailability, datetime, datetime], caller: str
) -> None:
    rules, h, start, end = case
    slots = compute_slots(rules, [h], "single", start, end, _now(start))
    grouped = group_by_local_date(slots, caller)
    assert [s for day in grouped.values() for s in day] == slots
    assert list(grouped) == sorted(grouped)


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.integers(1, 3))
def test_slots_do_not_depend_on_the_range_asked(
    case: tuple[EventRules, HostAvailability, datetime, datetime], split_day: int
) -> None:
    """Asking for two halves split outside the hours gives the same slots as asking for the
    whole. (A split inside a window restarts the grid there, as Cal.com's does.)"""
    rules, h, start, end = case
    now = _now(start)
    mid = min(end, start + timedelta(days=split_day, hours=7, minutes=13))
    inside = [w for w in WorkingHours(h.schedule).windows(start, end) if w.start < mid < w.end]
    if inside:
        mid = min(end, inside[0].end)
    whole = compute_slots(rules, [h], "single", start, end, now)
    parts = compute_slots(rules, [h], "single", start, mid, now) + compute_slots(
        rules, [h], "single", mid, end, now
    )
    assert whole == parts


@pytest.mark.parametrize("mode", ["collective", "round_robin"])
@settings(max_examples=40, deadline=None)
@given(a=scenarios(), b=scenarios())
def test_team_modes_combine_single_host_answers(
    mode: str,
    a: tuple[EventRules, HostAvailability, datetime, datetime],
    b: tuple[EventRules, HostAvailability, datetime, datetime],
) -> None:
    rules, h1, start, end = a
    h2 = HostAvailability(2, b[1].schedule, b[1].bookings, b[1].busy)
    now = _now(start)
    one = set(starts(compute_slots(rules, [h1], "single", start, end, now)))
    two = set(starts(compute_slots(rules, [h2], "single", start, end, now)))
    team = compute_slots(rules, [h1, h2], mode, start, end, now)
    if mode == "round_robin":
        assert set(starts(team)) == one | two
    else:
        for s in team:
            assert s.host_ids == (1, 2)
            assert check_booking(rules, [h1], "single", s.start, now).ok
            assert check_booking(rules, [h2], "single", s.start, now).ok


@pytest.mark.parametrize(
    ("tz", "before", "after", "first_before", "first_after"),
    [
        # Europe/London: BST starts Sunday 2026-03-29; 09:00 is 09:00Z, then 08:00Z.
        (
            "Europe/London",
            date(2026, 3, 27),
            date(2026, 3, 30),
            utc(2026, 3, 27, 9),
            utc(2026, 3, 30, 8),
        ),
        # Australia/Sydney: AEDT ends Sunday 2026-04-05; 09:00 is 22:00Z (day before), then 23:00Z.
        (
            "Australia/Sydney",
            date(2026, 4, 3),
            date(2026, 4, 6),
            utc(2026, 4, 2, 22),
            utc(2026, 4, 5, 23),
        ),
        # America/New_York: EDT starts Sunday 2026-03-08; 09:00 is 14:00Z, then 13:00Z.
        (
            "America/New_York",
            date(2026, 3, 6),
            date(2026, 3, 9),
            utc(2026, 3, 6, 14),
            utc(2026, 3, 9, 13),
        ),
    ],
)
def test_dst_week_moves_utc_starts_but_not_local_hours(
    tz: str, before: date, after: date, first_before: datetime, first_after: datetime
) -> None:
    rules = EventRules(length=60)
    h = host(tz)
    lo = first_before - timedelta(hours=12)
    slots = compute_slots(rules, [h], "single", lo, lo + timedelta(days=5), utc(2026, 3, 1))
    by_day = group_by_local_date(slots, tz)
    assert by_day[before.isoformat()][0].start == first_before
    assert by_day[after.isoformat()][0].start == first_after
    # Eight one-hour slots each working day, on both sides of the change.
    assert {len(v) for v in by_day.values()} == {8}


def test_collective_slot_may_span_a_hosts_midnight() -> None:
    """Hypothesis found this pair: host 1 (São Paulo, UTC-3) works Saturday 12:00-24:00 and
    Sunday 00:00-00:15; host 2 (UTC) Sunday 00:00-03:05. Host 1's hours touch at midnight, so
    they are one window: a 15-minute slot at 02:50Z (23:50-00:05 on host 1's clock) is offered,
    and each host's own check accepts it."""
    h1 = host(
        "America/Sao_Paulo",
        (WeeklyWindow(frozenset({0}), 0, 15), WeeklyWindow(frozenset(range(7)), 720, 1440)),
        host_id=1,
    )
    h2 = host("UTC", (WeeklyWindow(frozenset({0}), 0, 185),), host_id=2)
    rules = EventRules(length=15, slot_interval=10)
    now = utc(2026, 3, 5)
    got = compute_slots(rules, [h1, h2], "collective", utc(2026, 3, 6), utc(2026, 3, 9), now)
    assert got
    assert utc(2026, 3, 8, 2, 50) in starts(got)
    for s in got:
        assert check_booking(rules, [h1, h2], "collective", s.start, now).ok


@settings(max_examples=100, deadline=None)
@given(
    scenarios(),
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 1380), st.integers(0, 720)), max_size=3),
    st.sampled_from([None, *ZONES]),
)
def test_a_slot_shown_from_now_can_be_booked_in_the_same_zone(
    case: tuple[EventRules, HostAvailability, datetime, datetime],
    overrides: list[tuple[int, int, int]],
    booker: str | None,
) -> None:
    """Overrides, hours joined across midnight and the booker's clock: a query from now shows
    only slots the booking check accepts for the same booker."""
    rules, h, start, end = case
    tz = h.schedule.time_zone
    first = start.astimezone(ZoneInfo(tz)).date()
    extra = tuple(
        DateOverride(first + timedelta(days=d), s, min(1440, s + n)) for d, s, n in overrides
    )
    h = HostAvailability(h.host_id, Schedule(tz, h.schedule.weekly, extra), h.bookings, h.busy)
    now = start
    slots = compute_slots(rules, [h], "single", start, end, now, booker_time_zone=booker)
    for s in slots:
        assert check_booking(rules, [h], "single", s.start, now, booker_time_zone=booker).ok
