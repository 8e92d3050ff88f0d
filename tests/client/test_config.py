"""Where the client's settings come from: arguments, environment, stored profiles."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from calgate.client import Client, ClientConfig, ConfigError, ProfileStore
from calgate.client.config import config_dir

pytestmark = pytest.mark.pure  # no database


def test_environment_picks_the_mode(tmp_path: Path) -> None:
    home = {"XDG_CONFIG_HOME": str(tmp_path)}
    direct = ClientConfig.from_env({**home, "CALGATE_URL": "http://h", "CALGATE_API_KEY": "cal_1"})
    assert (direct.api_root, direct.token, direct.gateway) == ("http://h", "cal_1", False)
    gateway = ClientConfig.from_env(
        {**home, "CALGATE_URL": "http://h/", "MATON_API_KEY": "k", "CALGATE_CONNECTION": "c"}
    )
    assert (gateway.api_root, gateway.control_root, gateway.token) == (
        "http://h/cal-com",
        "http://h",
        "k",
    )
    both = ClientConfig.from_env({**home, "CALGATE_API_KEY": "a", "CALGATE_GATEWAY_KEY": "g"})
    assert (both.api_key, both.gateway_key) == (None, "g")


def test_profiles_are_private_and_overridden_by_the_environment(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    store = ProfileStore(config_dir(env))
    path = store.save("work", ClientConfig(base_url="http://w", gateway_key="g", connection="c"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert ClientConfig.from_env({**env, "CALGATE_PROFILE": "work"}).gateway_key == "g"
    # A credential from the environment replaces the profile's, whatever its kind.
    swapped = ClientConfig.from_env({**env, "CALGATE_API_KEY": "cal_x"}, profile="work")
    assert (swapped.api_key, swapped.gateway_key, swapped.base_url) == ("cal_x", None, "http://w")
    with pytest.raises(ConfigError, match="no profile named 'home'"):
        ClientConfig.from_env(env, profile="home")
    assert ClientConfig.from_env(env).token is None  # no default profile: nothing configured


def test_arguments_override_everything(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("CALGATE_URL", "http://env")
    monkeypatch.setenv("CALGATE_GATEWAY_KEY", "g")
    with Client(api_key="cal_arg") as client:
        assert (client.config.base_url, client.config.api_key) == ("http://env", "cal_arg")
        assert client.config.gateway_key is None
    with pytest.raises(ConfigError):
        ClientConfig(api_key="a", gateway_key="g")
