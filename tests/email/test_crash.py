"""kill -9 the server while its emails cannot be sent: after a restart they still arrive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from typing import IO

import httpx2
import pytest

from tests.conftest import TEST_SECRET
from tests.email.mailbox import mailbox
from tests.support.server import free_port, responds, wait_for_process
from tests.webhooks.conftest import next_monday, z
from tests.webhooks.test_crash import _seed


def _serve(
    db_url: str, smtp_url: str, logs: list[IO[bytes]]
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "CALGATE_DATABASE_URL": db_url,
        "CALGATE_SECRET_KEY": TEST_SECRET,
        "CALGATE_SMTP_URL": smtp_url,
        "CALGATE_EMAIL_FROM": "calgate@example.com",
        "CALGATE_WEBHOOK_POLL_INTERVAL": "0.05",
        "CALGATE_WEBHOOK_BACKOFF_BASE": "0.1",
        "CALGATE_WEBHOOK_BACKOFF_MAX": "0.5",
        "CALGATE_WEBHOOK_MAX_ATTEMPTS": "1000",
        "CALGATE_LOG_LEVEL": "warning",
        "CALGATE_RATE_LIMIT": "off",
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the test
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
        proc.wait()
        raise
    return proc, url


@pytest.mark.slow
def test_emails_survive_kill_9(db_url: str) -> None:
    key = _seed(db_url)
    headers = {"Authorization": f"Bearer {key}"}
    logs: list[IO[bytes]] = []
    try:
        _kill_and_restart(db_url, headers, logs)
    finally:
        for log in logs:
            log.close()


def _kill_and_restart(db_url: str, headers: dict[str, str], logs: list[IO[bytes]]) -> None:
    with mailbox(started=False) as box:
        proc, url = _serve(db_url, box.url, logs)
        try:
            r = httpx2.post(
                f"{url}/v2/event-types",
                headers={**headers, "cal-api-version": "2024-06-14"},
                json={"title": "Q", "slug": "q", "lengthInMinutes": 15, "minimumBookingNotice": 0},
            )
            assert r.status_code == 201, r.text
            r = httpx2.post(
                f"{url}/v2/bookings",
                headers={"cal-api-version": "2024-08-13"},
                json={
                    "start": z(next_monday() + timedelta(hours=10)),
                    "eventTypeId": r.json()["data"]["id"],
                    "attendee": {"name": "Ada", "email": "ada@example.com", "timeZone": "UTC"},
                },
                timeout=30,
            )
            assert r.status_code == 201, r.text
            time.sleep(0.5)
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        box.start()
        proc, url = _serve(db_url, box.url, logs)
        try:
            assert box.wait_for("ada@example.com", timeout=30)
            assert box.wait_for("crash@example.com", timeout=30)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
