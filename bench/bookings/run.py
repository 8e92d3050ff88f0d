"""bench/bookings: 200 concurrent clients racing for 20 slots through a real server.

Reports wall time, successful bookings/s, attempts/s and per-request latency. Correctness
(exactly 20 bookings) is asserted by the test suite, not here. Usage:
    .venv/bin/python -m bench.bookings.run [--db sqlite|postgres] [--clients 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
from tests.support.server import live_server

from bench.common import scratch_database, summary_ms, write_result
from calgate.app import create_app
from calgate.config import Settings
from calgate.core.timezones import use_pinned_tzdata
from calgate.services import api_keys, users
from calgate.store.db import Database

SECRET = "bench-secret"


async def seed(url: str) -> str:
    db = Database(url)
    async with db.transaction() as session:
        user = await users.create_user_in(
            session, email="race@example.com", password="race-pass", name="Race", time_zone="UTC"
        )
        key = (await api_keys.create_api_key_in(session, SECRET, user)).key
    await db.dispose()
    return key


async def round_(
    base: str, key: str, n: int, clients: int
) -> tuple[Counter[int], list[float], float]:
    async with httpx2.AsyncClient(
        base_url=base, timeout=120, limits=httpx2.Limits(max_connections=clients)
    ) as http:
        r = await http.post(
            "/v2/event-types",
            headers={"Authorization": f"Bearer {key}", "cal-api-version": "2024-06-14"},
            json={
                "title": f"Race {n}",
                "slug": f"race-{n}",
                "lengthInMinutes": 20,
                "minimumBookingNotice": 0,
            },
        )
        r.raise_for_status()
        et_id = r.json()["data"]["id"]
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        day = today + timedelta(days=(7 - today.weekday()) % 7 or 7) + timedelta(weeks=n + 1)
        starts = [(day + timedelta(hours=9, minutes=20 * i)).isoformat() for i in range(20)]
        latencies: list[float] = []

        async def one(i: int) -> int:
            t0 = time.perf_counter()
            resp = await http.post(
                "/v2/bookings",
                headers={"cal-api-version": "2024-08-13"},
                json={
                    "start": starts[i % 20],
                    "eventTypeId": et_id,
                    "attendee": {"name": "R", "email": f"r{i}@example.com", "timeZone": "UTC"},
                },
            )
            latencies.append(time.perf_counter() - t0)
            return resp.status_code

        t0 = time.perf_counter()
        codes = Counter(await asyncio.gather(*(one(i) for i in range(clients))))
        return codes, latencies, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    use_pinned_tzdata()
    with scratch_database(args.db) as url:
        key = asyncio.run(seed(url))
        app = create_app(Settings(database_url=url, secret_key=SECRET, rate_limit=False))
        rounds: list[dict[str, Any]] = []
        all_latencies: list[float] = []
        with live_server(app) as base:
            for n in range(args.rounds):
                codes, latencies, wall = asyncio.run(round_(base, key, n, args.clients))
                all_latencies += latencies
                rounds.append(
                    {
                        "created": codes[201],
                        "refused": codes[400],
                        "other": sum(codes.values()) - codes[201] - codes[400],
                        "wall_s": round(wall, 3),
                    }
                )
    wall = sum(r["wall_s"] for r in rounds)
    created = sum(r["created"] for r in rounds)
    attempts = args.clients * args.rounds
    result = {
        "database": args.db,
        "clients": args.clients,
        "slots_per_round": 20,
        "rounds": rounds,
        "bookings_per_s": round(created / wall, 1),
        "attempts_per_s": round(attempts / wall, 1),
        "latency": summary_ms(all_latencies),
    }
    path = write_result(f"bookings_{args.db}", result)
    lat = result["latency"]
    print(
        f"bookings ({args.db}): {args.clients} clients x {args.rounds} rounds racing for 20 slots"
    )
    print(f"  created per round: {[r['created'] for r in rounds]}")
    print(
        f"  {result['attempts_per_s']} attempts/s, {result['bookings_per_s']} bookings/s; "
        f"latency p50 {lat['p50_ms']} ms p95 {lat['p95_ms']} ms"
    )
    print(f"  -> {path}")


if __name__ == "__main__":
    main()
