"""Runtime settings: the one reader of the environment, and the server's typed settings.

Every ``CALGATE_*`` variable is named literally, once, next to the field it sets (so grepping
for a variable finds where it is read), and cast by the one helper, `Env.read`. The settings
are read once at start-up and passed down; nothing else looks at ``os.environ``. The gateway's
own variables are read by `calgate.gateway.config` through the same `Env`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

DEFAULT_SQLITE_URL = "sqlite:///calgate.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
ROLES = ("all", "scheduler", "gateway")

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def boolean(text: str) -> bool:
    """The one way a switch is spelled: 1/true/yes/on or 0/false/no/off, any case."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"expected one of 1/true/yes/on or 0/false/no/off; got {text!r}")


def url(text: str) -> str:
    return text.rstrip("/")


class Env:
    """A snapshot of the environment with one cast helper (as starlette.config.Config has).

    A blank value counts as unset, so ``VAR=`` in a unit file means "the default".
    """

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._values = dict(os.environ if environ is None else environ)

    def read(self, name: str, cast: Callable[[str], T], default: T) -> T:
        raw = self._values.get(name, "").strip()
        if not raw:
            return default
        try:
            return cast(raw)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from exc

    def is_set(self, name: str) -> bool:
        return bool(self._values.get(name, "").strip())

    @classmethod
    def of(cls, source: Env | Mapping[str, str] | None) -> Env:
        """``source`` as an Env; None means this process's environment."""
        return source if isinstance(source, Env) else cls(source)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_SQLITE_URL
    # Pepper for API-key HMACs and the master secret other keys derive from. When unset we
    # persist a random one in secret_file so restarts keep existing keys valid.
    secret_key: str = ""
    secret_file: str = "calgate.secret"  # noqa: S105 - a file name
    public_url: str = DEFAULT_PUBLIC_URL
    booker_url: str = DEFAULT_PUBLIC_URL
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
    # Failed sign-ins per client IP over all emails (password spraying), same window.
    oauth_login_max_failures_per_ip: int = 30
    oauth_login_window: int = 300
    # Webhook delivery: in-process worker on/off, SSRF guard, timings.
    webhook_worker: bool = True
    webhook_allow_private: bool = False
    webhook_timeout: float = 10.0
    webhook_max_attempts: int = 8
    webhook_backoff_base: float = 2.0
    webhook_backoff_max: float = 3600.0
    webhook_poll_interval: float = 1.0
    webhook_concurrency: int = 16
    # Connected calendars: SSRF guard for feeds and CalDAV servers, the bounded time one read
    # may take, and how old a calendar's cached busy time may get before it is read again.
    calendar_allow_private: bool = False
    calendar_timeout: float = 5.0
    calendar_ttl: float = 60.0
    # The Jitsi server whose rooms the `jitsi` conferencing app hands out.
    jitsi_url: str = "https://meet.jit.si"
    # Seconds between sweeps that delete expired slot reservations; 0 turns the sweep off.
    reservation_purge_interval: float = 300.0
    # Limits (README "Limits"): request bodies, then rate limits per caller kind ("N/minute",
    # "N per 30 seconds", a bare N per 60 s, or off); rate_limit False switches every limit
    # off, the gateway's per-key one included.
    max_body_bytes: int = 1024 * 1024
    max_json_depth: int = 64
    rate_limit: bool = True
    rate_limit_storage: str = "memory://"
    # Key prefix in the storage: processes with the same one share their counts.
    rate_limit_prefix: str = "calgate"
    rate_limit_api_key: str = "120/minute"
    rate_limit_access_token: str = "500/minute"  # noqa: S105 - a rate, not a secret
    rate_limit_anonymous: str = "120/minute"
    # Cal.com throttles adding attendees and guests per caller on top of the caller's limit.
    rate_limit_add_people: str = "5/minute"
    # Outgoing mail (README "Email and SMS"): smtp://user:pass@host:587 (STARTTLS) or
    # smtps://...:465 (TLS); empty means no email is sent.
    smtp_url: str = ""
    email_from: str = ""
    # PEM file of the CAs that sign the SMTP server's certificate, used instead of the system's
    # (a private relay's own CA); empty means the system's trust store. Never unverified.
    smtp_ca_file: str = ""
    # A Twilio-compatible "create message" endpoint (form POST To/From/Body, basic auth);
    # empty means phone verification answers an error.
    sms_url: str = ""
    sms_account: str = ""
    sms_token: str = ""
    sms_from: str = ""
    # Lets the SMS endpoint be on a private address (a gateway on the same network).
    sms_allow_private: bool = False

    @classmethod
    def from_env(
        cls, environ: Env | Mapping[str, str] | None = None, **overrides: object
    ) -> Settings:
        """Settings from the environment; ``overrides`` that are not None win (CLI flags)."""
        env = Env.of(environ)
        d = cls()
        public_url = env.read("CALGATE_PUBLIC_URL", url, d.public_url)
        settings = cls(
            database_url=env.read("CALGATE_DATABASE_URL", str, d.database_url),
            secret_key=env.read("CALGATE_SECRET_KEY", str, d.secret_key),
            secret_file=env.read("CALGATE_SECRET_FILE", str, d.secret_file),
            public_url=public_url,
            booker_url=env.read("CALGATE_BOOKER_URL", url, public_url),
            log_level=env.read("CALGATE_LOG_LEVEL", str, d.log_level),
            role=env.read("CALGATE_ROLE", str, d.role),
            oauth_access_token_ttl=env.read(
                "CALGATE_OAUTH_ACCESS_TTL", int, d.oauth_access_token_ttl
            ),
            oauth_refresh_token_ttl=env.read(
                "CALGATE_OAUTH_REFRESH_TTL", int, d.oauth_refresh_token_ttl
            ),
            oauth_code_ttl=env.read("CALGATE_OAUTH_CODE_TTL", int, d.oauth_code_ttl),
            webhook_worker=env.read("CALGATE_WEBHOOK_WORKER", boolean, d.webhook_worker),
            webhook_allow_private=env.read(
                "CALGATE_WEBHOOK_ALLOW_PRIVATE", boolean, d.webhook_allow_private
            ),
            webhook_timeout=env.read("CALGATE_WEBHOOK_TIMEOUT", float, d.webhook_timeout),
            webhook_max_attempts=env.read(
                "CALGATE_WEBHOOK_MAX_ATTEMPTS", int, d.webhook_max_attempts
            ),
            webhook_backoff_base=env.read(
                "CALGATE_WEBHOOK_BACKOFF_BASE", float, d.webhook_backoff_base
            ),
            webhook_backoff_max=env.read(
                "CALGATE_WEBHOOK_BACKOFF_MAX", float, d.webhook_backoff_max
            ),
            webhook_poll_interval=env.read(
                "CALGATE_WEBHOOK_POLL_INTERVAL", float, d.webhook_poll_interval
            ),
            webhook_concurrency=env.read("CALGATE_WEBHOOK_CONCURRENCY", int, d.webhook_concurrency),
            calendar_allow_private=env.read(
                "CALGATE_CALENDAR_ALLOW_PRIVATE", boolean, d.calendar_allow_private
            ),
            calendar_timeout=env.read("CALGATE_CALENDAR_TIMEOUT", float, d.calendar_timeout),
            calendar_ttl=env.read("CALGATE_CALENDAR_TTL", float, d.calendar_ttl),
            jitsi_url=env.read("CALGATE_JITSI_URL", url, d.jitsi_url),
            reservation_purge_interval=env.read(
                "CALGATE_RESERVATION_PURGE_INTERVAL", float, d.reservation_purge_interval
            ),
            max_body_bytes=env.read("CALGATE_MAX_BODY_BYTES", int, d.max_body_bytes),
            max_json_depth=env.read("CALGATE_MAX_JSON_DEPTH", int, d.max_json_depth),
            rate_limit=env.read("CALGATE_RATE_LIMIT", boolean, d.rate_limit),
            rate_limit_storage=env.read(
                "CALGATE_RATE_LIMIT_STORAGE", str.strip, d.rate_limit_storage
            ),
            rate_limit_prefix=env.read("CALGATE_RATE_LIMIT_PREFIX", str.strip, d.rate_limit_prefix),
            rate_limit_api_key=env.read(
                "CALGATE_RATE_LIMIT_API_KEY", str.strip, d.rate_limit_api_key
            ),
            rate_limit_access_token=env.read(
                "CALGATE_RATE_LIMIT_ACCESS_TOKEN", str.strip, d.rate_limit_access_token
            ),
            rate_limit_anonymous=env.read(
                "CALGATE_RATE_LIMIT_ANONYMOUS", str.strip, d.rate_limit_anonymous
            ),
            rate_limit_add_people=env.read(
                "CALGATE_RATE_LIMIT_ADD_PEOPLE", str.strip, d.rate_limit_add_people
            ),
            smtp_url=env.read("CALGATE_SMTP_URL", str.strip, d.smtp_url),
            email_from=env.read("CALGATE_EMAIL_FROM", str.strip, d.email_from),
            smtp_ca_file=env.read("CALGATE_SMTP_CA_FILE", str.strip, d.smtp_ca_file),
            sms_url=env.read("CALGATE_SMS_URL", str.strip, d.sms_url),
            sms_account=env.read("CALGATE_SMS_ACCOUNT", str.strip, d.sms_account),
            sms_token=env.read("CALGATE_SMS_TOKEN", str.strip, d.sms_token),
            sms_from=env.read("CALGATE_SMS_FROM", str.strip, d.sms_from),
            sms_allow_private=env.read("CALGATE_SMS_ALLOW_PRIVATE", boolean, d.sms_allow_private),
        )
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

    @property
    def sends_email(self) -> bool:
        return bool(self.smtp_url)

    @property
    def sends_sms(self) -> bool:
        return bool(self.sms_url)

    def with_secret(self) -> Settings:
        """Return settings whose secret_key is set, creating the secret file if needed."""
        if self.secret_key:
            return self
        path = Path(self.secret_file)
        if path.exists():
            secret = path.read_text().strip()
        else:
            secret = secrets.token_urlsafe(48)
            # Created owner-only from the first byte: never readable by others, not even
            # between creation and a later chmod.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secret + "\n")
        return replace(self, secret_key=secret)
