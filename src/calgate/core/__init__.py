"""The scheduling domain: intervals, working hours, booking windows, limits and slots.

Pure Python on the standard library: no I/O, no ORM, no HTTP; ``now`` is always an argument.
"""

from calgate.core.intervals import Interval, IntervalIndex, intersect, merge, subtract
from calgate.core.limits import LimitTracker
from calgate.core.period import Bounds, Period, bounds
from calgate.core.schedule import DateOverride, Schedule, WeeklyWindow, WorkingHours
from calgate.core.slots import (
    Decision,
    EventRules,
    ExistingBooking,
    HostAvailability,
    Slot,
    check_booking,
    compute_slots,
    group_by_local_date,
)

__all__ = [
    "Bounds",
    "DateOverride",
    "Decision",
    "EventRules",
    "ExistingBooking",
    "HostAvailability",
    "Interval",
    "IntervalIndex",
    "LimitTracker",
    "Period",
    "Schedule",
    "Slot",
    "WeeklyWindow",
    "WorkingHours",
    "bounds",
    "check_booking",
    "compute_slots",
    "group_by_local_date",
    "intersect",
    "merge",
    "subtract",
]
