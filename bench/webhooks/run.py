"""bench/webhooks: webhook delivery throughput and event->delivery latency.

A fast local receiver (uvicorn, answers 200 at once) on loopback; the dispatcher runs as the
server's in-process worker does. Two phases:
  * backlog: N events already in the outbox, then the dispatcher starts -> deliveries/s;
  * live: events committed one at a time while the dispatcher runs -> latency from the commit
    of the event to its arrival at the receiver (p50/p99).
Usage:
    .venv/bin/python -m bench.webhooks.run [--db sqlite|postgres] [--events 2000]
        [--live 300] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from dataclasses import replace
from typing import Any

from tests.support.server import live_server

from bench.common import scratch_database, summary_ms, write_result
from calgate.config import Settings
from calgate.core.timezones import use_pinned_tzdata
from calgate.gateway.config import GatewaySettings
from calgate.security.crypto import Keyring
from calgate.services import users
from calgate.store.db import Database
from calgate.store.models import Webhook, utcnow
from calgate.webhooks import outbox
from calgate.webhooks.worker import webhook_dispatcher

SECRET = "bench-secret"


class Receiver:
    """Minimal ASGI app: records when each event id arrived, answers 200."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.requests = 0
        self.lock = threading.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        now = time.perf_counter()
        headers = dict(scope["headers"])
        event_id = headers.get(b"x-calgate-event-id", b"").decode()
        with self.lock:
            self.requests += 1
            self.arrived.setdefault(event_id, now)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def seed(db: Database, url: str) -> int:
    async with db.transaction() as session:
        user = await users.create_user_in(
            session, email="hooks@example.com", password="hooks-pass", name="H", time_zone="UTC"
        )
        hook = Webhook(
            user_id=user.id,
            subscriber_url=url,
            triggers=["BOOKING_CREATED"],
            active=True,
            secret="bench",
            created_at=utcnow(),
        )
        session.add(hook)
        await session.flush()
        return user.id


def _payload(i: int) -> dict[str, Any]:
    return {"uid": f"bench-{i}", "title": "Bench", "bookingId": i, "attendees": []}


async def enqueue(db: Database, user_id: int, first: int, count: int) -> None:
    async with db.transaction() as session:
        for i in range(first, first + count):
            await outbox.enqueue(
                session, "BOOKING_CREATED", _payload(i), user_id=user_id, event_type_id=None
            )


async def wait_all(rec: Receiver, n: int, limit_s: float = 300) -> None:
    deadline = time.perf_counter() + limit_s
    while len(rec.arrived) < n:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {len(rec.arrived)} of {n} events arrived")
        await asyncio.sleep(0.005)


async def bench(url: str, settings: Settings, events: int, live: int) -> dict[str, Any]:
    rec = Receiver()
    with live_server(rec) as base:
        db = Database(url)
        try:
            user_id = await seed(db, f"{base}/hook")
            # Phase 1: backlog.
            await enqueue(db, user_id, 0, events)
            dispatcher = webhook_dispatcher(
                db, settings, Keyring(GatewaySettings.from_env(settings).token_keys)
            )
            t0 = time.perf_counter()
            await dispatcher.start()
            try:
                await wait_all(rec, events)
                backlog_s = time.perf_counter() - t0
                # Phase 2: live events, one transaction each.
                latencies: list[float] = []
                for i in range(events, events + live):
                    async with db.transaction() as session:
                        await outbox.enqueue(
                            session,
                            "BOOKING_CREATED",
                            _payload(i),
                            user_id=user_id,
                            event_type_id=None,
                        )
                    committed = time.perf_counter()
                    await wait_all(rec, i + 1, limit_s=30)
                    latencies.append(max(0.0, list(rec.arrived.values())[-1] - committed))
            finally:
                await dispatcher.stop()
        finally:
            await db.dispose()
    return {
        "backlog_events": events,
        "backlog_wall_s": round(backlog_s, 3),
        "deliveries_per_s": round(events / backlog_s, 1),
        "live_events": live,
        "event_to_delivery": summary_ms(latencies),
        "requests_received": rec.requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--live", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    use_pinned_tzdata()
    with scratch_database(args.db) as url:
        settings = replace(
            Settings(database_url=url, secret_key=SECRET, rate_limit=False),
            webhook_allow_private=True,
            webhook_concurrency=args.concurrency,
        )
        result = asyncio.run(bench(url, settings, args.events, args.live))
    result = {"database": args.db, "concurrency": args.concurrency, **result}
    path = write_result(f"webhooks_{args.db}", result)
    lat = result["event_to_delivery"]
    print(f"webhooks ({args.db}, concurrency {args.concurrency}):")
    print(
        f"  backlog: {args.events} events delivered in {result['backlog_wall_s']} s "
        f"= {result['deliveries_per_s']} deliveries/s"
    )
    print(f"  live: event->delivery p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms (n={lat['n']})")
    print(f"  -> {path}")


if __name__ == "__main__":
    main()
