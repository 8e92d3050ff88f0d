"""Two `calgate serve` processes on one PostgreSQL database, counting in one Redis: the per-key
limit holds across both (N + M requests in one window answer exactly `limit` 2xx)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx2
import pytest

from calgate.config import Settings
from calgate.store.db import is_sqlite
from tests.ratelimit.conftest import REDIS_URL
from tests.support.accounts import seed_account
from tests.support.server import free_port, responds, wait_for_process

pytestmark = pytest.mark.skipif(
    is_sqlite(os.environ.get("CALGATE_TEST_DATABASE_URL") or "sqlite:///x.db"),
    reason="needs PostgreSQL (CALGATE_TEST_DATABASE_URL) for two processes on one database",
)

LIMIT = 7
TO_FIRST, TO_SECOND = 10, 8


def _api_key(settings: Settings) -> str:
    return seed_account(
        settings.database_url,
        settings.secret_key,
        email="limits@example.com",
        name="Limits",
        time_zone="UTC",
    ).key


@contextmanager
def _server(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "calgate", "serve", "--role", "scheduler", "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_process(process, lambda: responds(f"{url}/health"), timeout=60, log=log.read_text)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _burst(urls: list[str], key: str) -> list[int]:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx2.AsyncClient(timeout=30) as http:
        calls = [http.get(f"{urls[0]}/v2/me", headers=headers) for _ in range(TO_FIRST)]
        calls += [http.get(f"{urls[1]}/v2/me", headers=headers) for _ in range(TO_SECOND)]
        answers = await asyncio.gather(*calls)
    return [r.status_code for r in answers]


def test_per_key_limit_holds_across_two_processes(
    settings: Settings, redis_prefix: str, tmp_path: Path
) -> None:
    key = _api_key(settings)
    env = {
        **os.environ,
        "CALGATE_DATABASE_URL": settings.database_url,
        "CALGATE_SECRET_KEY": settings.secret_key,
        "CALGATE_WEBHOOK_WORKER": "0",
        "CALGATE_LOG_LEVEL": "warning",
        "CALGATE_RATE_LIMIT": "on",
        "CALGATE_RATE_LIMIT_STORAGE": REDIS_URL,
        "CALGATE_RATE_LIMIT_PREFIX": redis_prefix,
        "CALGATE_RATE_LIMIT_API_KEY": f"{LIMIT}/minute",
    }
    with ExitStack() as stack:
        urls = [stack.enter_context(_server(env, tmp_path / f"server{i}.log")) for i in (1, 2)]
        codes = asyncio.run(_burst(urls, key))
        assert sorted(codes) == [200] * LIMIT + [429] * (TO_FIRST + TO_SECOND - LIMIT)
        # Both processes are held to the spent count.
        with httpx2.Client(timeout=10) as http:
            for url in urls:
                r = http.get(f"{url}/v2/me", headers={"Authorization": f"Bearer {key}"})
                assert r.status_code == 429
                assert r.headers["X-RateLimit-Remaining-Default"] == "0"
                assert int(r.headers["Retry-After"]) >= 1
