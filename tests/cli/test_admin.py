"""The admin CLI as a script would use it: real subprocesses, one JSON object on stdout."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET


def run(db_url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CALGATE_DATABASE_URL": db_url, "CALGATE_SECRET_KEY": TEST_SECRET}
    return subprocess.run(
        [sys.executable, "-m", "calgate", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_create_user_key_and_list(db_url: str) -> None:
    r = run(
        db_url,
        "admin",
        "create-user",
        "--email",
        "Ops@Example.com",
        "--password",
        "s3cret-pass",
        "--name",
        "Ops",
        "--time-zone",
        "Asia/Kolkata",
        "--username",
        "ops",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    user = json.loads(r.stdout)
    assert user["email"] == "ops@example.com"
    assert user["username"] == "ops"
    assert user["timeZone"] == "Asia/Kolkata"
    assert isinstance(user["defaultScheduleId"], int)

    r = run(
        db_url,
        "admin",
        "create-api-key",
        "--email",
        "ops@example.com",
        "--name",
        "ci",
        "--expires-in-days",
        "30",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    key = json.loads(r.stdout)
    assert key["key"].startswith("cal_")
    # A UTC instant as the API writes them (Cal.com's toISOString), not isoformat()'s +00:00.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", key["expiresAt"])
    assert key["userId"] == user["id"]

    r = run(db_url, "admin", "list-users", "--json")
    assert r.returncode == 0, r.stderr
    assert [u["email"] for u in json.loads(r.stdout)["users"]] == ["ops@example.com"]


def test_key_is_stored_hashed(db_url: str, client: object) -> None:
    r = run(
        db_url,
        "admin",
        "create-user",
        "--email",
        "h@example.com",
        "--password",
        "pw-123456",
        "--name",
        "H",
        "--time-zone",
        "UTC",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    key = json.loads(
        run(db_url, "admin", "create-api-key", "--email", "h@example.com", "--json").stdout
    )["key"]
    from sqlalchemy import create_engine, text

    from calgate.store.db import sync_url

    engine = create_engine(sync_url(db_url))
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT key_hash, key_prefix FROM api_keys")).one()
    engine.dispose()
    assert key not in stored[0]
    assert len(stored[0]) == 64
    assert key.startswith(stored[1])


def test_errors_are_clear(db_url: str) -> None:
    r = run(
        db_url,
        "admin",
        "create-user",
        "--email",
        "x@example.com",
        "--password",
        "pw-123456",
        "--name",
        "X",
        "--time-zone",
        "Mars/Base",
        "--json",
    )
    assert r.returncode == 1
    assert "not a valid IANA time zone" in r.stderr
    assert r.stdout == ""
    r = run(db_url, "admin", "create-api-key", "--email", "nobody@example.com")
    assert r.returncode == 1
    assert "No user" in r.stderr


@pytest.mark.sqlite_only
def test_db_upgrade_creates_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    r = run(url, "db", "upgrade")
    assert r.returncode == 0, r.stderr
    assert "revision" in r.stdout
