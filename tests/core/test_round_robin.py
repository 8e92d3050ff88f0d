"""The round-robin rule against simulation: equal weights rotate, weights split bookings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from calgate.core.round_robin import Candidate, pick

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def _simulate(
    weights: dict[int, int], n: int, priority: dict[int, int] | None = None
) -> dict[int, int]:
    counts = dict.fromkeys(weights, 0)
    last: dict[int, datetime | None] = dict.fromkeys(weights, None)
    for i in range(n):
        won = pick(
            [
                Candidate(u, (priority or {}).get(u, 2), w, counts[u], last[u])
                for u, w in weights.items()
            ]
        )
        counts[won.user_id] += 1
        last[won.user_id] = T0 + timedelta(minutes=i)
    return counts


def test_equal_weights_rotate_least_recently_booked_first() -> None:
    assert _simulate({1: 100, 2: 100, 3: 100, 4: 100}, 100) == {1: 25, 2: 25, 3: 25, 4: 25}
    order = []
    counts = dict.fromkeys((5, 6, 7), 0)
    last: dict[int, datetime | None] = {5: T0, 6: None, 7: T0 - timedelta(days=1)}
    for i in range(3):
        won = pick([Candidate(u, 2, 100, counts[u], last[u]) for u in counts])
        order.append(won.user_id)
        counts[won.user_id] += 1
        last[won.user_id] = T0 + timedelta(hours=i + 1)
    assert order == [6, 7, 5]


def test_weights_three_to_one() -> None:
    counts = _simulate({1: 300, 2: 100}, 100)
    assert counts == {1: 75, 2: 25}


def test_higher_priority_host_wins_while_free() -> None:
    counts = _simulate({1: 100, 2: 100}, 10, priority={1: 4, 2: 2})
    assert counts == {1: 10, 2: 0}


def test_zero_weights_are_equal() -> None:
    assert _simulate({1: 0, 2: 0}, 10) == {1: 5, 2: 5}
