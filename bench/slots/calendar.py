"""bench/slots/calendar: the bench/slots query, without and with a selected CalDAV calendar of
500 events (a third of them weekly recurring) on a real Radicale server on loopback.

The calendar's busy time is read in the background into the database, so a warm slot query
only adds one indexed read of it: the goal is p50 with the calendar <= 1.5x p50 without. The
cold read (connecting the account reads the calendar at once) is bounded by the calendar
timeout and reported too. Usage:
    .venv/bin/python -m bench.slots.calendar [--db sqlite|postgres] [--iterations 200]
(postgres: a scratch database on CALGATE_BENCH_POSTGRES_URL, default 127.0.0.1:5432, as the
other benches do)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
from tests.calendars.servers import Radicale, radicale

from bench.common import scratch_database, summary_ms, write_result
from bench.slots.run import DAYS, seed
from calgate.config import Settings
from calgate.core.timezones import use_pinned_tzdata
from calgate.security.crypto import Keyring
from calgate.services import calendars
from calgate.services.availability import EventTypeRef
from calgate.services.slots import SlotQuery, available_slots
from calgate.store.db import Database

EVENTS = 500


def event(uid: str, start: datetime, minutes: int, weekly: bool) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//calgate bench//EN",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
        f"DTEND:{start + timedelta(minutes=minutes):%Y%m%dT%H%M%SZ}",
    ]
    if weekly:
        lines.append("RRULE:FREQ=WEEKLY;COUNT=12")
    return "\r\n".join([*lines, "END:VEVENT", "END:VCALENDAR", ""])


def fill(server: Radicale, start: datetime) -> str:
    url = server.make_calendar("bench", "busy")
    rng = random.Random(11)
    with httpx2.Client(auth=("bench", "secret"), timeout=30) as http:
        for n in range(EVENTS):
            at = start + timedelta(minutes=15 * rng.randrange(DAYS * 96))
            body = event(f"bench-{n}", at, rng.choice((15, 30, 60)), weekly=n % 3 == 0)
            r = http.put(f"{url}bench-{n}.ics", content=body.encode())
            r.raise_for_status()
    return url


async def p50(db: Database, query: SlotQuery, start: datetime, end: datetime, n: int) -> dict:  # type: ignore[type-arg]
    for _ in range(5):
        await available_slots(db, query, start, end)
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        await available_slots(db, query, start, end)
        samples.append(time.perf_counter() - t0)
    return summary_ms(samples)


async def measure(url: str, server: Radicale, iterations: int) -> dict[str, object]:
    # The default timeout: the cold read must fit in what a deployment allows it.
    settings = Settings(database_url=url, secret_key="bench", calendar_allow_private=True)
    db = Database(url)
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)
    end = start + timedelta(days=DAYS)
    et_id = await seed(db, start)
    query = SlotQuery(EventTypeRef(id=et_id))
    without = await p50(db, query, start, end, iterations)
    t0 = time.perf_counter()
    await calendars.save_caldav(
        db, settings, Keyring([("k", "bench")]), 1, "caldav", "bench", "secret", server.url
    )
    cold_ms = (time.perf_counter() - t0) * 1000
    # Proof the cold read happened (a failed read is recorded, not raised).
    async with db.session() as session:
        read = await calendars.calendar_busy(session, [1], start, end)
    if read.stale:
        raise SystemExit("the calendar could not be read within the calendar timeout")
    t0 = time.perf_counter()
    await available_slots(db, query, start, end)
    first_ms = (time.perf_counter() - t0) * 1000
    with_calendar = await p50(db, query, start, end, iterations)
    await db.dispose()
    return {
        "events": EVENTS,
        "busy_intervals_in_range": sum(len(v) for v in read.busy.values()),
        "without_calendar": without,
        "with_calendar": with_calendar,
        "ratio_p50": round(with_calendar["p50_ms"] / without["p50_ms"], 3),
        "cold_connect_and_read_ms": round(cold_ms, 1),
        "first_query_after_connect_ms": round(first_ms, 1),
        "calendar_timeout_s": settings.calendar_timeout,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()
    use_pinned_tzdata()
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)
    with tempfile.TemporaryDirectory() as tmp, radicale(Path(tmp)) as server:
        fill(server, start)
        with scratch_database(args.db) as url:
            result = asyncio.run(measure(url, server, args.iterations))
    result["database"] = args.db
    path = write_result(f"slots_calendar_{args.db}", result)
    w, c = result["without_calendar"], result["with_calendar"]
    print(f"slots + CalDAV calendar ({args.db}): {EVENTS} events, a third weekly recurring")
    print(f"  without  p50 {w['p50_ms']:.2f} ms  p95 {w['p95_ms']:.2f} ms")  # type: ignore[index]
    print(f"  with     p50 {c['p50_ms']:.2f} ms  p95 {c['p95_ms']:.2f} ms")  # type: ignore[index]
    print(f"  ratio    {result['ratio_p50']}  (goal <= 1.5)")
    print(
        f"  cold connect + first read {result['cold_connect_and_read_ms']} ms"
        f" (bounded by the {result['calendar_timeout_s']} s calendar timeout),"
        f" first slot query after it {result['first_query_after_connect_ms']} ms"
    )
    print(f"  -> {path}")


if __name__ == "__main__":
    main()
