"""Runtime settings, built once from the environment and passed down explicitly."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_SQLITE_URL = "sqlite:///calgate.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_SQLITE_URL
    # Pepper for API-key HMACs and the master secret other keys derive from. When unset we
    # persist a random one beside the SQLite file so restarts keep existing keys valid.
    secret_key: str = ""
    public_url: str = "http://127.0.0.1:8000"
    booker_url: str = "http://127.0.0.1:8000"
    log_level: str = "info"
    # Database pool; SQLite ignores it.
    pool_size: int = 10

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ if environ is None else environ)
        settings = cls(
            database_url=env.get("CALGATE_DATABASE_URL") or DEFAULT_SQLITE_URL,
            secret_key=env.get("CALGATE_SECRET_KEY", ""),
            public_url=env.get("CALGATE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            booker_url=env.get("CALGATE_BOOKER_URL", "")
            or env.get("CALGATE_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            log_level=env.get("CALGATE_LOG_LEVEL", "info"),
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **clean) if clean else settings  # type: ignore[arg-type]

    def with_secret(self) -> Settings:
        """Return settings whose secret_key is set, creating a local secret file if needed."""
        if self.secret_key:
            return self
        path = Path(os.environ.get("CALGATE_SECRET_FILE", "calgate.secret"))
        if path.exists():
            secret = path.read_text().strip()
        else:
            secret = secrets.token_urlsafe(48)
            path.touch(mode=0o600)
            path.write_text(secret + "\n")
        return replace(self, secret_key=secret)
