"""Settings: every variable the source reads is documented, and read one way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from calgate.config import Env, Settings, boolean

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.pure


def test_every_variable_read_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    read: set[str] = set()
    for path in (ROOT / "src" / "calgate").rglob("*.py"):
        read.update(re.findall(r"\"(CALGATE_[A-Z0-9_]+)\"", path.read_text()))
    assert len(read) > 30  # the pattern still finds them
    missing = sorted(name for name in read if f"`{name}`" not in readme)
    assert missing == []


def test_names_are_never_built_at_run_time() -> None:
    for path in (ROOT / "src" / "calgate").rglob("*.py"):
        assert 'f"CALGATE_' not in path.read_text(), path


def test_switches_are_parsed_one_way() -> None:
    for text in ("1", "true", "YES", " on "):
        assert boolean(text) is True
    for text in ("0", "False", "no", "off"):
        assert boolean(text) is False
    with pytest.raises(ValueError, match="CALGATE_WEBHOOK_WORKER"):
        Settings.from_env({"CALGATE_WEBHOOK_WORKER": "maybe"})


def test_blank_means_default() -> None:
    env = {"CALGATE_DATABASE_URL": " ", "CALGATE_ROLE": "", "CALGATE_WEBHOOK_TIMEOUT": ""}
    assert Settings.from_env(env) == Settings.from_env({})
    assert Env({"X": ""}).read("X", int, 7) == 7


def test_public_url_is_the_booker_default() -> None:
    s = Settings.from_env({"CALGATE_PUBLIC_URL": "https://cal.example.com/"})
    assert (s.public_url, s.booker_url) == ("https://cal.example.com",) * 2
    other = Settings.from_env(
        {"CALGATE_PUBLIC_URL": "https://a.example", "CALGATE_BOOKER_URL": "https://b.example"}
    )
    assert other.booker_url == "https://b.example"


def test_generated_secret_file_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "calgate.secret"
    first = Settings(secret_file=str(path)).with_secret()
    assert path.stat().st_mode & 0o777 == 0o600
    assert Settings(secret_file=str(path)).with_secret().secret_key == first.secret_key
