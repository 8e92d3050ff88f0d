"""`calgate worker` delivers on its own (the app's in-process worker switched off), and
`calgate admin retry-webhook-delivery` re-sends a dead delivery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from contextlib import suppress
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from calgate.store.models import WebhookDelivery
from calgate.webhooks import outbox
from calgate.webhooks.dispatcher import Dispatcher
from tests.conftest import TEST_SECRET
from tests.support.waiting import wait_until
from tests.webhooks.conftest import book, event_type, next_monday, subscribe
from tests.webhooks.receiver import receiver, sequence


def _env(db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "CALGATE_DATABASE_URL": db_url,
        "CALGATE_SECRET_KEY": TEST_SECRET,
        "CALGATE_WEBHOOK_ALLOW_PRIVATE": "1",
        "CALGATE_WEBHOOK_POLL_INTERVAL": "0.05",
        "CALGATE_WEBHOOK_BACKOFF_BASE": "0.05",
        "CALGATE_WEBHOOK_MAX_ATTEMPTS": "2",
    }


@pytest.mark.parametrize("webhook_overrides", [{"webhook_worker": False}])
def test_separate_worker_process_and_admin_retry(
    client: TestClient, make_account: Any, db_url: str
) -> None:
    acct = make_account(time_zone="UTC")
    et = event_type(client, acct)
    with receiver(sequence(500, 500)) as rec:
        hook = subscribe(client, acct, rec.url, ["BOOKING_CREATED"])
        # The app itself does not deliver: no in-process dispatcher of webhook deliveries is
        # listening when the booking's delivery commits.
        committed = threading.Event()
        outbox.add_waker(committed.set)
        try:
            book(client, et, next_monday() + timedelta(hours=10))
            assert committed.wait(10)
            listening = [getattr(w, "__self__", None) for w in outbox._wakers]
            tables = {d.table.row for d in listening if isinstance(d, Dispatcher)}
            assert WebhookDelivery not in tables
        finally:
            outbox.remove_waker(committed.set)
        assert rec.requests == []
        proc = subprocess.Popen(
            [sys.executable, "-m", "calgate", "worker"],
            env=_env(db_url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            rec.wait_for(2)

            def deliveries() -> list[dict[str, Any]]:
                r = client.get(f"/v2/webhooks/{hook['id']}/deliveries", headers=acct.headers)
                return list(r.json()["data"])

            with suppress(AssertionError):  # the assertion below shows the last status
                wait_until(lambda: deliveries()[0]["status"] == "dead", 20, 0.05)
            rows = deliveries()
            assert rows[0]["status"] == "dead"
            r = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "calgate",
                    "admin",
                    "retry-webhook-delivery",
                    "--webhook-id",
                    str(hook["id"]),
                    "--delivery-id",
                    str(rows[0]["id"]),
                    "--json",
                ],
                env=_env(db_url),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert r.returncode == 0, r.stderr
            assert json.loads(r.stdout)["status"] == "pending"
            got = rec.wait_for(3)
            assert got[2].event_id == got[0].event_id
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err.decode()
