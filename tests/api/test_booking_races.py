"""Two people can never book the same slot: real parallel clients against a real server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, text

from calgate.store.db import sync_url
from tests.conftest import TEST_SECRET
from tests.support.server import free_port, responds
from tests.support.waiting import wait_until


def _next_monday() -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7) + timedelta(days=7)


def _setup(client: Any, make_account: Any, seats: int | None = None) -> tuple[int, list[str]]:
    acct = make_account(time_zone="UTC")
    body: dict[str, Any] = {
        "title": "Race",
        "slug": "race",
        "lengthInMinutes": 20,
        "minimumBookingNotice": 0,
    }
    if seats:
        body["seats"] = {
            "seatsPerTimeSlot": seats,
            "showAttendeeInfo": False,
            "showAvailabilityCount": True,
        }
    r = client.post(
        "/v2/event-types", headers={**acct.headers, "cal-api-version": "2024-06-14"}, json=body
    )
    assert r.status_code == 201, r.text
    monday = _next_monday()
    # 20 slots: 09:00, 09:20, ... on one Monday (UTC schedule 09:00-17:00).
    starts = [
        (monday + timedelta(hours=9, minutes=20 * i)).isoformat().replace("+00:00", "Z")
        for i in range(20)
    ]
    return r.json()["data"]["id"], starts


async def _race(
    base_urls: list[str], event_type_id: int, starts: list[str], clients: int
) -> Counter[int]:
    limits = httpx2.Limits(max_connections=clients)
    async with httpx2.AsyncClient(timeout=120, limits=limits) as http:

        async def one(i: int) -> int:
            while True:
                r = await http.post(
                    f"{base_urls[i % len(base_urls)]}/v2/bookings",
                    headers={"cal-api-version": "2024-08-13"},
                    json={
                        "start": starts[i % len(starts)],
                        "eventTypeId": event_type_id,
                        "attendee": {
                            "name": f"Racer {i}",
                            "email": f"racer{i}@example.com",
                            "timeZone": "UTC",
                        },
                    },
                )
                if r.status_code != 503:
                    break
                # Every pooled connection stayed busy (a loaded machine): the server says so
                # and when to come back, as a polite client would.
                assert r.json()["error"]["code"] == "ServiceUnavailableException"
                await asyncio.sleep(int(r.headers["Retry-After"]))
            assert r.status_code in (201, 400), r.text
            return r.status_code

        codes = await asyncio.gather(*(one(i) for i in range(clients)))
    return Counter(codes)


def _count(db_url: str, sql: str) -> int:
    engine = create_engine(sync_url(db_url))
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return int(value)


def test_200_clients_race_for_20_slots(
    client: Any, make_account: Any, live_url: str, db_url: str
) -> None:
    event_type_id, starts = _setup(client, make_account)
    codes = asyncio.run(_race([live_url], event_type_id, starts, 200))
    assert codes[201] == 20
    assert codes[400] == 180
    assert _count(db_url, "SELECT count(*) FROM bookings WHERE status = 'accepted'") == 20
    assert _count(db_url, "SELECT count(DISTINCT start_time) FROM bookings") == 20


def test_seats_fill_exactly(client: Any, make_account: Any, live_url: str, db_url: str) -> None:
    event_type_id, starts = _setup(client, make_account, seats=3)
    codes = asyncio.run(_race([live_url], event_type_id, starts[:2], 40))
    assert codes[201] == 6
    assert _count(db_url, "SELECT count(*) FROM bookings") == 2
    assert _count(db_url, "SELECT count(*) FROM attendees") == 6


@pytest.mark.skipif(
    not os.environ.get("CALGATE_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="cross-process guarantee is PostgreSQL's job; SQLite is single-host",
)
def test_two_server_processes_share_the_guarantee(
    client: Any, make_account: Any, db_url: str
) -> None:
    event_type_id, starts = _setup(client, make_account)
    procs, urls = [], []
    env = {
        **os.environ,
        "CALGATE_DATABASE_URL": db_url,
        "CALGATE_SECRET_KEY": TEST_SECRET,
        "CALGATE_RATE_LIMIT": "off",  # 200 anonymous bookings from one address
    }
    try:
        for _ in range(2):
            port = free_port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "calgate", "serve", "--port", str(port)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            wait_until(lambda url=url: responds(f"{url}/health"), 60, 0.05, url)
        codes = asyncio.run(_race(urls, event_type_id, starts, 200))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
    assert codes[201] == 20
    assert _count(db_url, "SELECT count(*) FROM bookings") == 20
