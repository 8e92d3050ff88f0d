"""bench/slots: a 30-day slot query for a host with 1,000 bookings and 50 date overrides.

Reports server-side latency (the service call: database reads + availability engine) and the
HTTP round trip through uvicorn, p50/p95, and slots/s; then one explanation of a start
(``explain``) beside a one-day slot query for the same day, both at the service. Usage:
    .venv/bin/python -m bench.slots.run [--db sqlite|postgres] [--iterations 200]
        [--only explain]   (just the explanation beside the one-day query: slots_explain_<db>)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx2
from sqlalchemy import insert

from bench.common import scratch_database, summary_ms, write_result
from calgate.config import Settings
from calgate.core.timezones import use_pinned_tzdata, zone
from calgate.services import event_types, users
from calgate.services.availability import EventTypeRef
from calgate.services.event_types import EventTypeChanges
from calgate.services.slots import ExplainQuery, SlotQuery, available_slots, explain_start
from calgate.store.db import Database
from calgate.store.models import (
    Attendee,
    Availability,
    Booking,
    BookingBlock,
    BookingStatus,
    Schedule,
)

DAYS = 30


async def seed(db: Database, start: datetime) -> int:
    rng = random.Random(7)
    async with db.transaction() as session:
        user = await users.create_user_in(
            session,
            email="bench@example.com",
            password="bench-pass",
            name="Bench",
            time_zone="America/New_York",
        )
        schedule = await session.get(Schedule, user.default_schedule_id)
        assert schedule is not None
        # Every day 07:00-20:00 local, plus 50 overrides inside the window.
        schedule.availability = [
            Availability(days=list(range(7)), start_minute=420, end_minute=1200)
        ]
        first = start.date()
        for i in rng.sample(range(DAYS), 25):
            d = first + timedelta(days=i)
            schedule.availability.append(
                Availability(days=[], date=d, start_minute=600, end_minute=720)
            )
            schedule.availability.append(
                Availability(days=[], date=d, start_minute=780, end_minute=960)
            )
        et = await event_types.create_event_type_in(
            session,
            user,
            EventTypeChanges(
                title="Bench",
                slug="bench",
                length=30,
                minimum_booking_notice=0,
                before_event_buffer=5,
                after_event_buffer=5,
            ),
        )
        await session.flush()
        # 1,000 non-overlapping 15-minute bookings spread over the window (and a little beyond).
        slots = rng.sample(range((DAYS + 10) * 96), 1000)
        bookings, attendees, blocks = [], [], []
        for n, q in enumerate(sorted(slots)):
            s = start - timedelta(days=5) + timedelta(minutes=15 * q)
            bookings.append(
                {
                    "id": n + 1,
                    "uid": f"bench-{n}",
                    "event_type_id": et.id,
                    "user_id": user.id,
                    "title": "b",
                    "start_time": s,
                    "end_time": s + timedelta(minutes=15),
                    "status": BookingStatus.ACCEPTED,
                    "metadata": {},
                    "responses": {},
                    "rescheduled": False,
                    "no_show_host": False,
                    "created_at": start,
                    "updated_at": start,
                }
            )
            attendees.append(
                {
                    "booking_id": n + 1,
                    "name": "a",
                    "email": f"a{n}@example.com",
                    "time_zone": "UTC",
                    "no_show": False,
                    "created_at": start,
                }
            )
            blocks.append(
                {
                    "booking_id": n + 1,
                    "user_id": user.id,
                    "block_start": s,
                    "block_end": s + timedelta(minutes=15),
                    "active": True,
                }
            )
        await session.execute(insert(Booking), bookings)
        await session.execute(insert(Attendee), attendees)
        await session.execute(insert(BookingBlock), blocks)
        return et.id


async def measure(url: str, iterations: int) -> dict[str, object]:
    db = Database(url)
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)
    end = start + timedelta(days=DAYS)
    et_id = await seed(db, start)
    query = SlotQuery(EventTypeRef(id=et_id))
    for _ in range(5):
        await available_slots(db, query, start, end)
    samples, count = [], 0
    for _ in range(iterations):
        t0 = time.perf_counter()
        found = (await available_slots(db, query, start, end)).slots
        samples.append(time.perf_counter() - t0)
        count = len(found)
    explained = await explain_vs_day(db, et_id, start, iterations)
    await db.dispose()
    service = summary_ms(samples)
    service["slots_per_query"] = count
    service["slots_per_s"] = round(count / (service["mean_ms"] / 1000))
    return {
        "event_type_id": et_id,
        "service": service,
        "range": [start.isoformat(), end.isoformat()],
        **explained,
    }


async def explain_vs_day(
    db: Database, et_id: int, start: datetime, iterations: int
) -> dict[str, object]:
    """One explanation against a one-day slot query of the same day, in the booker's zone:
    the explanation checks the start, lists every blocker and finds the nearest starts.

    Two measures, each pair taken in alternating order: one start (mid-afternoon on a busy
    day, whose nearest earlier start is on the day before), ``iterations`` times; then every
    half hour of a week of the booker's days, each beside its day's one-day query, split by
    whether the nearest starts were on the start's own day or the engine had to weigh a
    neighbouring day too."""
    tz = "America/New_York"
    day = start + timedelta(days=3)
    # Mid-afternoon in New York on a day with bookings: often refused, nearest starts nearby.
    moment = day + timedelta(hours=19, minutes=10)
    lo, hi = day + timedelta(hours=5), day + timedelta(hours=29)
    one = await _paired(db, et_id, moment, (lo, hi), tz, iterations)
    last = (
        await explain_start(db, ExplainQuery(EventTypeRef(id=et_id), moment, booker_time_zone=tz))
    ).explanation
    sweep: dict[str, dict[str, list[float]]] = {}
    for d in range(1, 8):
        lo = start + timedelta(days=d, hours=5)
        for minutes in range(10, 1440, 30):
            at = lo + timedelta(minutes=minutes)
            ask = ExplainQuery(EventTypeRef(id=et_id), at, booker_time_zone=tz)
            ex = (await explain_start(db, ask)).explanation
            home = at.astimezone(zone(tz)).date()
            near = [t for t in (ex.before, ex.after) if t is not None]
            kind = (
                "same_day"
                if all(t.astimezone(zone(tz)).date() == home for t in near)
                else "neighbour_day"
            )
            got = await _paired(db, et_id, at, (lo, lo + timedelta(days=1)), tz, 4)
            into = sweep.setdefault(kind, {"explain": [], "one_day": []})
            into["explain"] += got["explain"]
            into["one_day"] += got["one_day"]
    every = {"explain": [], "one_day": []}  # type: dict[str, list[float]]
    for got in sweep.values():
        every["explain"] += got["explain"]
        every["one_day"] += got["one_day"]
    return {
        "explain": {
            **summary_ms(one["explain"]),
            "bookable": last.bookable,
            "reasons": [r.code for r in last.reasons],
        },
        "one_day": summary_ms(one["one_day"]),
        "sweep": {kind: _ratio(got) for kind, got in {**sweep, "all": every}.items()},
    }


async def _paired(
    db: Database,
    et_id: int,
    at: datetime,
    day: tuple[datetime, datetime],
    tz: str,
    rounds: int,
) -> dict[str, list[float]]:
    """``rounds`` explanations of ``at`` and one-day queries of ``day``, in turns, each pair in
    the other order from the last (whichever runs second finds the caches warmer)."""
    ask = ExplainQuery(EventTypeRef(id=et_id), at, booker_time_zone=tz)
    one_day = SlotQuery(EventTypeRef(id=et_id), booker_time_zone=tz)
    timings: dict[str, list[float]] = {"explain": [], "one_day": []}
    calls = {
        "explain": lambda: explain_start(db, ask),
        "one_day": lambda: available_slots(db, one_day, *day),
    }
    for n in range(rounds + 2):
        for name in ("explain", "one_day") if n % 2 else ("one_day", "explain"):
            t0 = time.perf_counter()
            await calls[name]()
            if n >= 2:
                timings[name].append(time.perf_counter() - t0)
    return timings


def _ratio(got: dict[str, list[float]]) -> dict[str, object]:
    e, d = summary_ms(got["explain"]), summary_ms(got["one_day"])
    return {
        "explain": e,
        "one_day": d,
        "p50_ratio": round(e["p50_ms"] / d["p50_ms"], 3),
        "mean_ratio": round(e["mean_ms"] / d["mean_ms"], 3),
    }


def http_round_trips(
    url: str, et_id: int, start: str, end: str, iterations: int
) -> dict[str, float]:
    from tests.support.server import live_server

    from calgate.app import create_app

    app = create_app(Settings(database_url=url, secret_key="bench", rate_limit=False))
    with live_server(app) as base, httpx2.Client(base_url=base) as http:
        params = {"eventTypeId": et_id, "start": start, "end": end}
        headers = {"cal-api-version": "2024-09-04"}
        for _ in range(5):
            http.get("/v2/slots", params=params, headers=headers).raise_for_status()
        samples = []
        for _ in range(iterations):
            t0 = time.perf_counter()
            http.get("/v2/slots", params=params, headers=headers).raise_for_status()
            samples.append(time.perf_counter() - t0)
    return summary_ms(samples)


async def measure_explain(url: str, iterations: int) -> dict[str, object]:
    """Only the explanation beside the one-day query: the same seed, without the 30-day and
    HTTP runs, so the two numbers can be compared without minutes of other load first."""
    db = Database(url)
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)
    et_id = await seed(db, start)
    explained = await explain_vs_day(db, et_id, start, iterations)
    await db.dispose()
    return explained


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--only", choices=["explain"], default=None)
    args = parser.parse_args()
    use_pinned_tzdata()
    if args.only == "explain":
        with scratch_database(args.db) as url:
            result = asyncio.run(measure_explain(url, args.iterations))
        result["database"] = args.db
        result["load_average"] = list(os.getloadavg())
        path = write_result(f"slots_explain_{args.db}", result)
        print(f"slots ({args.db}): explanation vs one-day query, 1,000 bookings, 50 overrides")
        _print_explain(result)
        print(f"  load average {result['load_average']}  -> {path}")
        return
    with scratch_database(args.db) as url:
        result = asyncio.run(measure(url, args.iterations))
        result["http"] = http_round_trips(
            url, result["event_type_id"], *result["range"], args.iterations
        )  # type: ignore[arg-type]
    result["database"] = args.db
    path = write_result(f"slots_{args.db}", result)
    s, h = result["service"], result["http"]
    print(f"slots ({args.db}): 30-day query, 1,000 bookings, 50 overrides")
    print(
        f"  service  p50 {s['p50_ms']:.2f} ms  p95 {s['p95_ms']:.2f} ms  "  # type: ignore[index]
        f"{s['slots_per_query']} slots/query  {s['slots_per_s']} slots/s"
    )  # type: ignore[index]
    print(f"  http     p50 {h['p50_ms']:.2f} ms  p95 {h['p95_ms']:.2f} ms")  # type: ignore[index]
    _print_explain(result)
    print(f"  -> {path}")


def _print_explain(result: dict[str, object]) -> None:
    e, d = result["explain"], result["one_day"]
    print(
        f"  explain  p50 {e['p50_ms']:.2f} ms  p95 {e['p95_ms']:.2f} ms  "  # type: ignore[index]
        f"(bookable={e['bookable']}, {e['reasons']})"  # type: ignore[index]
    )
    print(
        f"  one-day slot query  p50 {d['p50_ms']:.2f} ms  p95 {d['p95_ms']:.2f} ms"  # type: ignore[index]
    )
    sweep = cast(dict[str, dict[str, Any]], result["sweep"])
    for kind, got in sweep.items():
        print(
            f"  week of starts every 30 min, {kind}: n={got['explain']['n']}  explain p50 "
            f"{got['explain']['p50_ms']:.2f} ms  one-day p50 {got['one_day']['p50_ms']:.2f} ms  "
            f"ratio p50 {got['p50_ratio']:.3f}  mean {got['mean_ratio']:.3f}"
        )


if __name__ == "__main__":
    main()
