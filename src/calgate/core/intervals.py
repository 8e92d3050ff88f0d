"""Half-open UTC time intervals and the set operations availability is built from."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple


class Interval(NamedTuple):
    """[start, end): a booking ending at 10:00 doesn't clash with one starting at 10:00.

    A NamedTuple rather than a frozen dataclass: slot queries build thousands per request and
    tuple construction is several times cheaper, with the same immutability and ordering.
    """

    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end


_START = itemgetter(0)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint union; touching intervals join, so 09-12 and 12-17 make 09-17."""
    out: list[Interval] = []
    for iv in sorted((i for i in intervals if i.start < i.end), key=_START):
        if out and iv.start <= out[-1].end:
            if iv.end > out[-1].end:
                out[-1] = Interval(out[-1].start, iv.end)
        else:
            out.append(iv)
    return out


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Intersection of two sorted lists of disjoint intervals (they may touch)."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i].start, b[j].start)
        hi = min(a[i].end, b[j].end)
        if lo < hi:
            out.append(Interval(lo, hi))
        if a[i].end < b[j].end:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Parts of merged list ``a`` not covered by merged list ``b``."""
    out: list[Interval] = []
    j = 0
    for iv in a:
        cur = iv.start
        while j < len(b) and b[j].end <= cur:
            j += 1
        k = j
        while k < len(b) and b[k].start < iv.end:
            if b[k].start > cur:
                out.append(Interval(cur, b[k].start))
            cur = max(cur, b[k].end)
            k += 1
        if cur < iv.end:
            out.append(Interval(cur, iv.end))
    return out


class IntervalIndex:
    """Merged intervals with O(log n) overlap and containment queries.

    Slot generation asks "is this candidate free?" thousands of times per request, so the busy
    list is merged once and bisected per candidate instead of scanned.
    """

    __slots__ = ("_ends", "_starts", "intervals")

    def __init__(self, intervals: Iterable[Interval]) -> None:
        self.intervals = merge(intervals)
        self._starts = [i.start for i in self.intervals]
        self._ends = [i.end for i in self.intervals]

    def __bool__(self) -> bool:
        return bool(self.intervals)

    def overlaps(self, candidate: Interval) -> bool:
        # The last merged interval starting before the candidate's end is the only one that can
        # reach into it, because merged intervals are disjoint and sorted.
        k = bisect_right(self._starts, candidate.start)
        if k and self._ends[k - 1] > candidate.start:
            return True
        return k < len(self._starts) and self._starts[k] < candidate.end

    def near(self, lo: datetime, hi: datetime) -> list[Interval]:
        """The merged intervals reaching into [lo, hi), in order: both ends are sorted, so a
        day's part of a long busy list is two bisects away."""
        return self.intervals[bisect_right(self._ends, lo) : bisect_left(self._starts, hi)]

    def covers(self, candidate: Interval) -> bool:
        k = bisect_right(self._starts, candidate.start)
        return bool(k) and self._ends[k - 1] >= candidate.end
