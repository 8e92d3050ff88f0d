"""kill -9 the server mid-delivery: after a restart every event still arrives at least once,
and a duplicate carries the same event id (and body) as the first copy."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from collections import defaultdict
from contextlib import suppress
from datetime import timedelta
from typing import IO

import httpx2
import pytest
from sqlalchemy import create_engine, text

from calgate.config import Settings
from calgate.store.db import sync_url
from tests.conftest import TEST_SECRET
from tests.support.accounts import seed_account
from tests.support.server import free_port, responds, wait_for_process
from tests.support.waiting import wait_until
from tests.webhooks.conftest import next_monday, z
from tests.webhooks.receiver import receiver

# Enough that the kill lands with most deliveries still owed (it comes after the 20th).
BOOKINGS = 80


def _start(db_url: str, logs: list[IO[bytes]]) -> tuple[subprocess.Popen[bytes], str]:
    """Start `calgate serve` on a free port; try another port if one was taken meanwhile."""
    for attempt in range(3):
        try:
            return _start_once(db_url, logs)
        except RuntimeError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _start_once(db_url: str, logs: list[IO[bytes]]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "CALGATE_DATABASE_URL": db_url,
        "CALGATE_SECRET_KEY": TEST_SECRET,
        "CALGATE_WEBHOOK_ALLOW_PRIVATE": "1",
        "CALGATE_WEBHOOK_POLL_INTERVAL": "0.05",
        "CALGATE_WEBHOOK_BACKOFF_BASE": "0.1",
        "CALGATE_WEBHOOK_BACKOFF_MAX": "0.5",
        "CALGATE_WEBHOOK_MAX_ATTEMPTS": "1000",
        "CALGATE_WEBHOOK_TIMEOUT": "1",
        "CALGATE_LOG_LEVEL": "warning",
        "CALGATE_RATE_LIMIT": "off",
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the test)
    logs.append(log)
    proc = subprocess.Popen(
        [sys.executable, "-m", "calgate", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"

    def tail() -> str:
        log.seek(0)
        return str(log.read().decode()[-3000:])

    try:
        wait_for_process(proc, lambda: responds(f"{url}/health"), timeout=60, log=tail)
    except AssertionError:
        proc.kill()
        raise
    return proc, url


def _seed(db_url: str) -> str:
    return seed_account(
        db_url,
        TEST_SECRET,
        email="crash@example.com",
        password="pw-crash-123",
        name="Crash",
        time_zone="UTC",
    ).key


async def _book_all(url: str, key: str, hook_url: str) -> list[str]:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx2.AsyncClient(base_url=url, timeout=60) as http:
        r = await http.post(
            "/v2/event-types",
            headers={**headers, "cal-api-version": "2024-06-14"},
            json={
                "title": "Quick",
                "slug": "quick",
                "lengthInMinutes": 5,
                "minimumBookingNotice": 0,
            },
        )
        assert r.status_code == 201, r.text
        et = r.json()["data"]["id"]
        r = await http.post(
            "/v2/webhooks",
            headers=headers,
            json={
                "active": True,
                "subscriberUrl": hook_url,
                "triggers": ["BOOKING_CREATED"],
                "secret": "k",
            },
        )
        assert r.status_code == 201, r.text
        monday = next_monday()
        # 96 five-minute slots a day, 09:00-17:00 UTC, Monday to Wednesday.
        starts = [
            monday + timedelta(days=d, hours=9, minutes=5 * i) for d in range(3) for i in range(96)
        ][:BOOKINGS]
        limit = asyncio.Semaphore(8)

        async def one(i: int) -> str:
            async with limit:
                r = await http.post(
                    "/v2/bookings",
                    headers={"cal-api-version": "2024-08-13"},
                    json={
                        "start": z(starts[i]),
                        "eventTypeId": et,
                        "attendee": {
                            "name": f"Guest {i}",
                            "email": f"g{i}@example.com",
                            "timeZone": "UTC",
                        },
                    },
                )
                assert r.status_code == 201, r.text
                return str(r.json()["data"]["uid"])

        return list(await asyncio.gather(*(one(i) for i in range(BOOKINGS))))


def _event_ids(db_url: str) -> set[str]:
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(text("SELECT event_id FROM webhook_deliveries"))}
    finally:
        engine.dispose()


@pytest.mark.slow
def test_kill_9_mid_delivery_loses_nothing(db_url: str, settings: Settings) -> None:
    key = _seed(db_url)
    hook_port = free_port()
    hook_url = f"http://127.0.0.1:{hook_port}/hook"
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[IO[bytes]] = []
    try:
        first, url = _start(db_url, logs)
        procs.append(first)
        # The receiver is down: every delivery fails and is retried with backoff.
        uids = asyncio.run(_book_all(url, key, hook_url))
        expected = _event_ids(db_url)
        assert len(expected) == BOOKINGS

        with receiver(port=hook_port, delay=0.05) as rec:
            # Let the first server get part-way through, then kill it without warning.
            rec.wait_for(20, timeout=30)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            before_kill = len(rec.requests)
            assert before_kill < BOOKINGS, "the kill came too late to interrupt delivery"

            second, _ = _start(db_url, logs)
            procs.append(second)
            with suppress(AssertionError):  # the assertion below says what is missing
                wait_until(lambda: rec.event_ids() == expected, 60, 0.1)
            got = list(rec.requests)

        assert {r.event_id for r in got} == expected
        copies: dict[str, set[bytes]] = defaultdict(set)
        for r in got:
            copies[r.event_id].add(r.body)
        # Duplicates (if any) are the same event: same id, same body.
        assert all(len(bodies) == 1 for bodies in copies.values())
        delivered_uids = {r.json()["payload"]["uid"] for r in got}
        assert delivered_uids == set(uids)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        for log in logs:
            log.close()
