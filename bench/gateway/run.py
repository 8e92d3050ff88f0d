"""bench/gateway: GET /cal-com/v2/me through the gateway vs GET /v2/me directly.

A real `calgate serve` process (one uvicorn worker) on loopback serves both the API and the
gateway, whose cal-com provider is the server itself over HTTP (the all-in-one setup). 50
concurrent clients on one httpx2 asyncio client; bounded by request count and time. Reports
requests/s and p50/p95/p99. Usage:
    .venv/bin/python -m bench.gateway.run [--db sqlite|postgres] [--requests 4000]
        [--concurrency 50] [--max-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import subprocess
import sys
import time
from typing import Any

import httpx2
from tests.support.server import free_port

from bench.common import scratch_database, summary_ms, write_result
from calgate.core.timezones import use_pinned_tzdata
from calgate.gateway.keys import create_gateway_key
from calgate.oauth import service as oauth_service
from calgate.services import api_keys, users
from calgate.store.db import Database

SECRET = "bench-secret"
EMAIL, PASSWORD = "bench@example.com", "bench-password"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


async def seed(url: str, public: str) -> dict[str, str]:
    db = Database(url)
    try:
        async with db.transaction() as session:
            user = await users.create_user(
                session, email=EMAIL, password=PASSWORD, name="Bench", time_zone="UTC"
            )
            api_key = (await api_keys.create_api_key(session, SECRET, user)).key
            client, secret = await oauth_service.create_client(
                session,
                name="calgate gateway",
                redirect_uris=[public + "/connect/callback"],
                is_public=False,
            )
            gateway_key = (await create_gateway_key(session, SECRET, "bench")).key
    finally:
        await db.dispose()
    assert secret is not None
    return {
        "api_key": api_key,
        "gateway_key": gateway_key,
        "client_id": client.client_id,
        "client_secret": secret,
    }


def connect(base: str, gateway_key: str, auth_base: str | None = None) -> None:
    """Walk the browser flow once so the gateway key has an ACTIVE connection.

    ``auth_base`` is where the login and consent pages live (the scheduler, when split)."""
    auth = auth_base or base

    def fields(page: str) -> dict[str, str]:
        return {k: html.unescape(v) for k, v in _HIDDEN.findall(page)}

    gw = {"Authorization": f"Bearer {gateway_key}"}
    with httpx2.Client(base_url=base, timeout=30) as browser:
        conn = browser.post("/connections", json={"app": "cal-com"}, headers=gw).json()
        authorize = browser.get(conn["connection"]["url"]).headers["location"]
        login = browser.get(authorize)
        consent = browser.post(
            f"{auth}/auth/oauth2/login",
            data={**fields(login.text), "email": EMAIL, "password": PASSWORD},
            follow_redirects=True,
        )
        back = browser.post(
            f"{auth}/auth/oauth2/authorize", data={**fields(consent.text), "decision": "allow"}
        )
        done = browser.get(back.headers["location"])
        assert done.status_code == 200, done.text


async def load(
    base: str, path: str, key: str, total: int, concurrency: int, max_s: float
) -> dict[str, Any]:
    samples: list[float] = []
    errors = 0
    issued = 0
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=30
    ) as http:
        for _ in range(20):
            (await http.get(path)).raise_for_status()
        deadline = time.perf_counter() + max_s

        async def worker() -> None:
            nonlocal errors, issued
            while issued < total and time.perf_counter() < deadline:
                issued += 1
                t0 = time.perf_counter()
                r = await http.get(path)
                samples.append(time.perf_counter() - t0)
                errors += r.status_code != 200

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {
        "path": path,
        "requests": len(samples),
        "errors": errors,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(len(samples) / elapsed, 1),
        **summary_ms(samples),
    }


def serve(
    url: str, port: int, env_extra: dict[str, str], role: str = "all"
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CALGATE_DATABASE_URL": url,
        "CALGATE_SECRET_KEY": SECRET,
        "CALGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CALGATE_GATEWAY_RATE_LIMIT": "off",
        "CALGATE_LOG_LEVEL": "warning",
        "PYTHONTZPATH": "",
        **env_extra,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "calgate", "serve", "--port", str(port), "--role", role], env=env
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx2.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument(
        "--split",
        action="store_true",
        help="gateway (--role gateway) in its own process in front of the scheduler "
        "(--role scheduler), reaching it over loopback HTTP",
    )
    args = parser.parse_args()
    use_pinned_tzdata()
    api_port = free_port()
    api = f"http://127.0.0.1:{api_port}"
    gw_port = free_port() if args.split else api_port
    gw = f"http://127.0.0.1:{gw_port}"
    with scratch_database(args.db) as url:
        creds = asyncio.run(seed(url, gw))
        client = {
            "CALGATE_CAL_COM_CLIENT_ID": creds["client_id"],
            "CALGATE_CAL_COM_CLIENT_SECRET": creds["client_secret"],
        }
        if args.split:
            procs = [
                serve(url, api_port, {}, role="scheduler"),
                serve(
                    url,
                    gw_port,
                    {
                        **client,
                        "CALGATE_CAL_COM_BASE_URL": api,
                        "CALGATE_CAL_COM_AUTHORIZE_URL": f"{api}/auth/oauth2/authorize",
                        "CALGATE_CAL_COM_TOKEN_URL": f"{api}/v2/auth/oauth2/token",
                    },
                    role="gateway",
                ),
            ]
        else:
            procs = [serve(url, api_port, client)]
        try:
            connect(gw, creds["gateway_key"], auth_base=api)
            run = (args.requests, args.concurrency, args.max_seconds)
            direct = asyncio.run(load(api, "/v2/me", creds["api_key"], *run))
            gateway = asyncio.run(load(gw, "/cal-com/v2/me", creds["gateway_key"], *run))
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=15)
    mode = "split" if args.split else "all-in-one"
    result = {
        "database": args.db,
        "concurrency": args.concurrency,
        "mode": mode,
        "direct": direct,
        "gateway": gateway,
        "note": (
            "gateway process in front of a scheduler process, over loopback HTTP"
            if args.split
            else "one uvicorn worker serves both; a gateway call includes a full /v2/me call"
        ),
    }
    suffix = "_split" if args.split else ""
    path = write_result(f"gateway_{args.db}_c{args.concurrency}{suffix}", result)
    print(f"gateway ({args.db}, {mode}): {args.concurrency} concurrent clients, GET me")
    for name, r in (("direct /v2/me", direct), ("gateway /cal-com/v2/me", gateway)):
        print(
            f"  {name:24} {r['requests_per_s']:8.1f} req/s  p50 {r['p50_ms']:.2f} ms  "
            f"p99 {r['p99_ms']:.2f} ms  errors {r['errors']}/{r['requests']}"
        )
    print(f"  -> {path}")


if __name__ == "__main__":
    main()
