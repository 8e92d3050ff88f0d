"""The human output in a real terminal (tmux): Rich tables render, times in the caller's zone."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.client.conftest import CALGATE, HOST_ZONE, Target, at, next_workday
from tests.support.waiting import wait_until

DONE = "__calgate_done__"


def _tmux() -> str:
    found = shutil.which("tmux")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("tmux is missing (scripts/bootstrap installs it)")
        pytest.skip("tmux is not installed")
    return found


def _in_terminal(tmux: str, env: dict[str, str], command: list[str]) -> str:
    """Run `command` in a fresh 140x60 tmux pane and return what the screen shows."""
    socket = f"calgate-test-{uuid.uuid4().hex[:8]}"
    script = f"{shlex.join(command)}; echo {DONE}; sleep 60"
    env_args = [a for k, v in env.items() for a in ("-e", f"{k}={v}")]
    base = [tmux, "-L", socket, "-f", "/dev/null"]
    subprocess.run(
        [*base, "new-session", "-d", "-x", "140", "-y", "60", *env_args, script],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    try:

        def capture() -> str:
            return subprocess.run(
                [*base, "capture-pane", "-p", "-J"], capture_output=True, text=True, check=True
            ).stdout

        def finished() -> str:
            screen = capture()
            return screen if DONE in screen else ""

        try:
            return wait_until(finished, 60, 0.3)
        except AssertionError:
            raise AssertionError(f"command did not finish; screen:\n{capture()}") from None
    finally:
        subprocess.run([*base, "kill-server"], check=False)


@pytest.mark.serial  # a real terminal waits on screen output: run alone
def test_slot_grid_and_bookings_render(gateway_target: Target, tmp_path: Path) -> None:
    target = gateway_target
    tmux = _tmux()
    day = next_workday()
    with target.client() as client:
        client.bookings.create(
            event_type_id=target.event_type_id,
            start=at(day, 10),
            name="Terminal Guest",
            email="tty@example.com",
            time_zone=HOST_ZONE,
        )
    env = {k: v for k, v in target.env(tmp_path).items() if k.startswith(("CALGATE_", "XDG_"))}
    env["PYTHONTZPATH"] = ""
    screen = _in_terminal(
        tmux,
        env,
        [
            CALGATE,
            "slots",
            "intro",
            "--from",
            day.isoformat(),
            "--to",
            day.isoformat(),
            "--tz",
            "Europe/Paris",
        ],
    )
    assert "week of" in screen
    assert "┏" in screen  # Rich box drawing in a real terminal
    assert day.strftime("%a %d") in screen
    # 09:00 New York is 15:00 in Paris in winter, 14:00/15:00 around DST: compute it.
    paris = at(day, 9).astimezone(ZoneInfo("Europe/Paris"))
    assert paris.strftime("%H:%M") in screen
    assert at(day, 10).astimezone(paris.tzinfo).strftime("%H:%M") not in screen  # booked

    listing = _in_terminal(tmux, env, [CALGATE, "bookings", "list", "--tz", "Asia/Tokyo"])
    assert "tty@example.com" in listing, listing
    assert "Asia/Tokyo" in listing
    assert at(day, 10).astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M") in listing
