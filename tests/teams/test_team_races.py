"""Racers on a team event type: a host is never booked twice at one time, in one server and
across two server processes sharing PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import httpx2
import pytest

from tests.api.test_booking_races import _count, _next_monday, _race
from tests.conftest import TEST_SECRET
from tests.support.server import free_port

HOSTS = 3
SLOTS = 10


def _setup(client: Any, make_account: Any, kind: str) -> tuple[int, list[str]]:
    owner = make_account(time_zone="UTC")
    hosts = [make_account(time_zone="UTC") for _ in range(HOSTS)]
    r = client.post("/v2/teams", headers=owner.headers, json={"name": f"Race {kind}"})
    tid = r.json()["data"]["id"]
    for h in hosts:
        client.post(
            f"/v2/teams/{tid}/memberships",
            headers=owner.headers,
            json={"userId": h.id, "accepted": True},
        )
    r = client.post(
        f"/v2/teams/{tid}/event-types",
        headers={**owner.headers, "cal-api-version": "2024-06-14"},
        json={
            "title": "Race",
            "slug": f"race-{kind.lower()}",
            "lengthInMinutes": 20,
            "minimumBookingNotice": 0,
            "schedulingType": kind,
            "hosts": [{"userId": h.id} for h in hosts],
        },
    )
    assert r.status_code == 201, r.text
    monday = _next_monday()
    starts = [
        (monday + timedelta(hours=9, minutes=20 * i)).isoformat().replace("+00:00", "Z")
        for i in range(SLOTS)
    ]
    return r.json()["data"]["id"], starts


def _no_host_twice(db_url: str) -> None:
    pairs = "SELECT count(*) FROM (SELECT DISTINCT user_id, block_start FROM booking_blocks) p"
    assert _count(db_url, pairs) == _count(db_url, "SELECT count(*) FROM booking_blocks")


def test_round_robin_racers_fill_every_host_once(
    client: Any, make_account: Any, live_url: str, db_url: str
) -> None:
    et, starts = _setup(client, make_account, "roundRobin")
    codes = asyncio.run(_race([live_url], et, starts, 90))
    assert codes[201] == HOSTS * SLOTS
    _no_host_twice(db_url)


def test_collective_racers_get_one_booking_per_slot(
    client: Any, make_account: Any, live_url: str, db_url: str
) -> None:
    et, starts = _setup(client, make_account, "collective")
    codes = asyncio.run(_race([live_url], et, starts, 60))
    assert codes[201] == SLOTS
    assert _count(db_url, "SELECT count(*) FROM booking_blocks") == SLOTS * HOSTS
    _no_host_twice(db_url)


@pytest.mark.skipif(
    not os.environ.get("CALGATE_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="cross-process guarantee is PostgreSQL's job; SQLite is single-host",
)
def test_round_robin_across_two_processes(client: Any, make_account: Any, db_url: str) -> None:
    et, starts = _setup(client, make_account, "roundRobin")
    procs, urls = [], []
    env = {
        **os.environ,
        "CALGATE_DATABASE_URL": db_url,
        "CALGATE_SECRET_KEY": TEST_SECRET,
        "CALGATE_RATE_LIMIT": "off",
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
            for _ in range(200):
                try:
                    if httpx2.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                time.sleep(0.05)
        codes = asyncio.run(_race(urls, et, starts, 90))
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
    assert codes[201] == HOSTS * SLOTS
    _no_host_twice(db_url)
