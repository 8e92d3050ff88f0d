"""bench/gateway: GET /cal-com/v2/me through the gateway vs GET /v2/me directly.

A real `calgate serve` process (one uvicorn worker) on loopback serves both the API and the
gateway, whose cal-com provider is the server itself over HTTP (the all-in-one setup). 50
concurrent clients on one httpx2 asyncio client; bounded by request count and time. Reports
requests/s and p50/p95/p99. Usage:
    .venv/bin/python -m bench.gateway.run [--db sqlite|postgres] [--requests 4000] [--rate R]
        [--concurrency 50] [--max-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import shutil
import statistics
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
            user = await users.create_user_in(
                session, email=EMAIL, password=PASSWORD, name="Bench", time_zone="UTC"
            )
            api_key = (await api_keys.create_api_key_in(session, SECRET, user)).key
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
    base: str,
    path: str,
    key: str,
    total: int,
    concurrency: int,
    max_s: float,
    rate: float | None = None,
) -> dict[str, Any]:
    """Closed loop (each client sends again as soon as it has an answer), or, with ``rate``,
    open loop: requests are due at a fixed overall rate spread over the clients, and latency
    counts from when a request was due, so a server falling behind shows up as latency
    (no coordinated omission)."""
    samples: list[float] = []
    errors = 0
    issued = 0
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=30
    ) as http:
        for _ in range(20):
            (await http.get(path)).raise_for_status()
        start = time.perf_counter()
        deadline = start + max_s

        async def worker(i: int) -> None:
            nonlocal errors, issued
            k = 0
            while issued < total and time.perf_counter() < deadline:
                issued += 1
                if rate is None:
                    t0 = time.perf_counter()
                else:
                    t0 = start + (k * concurrency + i) / rate
                    k += 1
                    await asyncio.sleep(max(0.0, t0 - time.perf_counter()))
                r = await http.get(path)
                samples.append(time.perf_counter() - t0)
                errors += r.status_code != 200

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {
        "path": path,
        "generator": "httpx2" + (f" open loop at {rate:g} req/s" if rate else " closed loop"),
        "requests": len(samples),
        "errors": errors,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(len(samples) / elapsed, 1),
        **summary_ms(samples),
    }


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(base: str, path: str, key: str, concurrency: int, seconds: float) -> dict[str, Any]:
    """Closed loop with wrk (C, one thread), so the load generator takes little of the CPU
    the server needs on a 2-core machine."""
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {key}",
            base + path,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, Any] = {"path": path, "generator": "wrk closed loop"}
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        result[f"p{pct}_ms"] = round(float(value) * _WRK_UNITS[unit], 3)
    total = re.search(r"(\d+) requests in ([\d.]+)(s|m)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if total is None or rps is None or "p50_ms" not in result:
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    result["requests"] = int(total.group(1))
    result["requests_per_s"] = float(rps.group(1))
    result["errors"] = (int(bad.group(1)) if bad else 0) + (
        sum(int(g) for g in errors.groups()) if errors else 0
    )
    return result


def serve(
    url: str, port: int, env_extra: dict[str, str], role: str = "all"
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CALGATE_DATABASE_URL": url,
        "CALGATE_SECRET_KEY": SECRET,
        "CALGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CALGATE_GATEWAY_RATE_LIMIT": "off",
        "CALGATE_RATE_LIMIT": "off",
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


def _order(targets: dict[str, Any], n: int) -> list[str]:
    names = list(targets)
    return names if n % 2 == 0 else names[::-1]


def _combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one target as one result: medians of the rates and percentiles."""
    out: dict[str, Any] = {"path": runs[0]["path"], "generator": runs[0]["generator"]}
    out["rounds"] = len(runs)
    out["requests"] = sum(r["requests"] for r in runs)
    out["errors"] = sum(r["errors"] for r in runs)
    for stat in ("requests_per_s", "p50_ms", "p99_ms"):
        out[stat] = round(statistics.median(r[stat] for r in runs), 3)
        out[f"{stat}_by_round"] = [r[stat] for r in runs]
    return out


def _added(runs: dict[str, dict[str, Any]], stat: str) -> float:
    return round(runs["gateway"][stat] - runs["direct"][stat], 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=40.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="open-loop rate (req/s) for the latency run; default: a quarter of the direct "
        "closed-loop throughput",
    )
    parser.add_argument(
        "--generator",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="closed-loop load generator (wrk if installed)",
    )
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
                        # The scheduler is on loopback, which the SSRF guard refuses by default.
                        "CALGATE_GATEWAY_ALLOW_PRIVATE": "1",
                    },
                    role="gateway",
                ),
            ]
        else:
            procs = [serve(url, api_port, client)]
        try:
            connect(gw, creds["gateway_key"], auth_base=api)
            targets = {
                "direct": (api, "/v2/me", creds["api_key"]),
                "gateway": (gw, "/cal-com/v2/me", creds["gateway_key"]),
            }
            # Short runs, alternating target and order, so drift in what else the machine is
            # doing lands on both sides alike; each figure is the median over the rounds.
            slot = args.max_seconds / (2 * args.rounds)
            closed_runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
            for n in range(args.rounds):
                for name in _order(targets, n):
                    base, path, key = targets[name]
                    if args.generator == "wrk":
                        run = wrk(base, path, key, args.concurrency, slot)
                    else:
                        run = asyncio.run(
                            load(base, path, key, args.requests, args.concurrency, slot)
                        )
                    closed_runs[name].append(run)
            closed = {name: _combine(runs) for name, runs in closed_runs.items()}
            rate = args.rate or round(closed["direct"]["requests_per_s"] / 4)
            open_runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
            for n in range(args.rounds):
                for name in _order(targets, n):
                    base, path, key = targets[name]
                    total = int(rate * slot)
                    open_runs[name].append(
                        asyncio.run(
                            load(base, path, key, total, args.concurrency, slot * 2, rate=rate)
                        )
                    )
            opened = {name: _combine(runs) for name, runs in open_runs.items()}
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=15)
    mode = "split" if args.split else "all-in-one"
    result = {
        "database": args.db,
        "concurrency": args.concurrency,
        "mode": mode,
        "closed_loop": closed,
        "open_loop": opened,
        "added": {
            "throughput_ratio": round(
                closed["gateway"]["requests_per_s"] / closed["direct"]["requests_per_s"], 3
            ),
            "closed_loop_p50_ms": _added(closed, "p50_ms"),
            "open_loop_rate": rate,
            "open_loop_p50_ms": _added(opened, "p50_ms"),
            "open_loop_p99_ms": _added(opened, "p99_ms"),
        },
        "note": (
            "gateway process in front of a scheduler process, over loopback HTTP"
            if args.split
            else "one uvicorn worker serves both; a gateway call includes a full /v2/me call"
        ),
    }
    suffix = "_split" if args.split else ""
    path = write_result(f"gateway_{args.db}_c{args.concurrency}{suffix}", result)
    print(f"gateway ({args.db}, {mode}): {args.concurrency} concurrent connections, GET me")
    for label, runs in (("closed loop", closed), (f"open loop {rate:g} req/s", opened)):
        print(f"  {label} ({runs['direct']['generator']}):")
        for name, r in runs.items():
            print(
                f"    {name:8} {r['requests_per_s']:8.1f} req/s  p50 {r['p50_ms']:.2f} ms  "
                f"p99 {r['p99_ms']:.2f} ms  errors {r['errors']}/{r['requests']}"
            )
    added = result["added"]
    print(
        f"  added: throughput {added['throughput_ratio']:.0%} of direct; "  # type: ignore[index]
        f"p50 +{added['open_loop_p50_ms']:.2f} ms, p99 +{added['open_loop_p99_ms']:.2f} ms "  # type: ignore[index]
        f"at {rate:g} req/s; closed-loop p50 +{added['closed_loop_p50_ms']:.2f} ms"  # type: ignore[index]
    )
    print(f"  -> {path}")


if __name__ == "__main__":
    main()
