"""Issue 20's rules, each with the concrete times the issue gives, and Cal.com's DST defects that
calgate deliberately does not copy (README, "Availability"), each pinned to calgate's answer."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from calgate.core import (
    DateOverride,
    EventRules,
    HostAvailability,
    Interval,
    Schedule,
    WeeklyWindow,
    check_booking,
    compute_slots,
)
from tests.support.clock import utc

EVERY_DAY = frozenset(range(7))


def host(
    tz: str,
    *weekly: WeeklyWindow,
    overrides: tuple[DateOverride, ...] = (),
    busy: tuple[Interval, ...] = (),
) -> HostAvailability:
    return HostAvailability(1, Schedule(tz, weekly, overrides), busy=busy)


def hm(h: int, m: int = 0) -> int:
    return h * 60 + m


def starts(
    h: HostAvailability,
    rules: EventRules,
    lo: datetime,
    hi: datetime,
    now: datetime,
    booker: str | None = None,
) -> list[datetime]:
    got = compute_slots(rules, [h], "single", lo, hi, now, booker_time_zone=booker)
    return [s.start for s in got]


# ---- the six changes ------------------------------------------------------------------------


def test_rule1_an_end_of_2359_means_midnight() -> None:
    # London, Wednesday 2026-11-04 (GMT) 18:00-23:59, 30 minutes: 23:30 is the last slot.
    h = host("Europe/London", WeeklyWindow(frozenset({3}), hm(18), hm(23, 59)))
    got = starts(h, EventRules(length=30), utc(2026, 11, 4), utc(2026, 11, 5), utc(2026, 11, 1))
    assert got[-1] == utc(2026, 11, 4, 23, 30)
    assert len(got) == 12
    # The same in a date override.
    h = host("Europe/London", overrides=(DateOverride(date(2026, 11, 4), hm(18), hm(23, 59)),))
    got = starts(h, EventRules(length=30), utc(2026, 11, 4), utc(2026, 11, 5), utc(2026, 11, 1))
    assert got[-1] == utc(2026, 11, 4, 23, 30)


def test_rule2_hours_touching_at_midnight_are_one_window() -> None:
    # London, Friday 22:00-23:59 and Saturday 00:00-02:00, 45 minutes: the grid runs on across
    # midnight and a slot may span it.
    h = host(
        "Europe/London",
        WeeklyWindow(frozenset({5}), hm(22), hm(23, 59)),
        WeeklyWindow(frozenset({6}), hm(0), hm(2)),
    )
    rules = EventRules(length=45)
    got = starts(h, rules, utc(2026, 11, 6), utc(2026, 11, 8), utc(2026, 11, 1))
    assert got == [
        utc(2026, 11, 6, 22),
        utc(2026, 11, 6, 22, 45),
        utc(2026, 11, 6, 23, 30),
        utc(2026, 11, 7, 0, 15),
        utc(2026, 11, 7, 1),
    ]
    assert check_booking(rules, [h], "single", utc(2026, 11, 6, 23, 30), utc(2026, 11, 1)).ok


def test_rule3_the_grid_restarts_after_busy_time() -> None:
    # New York, Tuesday 2026-11-03 09:00-17:00 (EST), 45 minutes, busy 10:00-10:40.
    busy = (Interval(utc(2026, 11, 3, 15), utc(2026, 11, 3, 15, 40)),)
    h = host("America/New_York", WeeklyWindow(frozenset({2}), hm(9), hm(17)), busy=busy)
    got = starts(h, EventRules(length=45), utc(2026, 11, 3), utc(2026, 11, 4), utc(2026, 11, 1))
    local = [f"{(t - timedelta(hours=5)):%H:%M}" for t in got]
    assert local == [
        *("09:00", "10:45", "11:30", "12:15", "13:00", "13:45", "14:30", "15:15", "16:00")
    ]


def test_rule4_starts_are_rounded_on_the_bookers_clock() -> None:
    # Host Asia/Kolkata 10:00-17:00, booker America/New_York, 60 minutes.
    h = host("Asia/Kolkata", WeeklyWindow(EVERY_DAY, hm(10), hm(17)))
    rules = EventRules(length=60)
    lo, hi, now = utc(2026, 11, 3, 3), utc(2026, 11, 3, 12), utc(2026, 11, 1)

    def ist(hours: int, minutes: int) -> datetime:
        return utc(2026, 11, 3, hours, minutes) - timedelta(hours=5, minutes=30)

    booker = starts(h, rules, lo, hi, now, booker="America/New_York")
    assert booker == [ist(10 + k, 30) for k in range(6)]  # 10:30 ... 15:30 IST
    # No booker zone: the host's own clock (10:00 ... 16:00 IST).
    assert starts(h, rules, lo, hi, now) == [ist(10 + k, 0) for k in range(7)]
    # A booking check agrees with what each booker was shown.
    for s in booker:
        d = check_booking(rules, [h], "single", s, now, booker_time_zone="America/New_York")
        assert d.ok


def test_rule5_hours_are_cut_at_the_range_asked() -> None:
    # UTC 09:00-17:00, 45 minutes, asked for 10:05-13:00: the grid restarts at the range start
    # (10:05 -> 10:15) and every slot ends by 13:00 (12:30 would end at 13:15).
    h = host("UTC", WeeklyWindow(EVERY_DAY, hm(9), hm(17)))
    got = starts(
        h, EventRules(length=45), utc(2026, 11, 3, 10, 5), utc(2026, 11, 3, 13), utc(2026, 11, 1)
    )
    assert got == [utc(2026, 11, 3, 10, 15), utc(2026, 11, 3, 11), utc(2026, 11, 3, 11, 45)]


def test_rule6_zero_notice_counts_as_one_minute() -> None:
    h = host("UTC", WeeklyWindow(EVERY_DAY, hm(9), hm(17)))
    rules = EventRules(length=30)
    now = utc(2026, 11, 3, 10)
    got = starts(h, rules, utc(2026, 11, 3), utc(2026, 11, 4), now)
    assert got[0] == utc(2026, 11, 3, 10, 30)  # not 10:00, which is now
    d = check_booking(rules, [h], "single", now, now)
    assert (d.ok, d.reason) == (False, "minimum_booking_notice")
    assert d.message == "Bookings need at least 1 minute's notice"
    assert check_booking(rules, [h], "single", now + timedelta(minutes=1), now).ok


def test_only_first_slot_per_day_of_the_booker() -> None:
    # The booker's days, not the host's: 20:00-02:00 UTC is one evening in New York.
    h = host(
        "UTC",
        WeeklyWindow(EVERY_DAY, hm(20), hm(23, 59)),
        WeeklyWindow(EVERY_DAY, hm(0), hm(2)),
    )
    rules = EventRules(length=60, only_show_first_available_slot=True)
    lo, hi, now = utc(2026, 11, 3, 12), utc(2026, 11, 4, 12), utc(2026, 11, 1)
    assert starts(h, rules, lo, hi, now, booker="America/New_York") == [utc(2026, 11, 3, 20)]
    assert starts(h, rules, lo, hi, now) == [utc(2026, 11, 3, 20), utc(2026, 11, 4)]


# ---- Cal.com's DST defects that calgate does not copy ---------------------------------------


def test_keep_every_day_of_a_dst_week_keeps_its_own_hours() -> None:
    """Cal.com's day filter loses or shifts whole days around a DST change."""
    h = host("Europe/London", WeeklyWindow(EVERY_DAY, hm(9), hm(11)))
    got = starts(h, EventRules(length=60), utc(2026, 3, 27), utc(2026, 4, 1), utc(2026, 3, 20))
    # 09:00 and 10:00 London every day: GMT up to Saturday 28th, BST from Sunday 29th.
    assert got == [
        *(utc(2026, 3, d, h) for d in (27, 28) for h in (9, 10)),
        *(utc(2026, 3, d, h) for d in (29, 30, 31) for h in (8, 9)),
    ]


def test_keep_afternoon_hours_on_a_dst_day_keep_their_offset() -> None:
    """Cal.com's DST probe reads a 12-hour clock, so 14:00 is probed as 02:00 (reported)."""
    h = host("America/New_York", WeeklyWindow(frozenset({0}), hm(14), hm(17)))
    got = starts(h, EventRules(length=60), utc(2026, 3, 8), utc(2026, 3, 9), utc(2026, 3, 1))
    assert got == [utc(2026, 3, 8, 18), utc(2026, 3, 8, 19), utc(2026, 3, 8, 20)]  # EDT


def test_keep_a_window_across_a_change_ends_at_its_own_offset() -> None:
    """Cal.com gives a window spanning a change the start's offset for its end too."""
    h = host("America/New_York", WeeklyWindow(frozenset({0}), hm(0), hm(6)))
    got = starts(h, EventRules(length=60), utc(2026, 3, 8), utc(2026, 3, 9), utc(2026, 3, 1))
    # 00:00 EST (05:00Z) to 06:00 EDT (10:00Z): five real hours, five slots.
    assert got == [utc(2026, 3, 8, h) for h in range(5, 10)]


def test_keep_rounding_in_the_repeated_hour_uses_the_real_offset() -> None:
    """Cal.com's startOf('hour') near a change picks the wrong offset."""
    # London falls back at 01:00Z on Sunday 2026-10-25: 01:20 BST (00:20Z) rounds up to the
    # next hour on the clock, 01:00 GMT (01:00Z).
    busy = (Interval(utc(2026, 10, 24, 23), utc(2026, 10, 25, 0, 20)),)
    h = host("Europe/London", WeeklyWindow(frozenset({0}), hm(0), hm(4)), busy=busy)
    got = starts(h, EventRules(length=60), utc(2026, 10, 24), utc(2026, 10, 26), utc(2026, 10, 1))
    assert got[0] == utc(2026, 10, 25, 1)


def test_keep_a_start_in_the_spring_forward_gap_moves_later() -> None:
    """Cal.com moves a start inside the spring-forward gap an hour early."""
    # 02:30 does not exist in New York on 2026-03-08: clocks show 03:30 EDT (07:30Z) then.
    h = host("America/New_York", WeeklyWindow(frozenset({0}), hm(2, 30), hm(5)))
    got = starts(h, EventRules(length=30), utc(2026, 3, 8), utc(2026, 3, 9), utc(2026, 3, 1))
    assert got == [utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 8), utc(2026, 3, 8, 8, 30)]


def test_keep_override_times_use_their_own_offset() -> None:
    """Cal.com converts override times with the offset of the wrong instant."""
    # Sydney springs forward at 02:00 AEST on 2026-10-04. An override 01:00-05:00 that day
    # starts at 01:00 AEST (15:00Z on the 3rd) and ends at 05:00 AEDT (18:00Z).
    h = host("Australia/Sydney", overrides=(DateOverride(date(2026, 10, 4), hm(1), hm(5)),))
    got = starts(h, EventRules(length=60), utc(2026, 10, 3), utc(2026, 10, 5), utc(2026, 10, 1))
    assert got == [utc(2026, 10, 3, 15), utc(2026, 10, 3, 16), utc(2026, 10, 3, 17)]


def test_keep_a_day_off_after_an_override_ending_2359() -> None:
    """Cal.com keys overrides by their end, so a day off after one ending 23:59 is lost."""
    h = host(
        "UTC",
        WeeklyWindow(EVERY_DAY, hm(9), hm(17)),
        overrides=(
            DateOverride(date(2026, 11, 6), hm(18), hm(23, 59)),
            DateOverride(date(2026, 11, 7), 0, 0),
        ),
    )
    got = starts(h, EventRules(length=30), utc(2026, 11, 6), utc(2026, 11, 8), utc(2026, 11, 1))
    assert got == [utc(2026, 11, 6, 18) + timedelta(minutes=30 * k) for k in range(12)]
