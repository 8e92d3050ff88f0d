"""Interval algebra checked against a brute-force model: sets of whole minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from calgate.core import Interval, IntervalIndex, intersect, merge, subtract

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def iv(a: int, b: int) -> Interval:
    return Interval(T0 + timedelta(minutes=a), T0 + timedelta(minutes=b))


def minutes(ivs: list[Interval]) -> set[int]:
    out: set[int] = set()
    for i in ivs:
        a = int((i.start - T0).total_seconds() // 60)
        b = int((i.end - T0).total_seconds() // 60)
        out.update(range(a, b))
    return out


intervals = st.lists(
    st.tuples(st.integers(0, 300), st.integers(0, 60)).map(lambda t: iv(t[0], t[0] + t[1])),
    max_size=12,
)


@given(intervals)
def test_merge_is_sorted_disjoint_union(xs: list[Interval]) -> None:
    m = merge(xs)
    assert minutes(m) == minutes(xs)
    assert all(a.end < b.start for a, b in pairwise(m))
    assert all(i.start < i.end for i in m)


@given(intervals, intervals)
def test_intersect_and_subtract_match_set_algebra(xs: list[Interval], ys: list[Interval]) -> None:
    a, b = merge(xs), merge(ys)
    assert minutes(intersect(a, b)) == minutes(a) & minutes(b)
    assert minutes(subtract(a, b)) == minutes(a) - minutes(b)


@given(intervals, st.integers(0, 360), st.integers(1, 90))
def test_index_overlap_and_cover_match_brute_force(xs: list[Interval], s: int, d: int) -> None:
    index = IntervalIndex(xs)
    cand = iv(s, s + d)
    assert index.overlaps(cand) == any(cand.overlaps(x) for x in xs if x.start < x.end)
    assert index.covers(cand) == (set(range(s, s + d)) <= minutes(xs))


@given(intervals, st.integers(0, 360), st.integers(0, 90))
def test_index_near_is_the_merged_intervals_reaching_into_the_range(
    xs: list[Interval], s: int, d: int
) -> None:
    # What a host's free time for one day takes out of the hours (busy time beyond the day
    # can't cut it).
    index = IntervalIndex(xs)
    lo, hi = iv(s, s + d)
    assert index.near(lo, hi) == [m for m in index.intervals if m.end > lo and m.start < hi]


def test_touching_intervals_do_not_overlap() -> None:
    assert not iv(0, 30).overlaps(iv(30, 60))
    assert not IntervalIndex([iv(0, 30)]).overlaps(iv(30, 60))
    assert merge([iv(0, 30), iv(30, 60)]) == [iv(0, 60)]
