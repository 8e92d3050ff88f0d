"""bench/slots/teams: 30-day slot queries for a 10-host round-robin and a 10-host collective
team event type (each host with 200 bookings over the month and 20 date overrides), beside a
single-host query on one of those hosts and `GET /v2/me`, all over HTTP on one server.

Usage: .venv/bin/python -m bench.slots.teams [--db sqlite|postgres] [--iterations 50]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import httpx2
from sqlalchemy import insert

from bench.common import scratch_database, summary_ms, write_result
from calgate.config import Settings
from calgate.core.timezones import use_pinned_tzdata
from calgate.services import api_keys, event_types, team_event_types, teams, users
from calgate.services.event_types import EventTypeChanges
from calgate.services.team_event_types import HostSpec, SchedulingType, TeamHosting
from calgate.services.teams import TeamChanges
from calgate.store.db import Database
from calgate.store.models import (
    Attendee,
    Availability,
    Booking,
    BookingBlock,
    BookingStatus,
    MembershipRole,
    Schedule,
)

DAYS = 30
HOSTS = 10
BOOKINGS_PER_HOST = 200
OVERRIDES_PER_HOST = 20
SECRET = "bench"
ZONES = ("America/New_York", "Europe/London", "Europe/Berlin", "America/Chicago", "UTC")


def _et(slug: str) -> EventTypeChanges:
    return EventTypeChanges(title=slug, slug=slug, length=30, minimum_booking_notice=0)


async def seed(db: Database, start: datetime) -> dict[str, object]:
    rng = random.Random(11)
    host_ids: list[int] = []
    personal: list[int] = []
    key = ""
    async with db.transaction() as session:
        for i in range(HOSTS):
            user = await users.create_user_in(
                session,
                email=f"host{i}@example.com",
                password="bench-pass",
                name=f"Host {i}",
                time_zone=ZONES[i % len(ZONES)],
            )
            if i == 0:
                key = (await api_keys.create_api_key_in(session, SECRET, user)).key
            schedule = await session.get(Schedule, user.default_schedule_id)
            assert schedule is not None
            # Every day 07:00-20:00 local, plus overrides on 20 of the 30 days.
            schedule.availability = [
                Availability(days=list(range(7)), start_minute=420, end_minute=1200)
            ]
            for d in rng.sample(range(DAYS), OVERRIDES_PER_HOST):
                schedule.availability.append(
                    Availability(
                        days=[],
                        date=start.date() + timedelta(days=d),
                        start_minute=540,
                        end_minute=1080,
                    )
                )
            et = await event_types.create_event_type_in(session, user, _et(f"one-{i}"))
            host_ids.append(user.id)
            personal.append(et.id)
        await session.flush()
    team = await teams.create_team(db, host_ids[0], TeamChanges(name="Bench team"))
    for uid in host_ids[1:]:
        await teams.create_membership(
            db, host_ids[0], team.id, uid, MembershipRole.MEMBER, accepted=True
        )
    hosting = tuple(HostSpec(uid) for uid in host_ids)
    rr = await team_event_types.create(
        db,
        host_ids[0],
        team.id,
        _et("rr"),
        TeamHosting(SchedulingType.ROUND_ROBIN, hosting),
    )
    collective = await team_event_types.create(
        db,
        host_ids[0],
        team.id,
        _et("collective"),
        TeamHosting(SchedulingType.COLLECTIVE, hosting),
    )
    async with db.transaction() as session:
        n = 0
        bookings, attendees, blocks = [], [], []
        for uid, et_id in zip(host_ids, personal, strict=True):
            for q in sorted(rng.sample(range(DAYS * 96), BOOKINGS_PER_HOST)):
                n += 1
                s = start + timedelta(minutes=15 * q)
                bookings.append(
                    {
                        "id": n,
                        "uid": f"bench-{n}",
                        "event_type_id": et_id,
                        "user_id": uid,
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
                        "booking_id": n,
                        "name": "a",
                        "email": f"a{n}@example.com",
                        "time_zone": "UTC",
                        "no_show": False,
                        "created_at": start,
                    }
                )
                blocks.append(
                    {
                        "booking_id": n,
                        "user_id": uid,
                        "block_start": s,
                        "block_end": s + timedelta(minutes=15),
                        "active": True,
                    }
                )
        await session.execute(insert(Booking), bookings)
        await session.execute(insert(Attendee), attendees)
        await session.execute(insert(BookingBlock), blocks)
    return {
        "single": personal[0],
        "round_robin": rr.event_type.id,
        "collective": collective.event_type.id,
        "key": key,
    }


def measure(url: str, ids: dict[str, object], start: str, end: str, n: int) -> dict[str, object]:
    from tests.support.server import live_server

    from calgate.app import create_app

    app = create_app(Settings(database_url=url, secret_key=SECRET, rate_limit=False))
    out: dict[str, object] = {}
    with live_server(app) as base, httpx2.Client(base_url=base, timeout=60) as http:
        calls = {
            name: (
                "/v2/slots",
                {"eventTypeId": ids[name], "start": start, "end": end},
                {"cal-api-version": "2024-09-04"},
            )
            for name in ("single", "round_robin", "collective")
        }
        calls["me"] = ("/v2/me", {}, {"Authorization": f"Bearer {ids['key']}"})
        for path, params, headers in calls.values():
            for _ in range(3):
                http.get(path, params=params, headers=headers).raise_for_status()
        samples: dict[str, list[float]] = {name: [] for name in calls}
        # Interleaved, so load on the machine falls on every case alike.
        for _ in range(n):
            for name, (path, params, headers) in calls.items():
                t0 = time.perf_counter()
                r = http.get(path, params=params, headers=headers)
                samples[name].append(time.perf_counter() - t0)
                r.raise_for_status()
        for name in calls:
            out[name] = summary_ms(samples[name])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args()
    use_pinned_tzdata()
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)
    end = start + timedelta(days=DAYS)
    with scratch_database(args.db) as url:

        async def seeded() -> dict[str, object]:
            db = Database(url)
            try:
                return await seed(db, start)
            finally:
                await db.dispose()

        ids = asyncio.run(seeded())
        result = measure(url, ids, start.isoformat(), end.isoformat(), args.iterations)
    result["database"] = args.db
    path = write_result(f"slots_teams_{args.db}", result)
    print(f"slots, teams ({args.db}): 30-day query; {HOSTS} hosts x {BOOKINGS_PER_HOST} bookings")
    print("  case          p50 ms    p95 ms")
    for name in ("me", "single", "round_robin", "collective"):
        s = result[name]
        print(f"  {name:<12} {s['p50_ms']:>8.2f}  {s['p95_ms']:>8.2f}")  # type: ignore[index]
    print(f"  -> {path}")


if __name__ == "__main__":
    main()
