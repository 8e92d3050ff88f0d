"""The people's CLI against a live server: output, `--json`, exit codes.

Commands run in this process through Typer's runner, the same app the `calgate` entry point
runs (a subprocess per command cost ~0.3 s of interpreter start and imports, ~85 of them here);
`test_the_installed_command` runs the installed `calgate` itself."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import httpx2
from typer.testing import CliRunner

from calgate import cli
from calgate.client.cli import common
from tests.client.conftest import (
    CALGATE,
    HOST_ZONE,
    Target,
    next_workday,
    recurring_event_type,
)


def run(target: Target, tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``calgate *args`` with the environment a subprocess would get: the target's, nothing
    else of calgate's (variables this process has and the target doesn't set are unset)."""
    wanted: dict[str, str | None] = {**target.env(tmp_path), **env}
    for name in os.environ:
        if name.startswith(("CALGATE_", "MATON_")) and name not in wanted:
            wanted[name] = None
    # What a process would not keep: the environment the command changed (`--profile` sets
    # CALGATE_PROFILE for what runs after it), and the terminal's width, which the consoles
    # took from xdist's COLUMNS=80 when first imported.
    environ = dict(os.environ)
    consoles = [(console, console.width) for console in (common.out, common.err)]
    for console, _ in consoles:
        console.width = int(wanted.get("COLUMNS") or 160)
    try:
        result = CliRunner().invoke(cli.app, list(args), env=wanted, catch_exceptions=False)
    finally:
        os.environ.clear()
        os.environ.update(environ)
        for console, width in consoles:
            console.width = width
    return subprocess.CompletedProcess(
        [CALGATE, *args], result.exit_code, result.stdout, result.stderr
    )


def test_the_installed_command(target: Target, tmp_path: Path) -> None:
    env = target.env(tmp_path)
    me = subprocess.run(
        [CALGATE, "me", "--json"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert me.returncode == 0, me.stderr
    assert json.loads(me.stdout)["email"] == target.email
    missing = subprocess.run(
        [CALGATE, "bookings", "get", "nope"], capture_output=True, text=True, env=env, timeout=60
    )
    assert missing.returncode == 3


def wrong_key(target: Target) -> dict[str, str]:
    if target.mode == "gateway":
        return {"CALGATE_GATEWAY_KEY": "cgw_wrong"}
    return {"CALGATE_API_KEY": "cal_wrong"}


def raw_data(target: Target, path: str, version: str | None = None) -> Any:
    """The API's `data` fetched by hand, to compare with what `--json` prints."""
    headers = {"Authorization": f"Bearer {target.api_key}"}
    if version:
        headers["cal-api-version"] = version
    return httpx2.get(f"{target.url}{path}", headers=headers).json()["data"]


def test_json_prints_exactly_data(target: Target, tmp_path: Path) -> None:
    me = run(target, tmp_path, "me", "--json")
    assert me.returncode == 0, me.stderr
    assert json.loads(me.stdout) == raw_data(target, "/v2/me")
    assert me.stderr == ""
    ets = run(target, tmp_path, "event-types", "list", "--json")
    assert json.loads(ets.stdout) == raw_data(target, "/v2/event-types", "2024-06-14")


def test_book_list_cancel_round_trip(target: Target, tmp_path: Path) -> None:
    day = next_workday().isoformat()
    slots = run(
        target, tmp_path, "slots", "intro", "--from", day, "--to", day, "--tz", HOST_ZONE, "--json"
    )
    assert slots.returncode == 0, slots.stderr
    first = json.loads(slots.stdout)[day][0]["start"]

    booked = run(
        target,
        tmp_path,
        "book",
        str(target.event_type_id),
        f"{day}T09:00",
        "--name",
        "Ann",
        "--email",
        "ann@example.com",
        "--tz",
        HOST_ZONE,
        "--json",
    )
    assert booked.returncode == 0, booked.stderr
    booking = json.loads(booked.stdout)
    assert booking["start"].startswith(f"{day}T")
    assert first.startswith(f"{day}T09:00")

    listed = run(target, tmp_path, "bookings", "list", "--status", "upcoming", "--tz", HOST_ZONE)
    assert listed.returncode == 0, listed.stderr
    assert booking["uid"] in listed.stdout
    assert "ann@example.com" in listed.stdout

    taken = run(
        target,
        tmp_path,
        "book",
        "intro",
        f"{day}T09:00",
        "--name",
        "Bo",
        "--email",
        "bo@example.com",
        "--tz",
        HOST_ZONE,
    )
    assert taken.returncode == 5
    assert taken.stdout == ""
    assert "not available" in taken.stderr

    why = run(target, tmp_path, "why", "intro", f"{day}T09:00", "--tz", HOST_ZONE)
    assert why.returncode == 0, why.stderr
    assert "not bookable" in why.stdout
    assert "busy_booking" in why.stdout
    assert "nearest" in why.stdout

    cancelled = run(target, tmp_path, "bookings", "cancel", booking["uid"], "--reason", "done")
    assert cancelled.returncode == 0, cancelled.stderr
    assert "cancelled" in cancelled.stdout


def test_recurring_booking_shows_every_occurrence(target: Target, tmp_path: Path) -> None:
    day = next_workday()
    with target.client() as client:
        recurring_event_type(client, occurrences=3)
    book = ["book", "weekly", f"{day.isoformat()}T10:00", "--name", "Ann", "--tz", HOST_ZONE]
    booked = run(target, tmp_path, *book, "--email", "ann@example.com", "--json")
    assert booked.returncode == 0, booked.stderr
    series = json.loads(booked.stdout)
    assert [o["recurringBookingUid"] for o in series] == [series[0]["recurringBookingUid"]] * 3
    series_uid = series[0]["recurringBookingUid"]

    shown = run(target, tmp_path, "bookings", "get", series_uid, "--tz", HOST_ZONE)
    assert shown.returncode == 0, shown.stderr
    assert f"3 occurrences of recurring booking {series_uid}" in shown.stdout
    for occurrence in series:
        assert occurrence["uid"] in shown.stdout
    assert shown.stdout.count("10:00") == 3  # every start, in the caller's zone

    # --occurrences books fewer; the human output lists each one.
    later = run(
        target,
        tmp_path,
        *book[:2],
        f"{day.isoformat()}T12:00",
        *book[3:],
        "--email",
        "bo@example.com",
        "--occurrences",
        "2",
    )
    assert later.returncode == 0, later.stderr
    assert "Booked 2 occurrences of recurring booking" in later.stdout
    assert later.stdout.count("12:00") == 2

    one = run(target, tmp_path, "bookings", "get", series[1]["uid"], "--tz", HOST_ZONE)
    assert f"series:    {series_uid}" in one.stdout
    cancelled = run(target, tmp_path, "bookings", "cancel", series[1]["uid"], "--subsequent")
    assert cancelled.returncode == 0, cancelled.stderr
    statuses = run(target, tmp_path, "bookings", "get", series_uid, "--json")
    assert [o["status"] for o in json.loads(statuses.stdout)] == [
        "accepted",
        "cancelled",
        "cancelled",
    ]
    rest = run(target, tmp_path, "bookings", "cancel", series_uid, "--tz", HOST_ZONE)
    assert rest.returncode == 0, rest.stderr
    assert f"Cancelled 1 occurrence of recurring booking {series_uid}" in rest.stdout


def test_exit_codes(target: Target, tmp_path: Path) -> None:
    assert run(target, tmp_path, "book").returncode == 2  # usage
    assert run(target, tmp_path, "bookings", "get", "nope").returncode == 3
    assert run(target, tmp_path, "event-types", "get", "999999").returncode == 3
    denied = run(target, tmp_path, "me", **wrong_key(target))
    assert denied.returncode == 4
    assert "401" in denied.stderr
    dup = run(
        target,
        tmp_path,
        "event-types",
        "create",
        "--title",
        "X",
        "--slug",
        "intro",
        "--length",
        "15",
    )
    assert dup.returncode == 5
    assert "already exists" in dup.stderr
    offline = run(target, tmp_path, "me", CALGATE_URL="http://127.0.0.1:9")
    assert offline.returncode == 6


def test_login_profiles(target: Target, tmp_path: Path) -> None:
    bare = dict.fromkeys(("CALGATE_API_KEY", "CALGATE_GATEWAY_KEY", "CALGATE_CONNECTION"), "")
    creds = (
        ["--gateway-key", target.gateway_key, "--connection", target.connection_id]
        if target.mode == "gateway"
        else ["--api-key", target.api_key]
    )
    logged = run(
        target, tmp_path, "login", "--url", target.url, *creds, "--profile", "work", **bare
    )
    assert logged.returncode == 0, logged.stderr
    stored = tmp_path / "calgate" / "profiles.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert run(target, tmp_path, "me", **bare).returncode == 2  # no default profile yet
    picked = run(target, tmp_path, "me", "--json", CALGATE_PROFILE="work", **bare)
    assert json.loads(picked.stdout)["email"] == target.email
    per_command = run(target, tmp_path, "me", "--profile", "work", "--json", **bare)
    assert per_command.returncode == 0, per_command.stderr
    on_root = run(target, tmp_path, "--profile", "work", "me", "--json", **bare)
    assert on_root.returncode == 0, on_root.stderr
    assert json.loads(on_root.stdout)["email"] == target.email
    # The environment's credentials override the profile's.
    overridden = run(target, tmp_path, "me", "--profile", "work", **wrong_key(target))
    assert overridden.returncode == 4
    bad = run(target, tmp_path, "login", "--url", target.url, "--api-key", "cal_wrong", **bare)
    assert bad.returncode == 4
    both = run(
        target, tmp_path, "login", "--url", target.url, "--api-key", "a", "--gateway-key", "b"
    )
    assert both.returncode == 2


def test_event_types_schedules_webhooks(target: Target, tmp_path: Path) -> None:
    made = run(
        target,
        tmp_path,
        "event-types",
        "create",
        "--title",
        "Chat",
        "--slug",
        "chat",
        "--length",
        "15",
        "--json",
    )
    assert made.returncode == 0, made.stderr
    et = json.loads(made.stdout)
    assert et["lengthInMinutes"] == 15
    upd = run(target, tmp_path, "event-types", "update", str(et["id"]), "--title", "Quick chat")
    assert "Quick chat" in upd.stdout
    assert "chat" in run(target, tmp_path, "event-types", "list").stdout
    assert run(target, tmp_path, "event-types", "delete", str(et["id"])).returncode == 0

    sched = run(target, tmp_path, "schedules", "default")
    assert "Working Hours" in sched.stdout
    hook = run(
        target,
        tmp_path,
        "webhooks",
        "create",
        "--url",
        "https://example.com/h",
        "--trigger",
        "BOOKING_CREATED",
        "--json",
    )
    assert hook.returncode == 0, hook.stderr
    hook_id = str(json.loads(hook.stdout)["id"])
    assert "https://example.com/h" in run(target, tmp_path, "webhooks", "list").stdout
    assert run(target, tmp_path, "webhooks", "delete", hook_id).returncode == 0


def test_connections(gateway_target: Target, tmp_path: Path) -> None:
    listed = run(gateway_target, tmp_path, "connections", "list", "--status", "ACTIVE")
    assert gateway_target.connection_id in listed.stdout
    made = run(gateway_target, tmp_path, "connections", "create")
    assert made.returncode == 0, made.stderr
    assert "Open this link to authorize" in made.stdout
    assert "/connect?" in made.stdout
    pending = json.loads(
        run(gateway_target, tmp_path, "connections", "list", "--status", "PENDING", "--json").stdout
    )["connections"]
    assert len(pending) == 1
    gone = run(gateway_target, tmp_path, "connections", "delete", pending[0]["connection_id"])
    assert gone.returncode == 0
    assert run(gateway_target, tmp_path, "connections", "get", "nope").returncode == 3
    # Nobody opens the link: --wait gives up after its timeout, link printed, exit 6.
    waited = run(gateway_target, tmp_path, "connections", "create", "--wait", "--timeout", "1")
    assert waited.returncode == 6
    assert "/connect?" in waited.stdout
    assert "still PENDING" in waited.stderr
