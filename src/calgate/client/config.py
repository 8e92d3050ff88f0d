"""Where the SDK sends requests and with which credentials: arguments, environment, profiles.

Two modes, chosen by the credential:
- direct: an API key or OAuth access token, calls go to `{base_url}/v2/...` (calgate or
  Cal.com itself);
- gateway: a gateway key, calls go to `{base_url}/{app}/v2/...` with `Maton-Connection` naming
  the connection, and the connections control API lives at `control_url` (the same server
  for calgate; `https://ctrl.maton.ai` for Maton).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from calgate.client.errors import CalgateClientError

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_APP = "cal-com"
DEFAULT_PROFILE = "default"


class ConfigError(CalgateClientError):
    """The client is not configured (no credentials, unknown profile, unreadable file)."""


@dataclass(frozen=True)
class ClientConfig:
    base_url: str = DEFAULT_URL
    api_key: str | None = field(default=None, repr=False)
    gateway_key: str | None = field(default=None, repr=False)
    connection: str | None = None
    control_url: str | None = None
    app: str = DEFAULT_APP

    def __post_init__(self) -> None:
        if self.api_key and self.gateway_key:
            raise ConfigError("give either an API key (direct) or a gateway key, not both")

    @property
    def gateway(self) -> bool:
        return bool(self.gateway_key)

    @property
    def token(self) -> str | None:
        return self.gateway_key or self.api_key

    @property
    def api_root(self) -> str:
        """Prefix of every `/v2` path."""
        base = self.base_url.rstrip("/")
        return f"{base}/{self.app}" if self.gateway else base

    @property
    def control_root(self) -> str:
        return (self.control_url or self.base_url).rstrip("/")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, profile: str | None = None
    ) -> ClientConfig:
        """The stored profile (if any), overridden by CALGATE_* variables.

        A credential from the environment replaces the profile's credential entirely, so a
        profile's API key never leaks into a gateway-mode call or the other way round.
        """
        env = os.environ if environ is None else environ
        name = profile or env.get("CALGATE_PROFILE") or None
        base = ProfileStore(config_dir(env)).get(name or DEFAULT_PROFILE, required=bool(name))
        api_key = env.get("CALGATE_API_KEY") or None
        gateway_key = env.get("CALGATE_GATEWAY_KEY") or env.get("MATON_API_KEY") or None
        values: dict[str, Any] = {}
        if env.get("CALGATE_URL"):
            values["base_url"] = env["CALGATE_URL"]
        if api_key or gateway_key:
            # Both set: the gateway key wins, as the skill document works through the gateway.
            values.update(api_key=None if gateway_key else api_key, gateway_key=gateway_key)
        if env.get("CALGATE_CONNECTION"):
            values["connection"] = env["CALGATE_CONNECTION"]
        if env.get("CALGATE_CONTROL_URL"):
            values["control_url"] = env["CALGATE_CONTROL_URL"]
        return replace(base or cls(), **values)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    root = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(root) / "calgate"


class ProfileStore:
    """Named client configurations in `<config dir>/profiles.json`, readable by the owner only."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "profiles.json"

    def load(self) -> dict[str, Any]:
        try:
            raw = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {"profiles": {}}
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read {self.path}: {exc}") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("profiles"), dict):
            raise ConfigError(f"{self.path} is not a calgate profiles file")
        return raw

    def get(self, name: str, *, required: bool = True) -> ClientConfig | None:
        stored = self.load()["profiles"].get(name)
        if stored is None:
            if required:
                raise ConfigError(f"no profile named {name!r} (run `calgate login`)")
            return None
        try:
            return ClientConfig(**stored)
        except TypeError as exc:
            raise ConfigError(f"profile {name!r} in {self.path} is malformed: {exc}") from exc

    def save(self, name: str, config: ClientConfig) -> Path:
        data = self.load()
        data["profiles"][name] = config.to_json()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".tmp")
        # Created 0600 from the start: the file holds keys, so it is never briefly readable.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2)
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)
        return self.path
