"""Runtime settings, built once from the environment and passed down explicitly."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

DEFAULT_SQLITE_URL = "sqlite:///calgate.db"
ROLES = ("all", "scheduler", "gateway")


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_SQLITE_URL
    # Pepper for API-key HMACs and the master secret other keys derive from. When unset we
    # persist a random one beside the SQLite file so restarts keep existing keys valid.
    secret_key: str = ""
    public_url: str = "http://127.0.0.1:8000"
    booker_url: str = "http://127.0.0.1:8000"
    log_level: str = "info"
    # What this process serves: "all" (scheduler API, OAuth pages and gateway on one port),
    # "scheduler" (/v2 and /auth only) or "gateway" (/connections, /connect and /cal-com only).
    role: str = "all"
    # Database pool; SQLite ignores it.
    pool_size: int = 10
    # OAuth 2.0 authorization server lifetimes (seconds) and login throttle.
    oauth_access_token_ttl: int = 1800
    oauth_refresh_token_ttl: int = 30 * 24 * 3600
    oauth_code_ttl: int = 600
    oauth_login_max_failures: int = 5
    oauth_login_window: int = 300
    # Webhook delivery (CALGATE_WEBHOOK_*): in-process worker on/off, SSRF guard, timings.
    webhook_worker: bool = True
    webhook_allow_private: bool = False
    webhook_timeout: float = 10.0
    webhook_max_attempts: int = 8
    webhook_backoff_base: float = 2.0
    webhook_backoff_max: float = 3600.0
    webhook_poll_interval: float = 1.0
    webhook_concurrency: int = 16
    # --- Limits (issue 12; README "Limits"). Request bodies: CALGATE_MAX_BODY_BYTES,
    # CALGATE_MAX_JSON_DEPTH. Rate limits: CALGATE_RATE_LIMIT (off switches every limit off,
    # the gateway's per-key one included), CALGATE_RATE_LIMIT_STORAGE (memory:// or
    # redis://...), CALGATE_RATE_LIMIT_PREFIX, and per caller kind
    # CALGATE_RATE_LIMIT_API_KEY / _ACCESS_TOKEN / _ANONYMOUS ("N/minute", "N per 30 seconds",
    # a bare N per 60 s, or off).
    max_body_bytes: int = 1024 * 1024
    max_json_depth: int = 64
    rate_limit: bool = True
    rate_limit_storage: str = "memory://"
    # Key prefix in the storage: processes with the same one share their counts.
    rate_limit_prefix: str = "calgate"
    rate_limit_api_key: str = "120/minute"
    rate_limit_access_token: str = "500/minute"  # noqa: S105 - a rate, not a secret
    rate_limit_anonymous: str = "120/minute"
    # --- end of limits

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
            role=env.get("CALGATE_ROLE", "all") or "all",
            oauth_access_token_ttl=int(env.get("CALGATE_OAUTH_ACCESS_TTL") or 1800),
            oauth_refresh_token_ttl=int(env.get("CALGATE_OAUTH_REFRESH_TTL") or 30 * 24 * 3600),
            oauth_code_ttl=int(env.get("CALGATE_OAUTH_CODE_TTL") or 600),
        )
        settings = replace(settings, **_webhook_env(env))
        settings = replace(settings, **_limits_env(env))
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **clean) if clean else settings  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}; got {self.role!r}")

    @property
    def serves_scheduler(self) -> bool:
        return self.role in ("all", "scheduler")

    @property
    def serves_gateway(self) -> bool:
        return self.role in ("all", "gateway")

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


def _webhook_env(env: dict[str, str]) -> dict[str, Any]:
    """The CALGATE_WEBHOOK_* variables that are set, as Settings field values."""
    casts: dict[str, Any] = {
        "webhook_worker": lambda v: v.strip().lower() not in ("0", "false", "no", "off"),
        "webhook_allow_private": lambda v: v.strip().lower() in ("1", "true", "yes", "on"),
        "webhook_timeout": float,
        "webhook_max_attempts": int,
        "webhook_backoff_base": float,
        "webhook_backoff_max": float,
        "webhook_poll_interval": float,
        "webhook_concurrency": int,
    }
    values: dict[str, Any] = {}
    for name, cast in casts.items():
        raw = env.get(f"CALGATE_{name.upper()}", "")
        if raw.strip():
            values[name] = cast(raw)
    return values


def _limits_env(env: dict[str, str]) -> dict[str, Any]:
    """The limit variables that are set (see the Limits block of Settings)."""
    casts: dict[str, Any] = {
        "max_body_bytes": int,
        "max_json_depth": int,
        "rate_limit": lambda v: v.strip().lower() not in ("0", "false", "no", "off"),
        "rate_limit_storage": str.strip,
        "rate_limit_prefix": str.strip,
        "rate_limit_api_key": str.strip,
        "rate_limit_access_token": str.strip,
        "rate_limit_anonymous": str.strip,
    }
    values: dict[str, Any] = {}
    for name, cast in casts.items():
        raw = env.get(f"CALGATE_{name.upper()}", "")
        if raw.strip():
            values[name] = cast(raw)
    return values
