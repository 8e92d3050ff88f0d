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

import httpx2
from sqlalchemy import insert

from bench.common import scratch_database, summary_ms, write_result
from calgate.config import Settings
from calgate.core.timezones import use_pinned_tzdata
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
    the explanation checks the start, lists every blocker and finds the nearest starts."""
    tz = "America/New_York"
    day = start + timedelta(days=3)
    # Mid-afternoon in New York on a day with bookings: often refused, nearest starts nearby.
    moment = day + timedelta(hours=19, minutes=10)
    ask = ExplainQuery(EventTypeRef(id=et_id), moment, booker_time_zone=tz)
    one_day = SlotQuery(EventTypeRef(id=et_id), booker_time_zone=tz)
    lo, hi = day + timedelta(hours=5), day + timedelta(hours=29)
    timings: dict[str, list[float]] = {"explain": [], "one_day": []}
    for n in range(iterations + 5):
        t0 = time.perf_counter()
        await explain_start(db, ask)
        t1 = time.perf_counter()
        await available_slots(db, one_day, lo, hi)
        t2 = time.perf_counter()
        if n >= 5:
            timings["explain"].append(t1 - t0)
            timings["one_day"].append(t2 - t1)
    last = (await explain_start(db, ask)).explanation
    return {
        "explain": {
            **summary_ms(timings["explain"]),
            "bookable": last.bookable,
            "reasons": [r.code for r in last.reasons],
        },
        "one_day": summary_ms(timings["one_day"]),
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


if __name__ == "__main__":
    main()
