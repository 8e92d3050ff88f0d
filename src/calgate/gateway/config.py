"""Gateway settings: providers, token keyring, limits and timeouts, built once from the env.

The gateway reaches each provider only over HTTP at the URLs configured here, so pointing the
`cal-com` app at a real Cal.com (or at another calgate) is configuration, not code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from calgate.config import Env, Settings, boolean, url

CAL_COM = "cal-com"
CONNECT_PATH = "/connect"
CALLBACK_PATH = "/connect/callback"

_APP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


@dataclass(frozen=True)
class Provider:
    """One OAuth 2.0 provider the gateway can connect to and proxy for."""

    app: str
    base_url: str
    authorize_url: str
    token_url: str
    client_id: str = ""
    client_secret: str = ""
    scopes: tuple[str, ...] = ()
    # Who the connected account is: GET base_url + identity_path with the new access token,
    # then the dotted identity_field of its JSON (cal-com: /v2/me -> data.id). Empty: skipped.
    identity_path: str = ""
    identity_field: str = ""
    # RFC 7009 token revocation, called when a connection is deleted. Empty: the provider
    # offers none, and deleting a connection only forgets its tokens.
    revoke_url: str = ""

    def __post_init__(self) -> None:
        if not _APP_NAME.match(self.app):
            raise ValueError(f"invalid provider app name {self.app!r}")


@dataclass(frozen=True)
class RateLimit:
    requests: int
    period_s: float

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """'600/minute' -> 600 requests per 60 s."""
        match = _RATE.match(text)
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"invalid rate limit {text!r}; expected e.g. '600/minute'")
        return cls(int(match.group(1)), _PERIODS[match.group(2)])


@dataclass(frozen=True)
class GatewaySettings:
    public_url: str
    # (key id, secret) pairs for token encryption; the first one encrypts, all decrypt.
    token_keys: tuple[tuple[str, str], ...]
    # HMAC pepper for gateway keys and connect-session tokens (the server secret).
    pepper: str
    providers: dict[str, Provider] = field(default_factory=dict)
    rate_limit: RateLimit | None = RateLimit(600, 60.0)
    refresh_skew_s: float = 60.0
    session_ttl_s: float = 24 * 3600.0
    state_ttl_s: float = 30 * 60.0
    max_body_bytes: int = 10 * 1024 * 1024
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0
    token_timeout_s: float = 15.0
    max_connections: int = 200
    # Refresh storm protection (per connection, on its row): cooldown after a transient
    # failure doubling from backoff to backoff_max, and at most max_attempts token calls
    # per window.
    refresh_backoff_s: float = 1.0
    refresh_backoff_max_s: float = 300.0
    refresh_max_attempts: int = 12
    refresh_window_s: float = 600.0
    # Keep-alive: refresh ACTIVE connections whose tokens are older than keepalive_age_s
    # (well inside the provider's refresh-token lifetime, 30 days on Cal.com), scanning every
    # keepalive_interval_s; 0 turns the worker off.
    keepalive_age_s: float = 7 * 86400.0
    keepalive_interval_s: float = 600.0
    # Outbound calls to private/loopback/link-local addresses (CALGATE_GATEWAY_ALLOW_PRIVATE);
    # calls to this server itself in the all-in-one setup are in-process and need no network.
    allow_private: bool = False

    @property
    def redirect_uri(self) -> str:
        """The OAuth redirect URI to register at every provider."""
        return self.public_url + CALLBACK_PATH

    def with_provider(self, provider: Provider) -> GatewaySettings:
        return replace(self, providers={**self.providers, provider.app: provider})

    def with_credentials(
        self, client_id: str, client_secret: str, app: str = CAL_COM
    ) -> GatewaySettings:
        """Set an app's OAuth client (e.g. once the embedded server has registered us)."""
        provider = self.providers[app]
        return self.with_provider(
            replace(provider, client_id=client_id, client_secret=client_secret)
        )

    @classmethod
    def from_env(
        cls, settings: Settings, environ: Env | Mapping[str, str] | None = None
    ) -> GatewaySettings:
        """The gateway's settings; built once, by the composition root (or a CLI command)."""
        env = Env.of(environ)
        d = cls(public_url="", token_keys=(), pepper="")
        public = settings.public_url.rstrip("/")
        providers = {CAL_COM: _cal_com(public, env)}
        providers_file = env.read("CALGATE_PROVIDERS_FILE", Path, None)
        if providers_file is not None:
            for provider in load_providers(providers_file):
                providers[provider.app] = provider
        return cls(
            public_url=public,
            token_keys=_token_keys(
                settings.secret_key, env.read("CALGATE_GATEWAY_TOKEN_KEYS", str, "")
            ),
            pepper=settings.secret_key,
            providers=providers,
            # CALGATE_RATE_LIMIT=off switches this limit off too.
            rate_limit=env.read("CALGATE_GATEWAY_RATE_LIMIT", _rate_limit, d.rate_limit)
            if settings.rate_limit
            else None,
            refresh_skew_s=env.read("CALGATE_GATEWAY_REFRESH_SKEW", float, d.refresh_skew_s),
            read_timeout_s=env.read("CALGATE_GATEWAY_READ_TIMEOUT", float, d.read_timeout_s),
            allow_private=env.read("CALGATE_GATEWAY_ALLOW_PRIVATE", boolean, d.allow_private),
            refresh_backoff_s=env.read(
                "CALGATE_GATEWAY_REFRESH_BACKOFF", _seconds, d.refresh_backoff_s
            ),
            refresh_backoff_max_s=env.read(
                "CALGATE_GATEWAY_REFRESH_BACKOFF_MAX", _seconds, d.refresh_backoff_max_s
            ),
            refresh_max_attempts=env.read(
                "CALGATE_GATEWAY_REFRESH_MAX_ATTEMPTS", _count, d.refresh_max_attempts
            ),
            refresh_window_s=env.read(
                "CALGATE_GATEWAY_REFRESH_WINDOW", _seconds, d.refresh_window_s
            ),
            keepalive_age_s=env.read("CALGATE_GATEWAY_KEEPALIVE_AGE", _seconds, d.keepalive_age_s),
            keepalive_interval_s=env.read(
                "CALGATE_GATEWAY_KEEPALIVE_INTERVAL", _seconds, d.keepalive_interval_s
            ),
        )


def _rate_limit(text: str) -> RateLimit | None:
    return None if text.lower() in ("off", "none") else RateLimit.parse(text)


def _seconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError(f"must be positive; got {text!r}")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"must be positive; got {text!r}")
    return value


def _cal_com(public: str, env: Env) -> Provider:
    token_url = env.read("CALGATE_CAL_COM_TOKEN_URL", str, "")
    return Provider(
        app=CAL_COM,
        base_url=env.read("CALGATE_CAL_COM_BASE_URL", url, public),
        authorize_url=env.read(
            "CALGATE_CAL_COM_AUTHORIZE_URL", str, public + "/auth/oauth2/authorize"
        ),
        token_url=token_url or public + "/v2/auth/oauth2/token",
        client_id=env.read("CALGATE_CAL_COM_CLIENT_ID", str, ""),
        client_secret=env.read("CALGATE_CAL_COM_CLIENT_SECRET", str, ""),
        scopes=env.read("CALGATE_CAL_COM_SCOPES", _scopes, ()),
        identity_path="/v2/me",
        identity_field="data.id",
        # The embedded server revokes; for another one, only if told where.
        revoke_url=env.read(
            "CALGATE_CAL_COM_REVOKE_URL",
            str,
            "" if token_url else public + "/v2/auth/oauth2/revoke",
        ),
    )


def _scopes(text: str) -> tuple[str, ...]:
    return tuple(text.replace(",", " ").split())


def load_providers(path: Path) -> list[Provider]:
    """Providers from JSON: a list (or {"providers": [...]}) of Provider fields."""
    data: Any = json.loads(path.read_text())
    if isinstance(data, dict):
        data = data.get("providers", [])
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of providers")
    out = []
    for item in data:
        if not isinstance(item, dict):
            raise ValueError(f"{path}: each provider must be an object")
        fields = dict(item)
        fields["scopes"] = tuple(fields.get("scopes") or ())
        out.append(Provider(**fields))
    return out


def _token_keys(secret: str, spec: str) -> tuple[tuple[str, str], ...]:
    """CALGATE_GATEWAY_TOKEN_KEYS="new:secret2,old:secret1" (first encrypts); else the secret."""
    from calgate.security.crypto import default_key_id

    pairs = []
    for part in spec.split(","):
        if not part.strip():
            continue
        kid, sep, value = part.strip().partition(":")
        if not sep or not kid or not value:
            raise ValueError("CALGATE_GATEWAY_TOKEN_KEYS entries must look like 'id:secret'")
        pairs.append((kid, value))
    if not pairs:
        if not secret:
            raise ValueError("the gateway needs a secret key")
        pairs.append((default_key_id(secret), secret))
    return tuple(pairs)
