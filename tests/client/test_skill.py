"""SKILL.md: valid agent-skill front matter, and every code block runs against a fresh
`calgate serve --demo` (a doc example that breaks fails here)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.client.conftest import CALGATE, REPO
from tests.support.server import free_port, responds, wait_for_process

pytestmark = pytest.mark.pure  # the demo server keeps its own SQLite file; no test database

SKILL = REPO / "SKILL.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
DEMO_ENV = {
    "api_key": "CALGATE_API_KEY",
    "gateway_key": "CALGATE_GATEWAY_KEY",
    "connection_id": "CALGATE_CONNECTION",
}
# Examples that show an error answer on purpose (the prose next to them says so).
SHOWS_AN_ERROR = ("/slots/explain", "/reconnect", '/cal-com/me"')


def blocks() -> list[tuple[int, str, str]]:
    text = SKILL.read_text()
    return [
        (text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2)) for m in FENCE.finditer(text)
    ]


def test_front_matter() -> None:
    text = SKILL.read_text()
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", meta["name"])
    assert len(meta["name"]) <= 64
    assert 0 < len(meta["description"]) <= 1024
    assert all(isinstance(v, str) for v in meta["metadata"].values())
    named = " ".join(meta["metadata"].values())
    for var in ("CALGATE_URL", "CALGATE_GATEWAY_KEY", "CALGATE_CONNECTION", "CALGATE_API_KEY"):
        assert var in named


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`calgate serve --demo` in an empty directory (fresh database and secret)."""
    cwd = tmp_path_factory.mktemp("demo")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CALGATE_", "MATON_"))}
    env.update(CALGATE_PUBLIC_URL=url, PYTHONTZPATH="", CALGATE_LOG_LEVEL="warning")
    log = (cwd / "serve.log").open("w")
    proc = subprocess.Popen(
        [CALGATE, "serve", "--demo", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_process(
            proc,
            lambda: responds(f"{url}/health", timeout=2),
            timeout=60,
            log=(cwd / "serve.log").read_text,
        )
        printed = dict(
            line.strip().split(": ", 1)
            for line in (cwd / "serve.log").read_text().splitlines()
            if line.startswith("  ") and ": " in line
        )
        shell_env = {**env, "CALGATE_URL": url, "HOME": str(cwd), "XDG_CONFIG_HOME": str(cwd)}
        shell_env["PATH"] = f"{Path(CALGATE).parent}:{env.get('PATH', '')}"
        shell_env.update({var: printed[key] for key, var in DEMO_ENV.items()})
        shell_env["CALGATE_CWD"] = str(cwd)
        yield shell_env
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_every_code_block_runs(demo: dict[str, str]) -> None:
    found = blocks()
    assert len(found) > 20
    for line, lang, code in found:
        where = f"SKILL.md:{line} ({lang or 'no language'})"
        if lang == "json":
            json.loads(code)
            continue
        assert lang in ("bash", "sh"), f"{where}: not a runnable block"
        done = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", code],
            cwd=demo["CALGATE_CWD"],
            env=demo,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (
            f"{where} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
        assert done.stdout.strip(), f"{where} printed nothing"
        if not any(marker in code for marker in SHOWS_AN_ERROR):
            assert '"status":"error"' not in done.stdout.replace(" ", ""), (
                f"{where}:\n{done.stdout}"
            )
