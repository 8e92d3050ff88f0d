"""The scheduling domain: intervals, working hours, booking windows, limits and slots.

Pure Python on the standard library: no I/O, no ORM, no HTTP; ``now`` is always an argument.
"""

from calgate.core.explain import Explanation, Reason, explain, nearest, present, present_reasons
from calgate.core.intervals import Interval, IntervalIndex, intersect, merge, subtract
from calgate.core.limits import LimitTracker
from calgate.core.period import Bounds, Period, bounds
from calgate.core.schedule import DateOverride, Schedule, WeeklyWindow, WorkingHours
from calgate.core.slots import (
    Decision,
    EventRules,
    ExistingBooking,
    Hold,
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
    "Explanation",
    "Hold",
    "HostAvailability",
    "Interval",
    "IntervalIndex",
    "LimitTracker",
    "Period",
    "Reason",
    "Schedule",
    "Slot",
    "WeeklyWindow",
    "WorkingHours",
    "bounds",
    "check_booking",
    "compute_slots",
    "explain",
    "group_by_local_date",
    "intersect",
    "merge",
    "nearest",
    "present",
    "present_reasons",
    "subtract",
]
