"""Calls to a provider's token endpoints: code exchange, refresh and revocation."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx2

from calgate.gateway.config import Provider
from calgate.net.ssrf import RefusedTarget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str | None


class TokenEndpointError(Exception):
    """The provider answered with an OAuth error (e.g. invalid_grant)."""

    def __init__(self, error: str, description: str, status: int) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status = status


class TokenEndpointUnavailable(Exception):
    """The provider could not be reached or answered with a server error."""


def _oauth_error(body: Any, status: int) -> tuple[str, str]:
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, str):
            return err, str(body.get("error_description") or "")
        if isinstance(err, dict):  # Cal.com's envelope
            message = str(err.get("message") or "")
            code = str(err.get("code") or "")
            for known in ("invalid_grant", "invalid_client", "invalid_request"):
                if known in (code, message) or known in message:
                    return known, message
            return code or f"http_{status}", message
    return f"http_{status}", ""


async def _post_as_client(
    http: httpx2.AsyncClient,
    provider: Provider,
    url: str,
    what: str,
    params: dict[str, str],
    timeout: float,  # noqa: ASYNC109 - per-call httpx2 timeout, not a cancel scope
) -> tuple[int, Any]:
    """POST a form with the client's credentials in the body (as Cal.com takes them): the
    status and the JSON body (None if not JSON). Unreachable, refused or 5xx: Unavailable."""
    form = {**params, "client_id": provider.client_id, "client_secret": provider.client_secret}
    try:
        response = await http.post(
            url, data=form, headers={"Accept": "application/json"}, timeout=timeout
        )
    except RefusedTarget as exc:
        raise TokenEndpointUnavailable(f"{what} {url} refused: {exc}") from exc
    except httpx2.HTTPError as exc:
        raise TokenEndpointUnavailable(f"{what} unreachable: {exc!r}") from exc
    if response.status_code >= 500:
        raise TokenEndpointUnavailable(f"{what} answered {response.status_code}")
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    return response.status_code, body


async def request_tokens(
    http: httpx2.AsyncClient,
    provider: Provider,
    params: dict[str, str],
    *,
    now: datetime,
    timeout: float,  # noqa: ASYNC109 - per-call httpx2 timeout, not a cancel scope
) -> TokenSet:
    status, body = await _post_as_client(
        http, provider, provider.token_url, "token endpoint", params, timeout
    )
    if status != 200 or not isinstance(body, dict) or "error" in body:
        error, description = _oauth_error(body, status)
        raise TokenEndpointError(error, description, status)
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise TokenEndpointError("invalid_response", "no access_token in the response", 200)
    refresh = body.get("refresh_token")
    expires_in = body.get("expires_in")
    scope = body.get("scope")
    return TokenSet(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_at=expires_at_from(now, expires_in),
        scope=scope if isinstance(scope, str) else None,
    )


# Longer than any real token lives; beyond it (or not a finite number) the value is ignored and
# the token is refreshed when the provider first answers 401.
_MAX_EXPIRES_IN = 10 * 365 * 86400


def expires_at_from(now: datetime, expires_in: Any) -> datetime | None:
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
        return None
    if not math.isfinite(expires_in) or not 0 <= expires_in <= _MAX_EXPIRES_IN:
        return None
    return now + timedelta(seconds=float(expires_in))


async def revoke(
    http: httpx2.AsyncClient,
    provider: Provider,
    token: str,
    hint: str,
    *,
    timeout: float,  # noqa: ASYNC109 - per-call httpx2 timeout, not a cancel scope
) -> None:
    """Revoke a token at the provider's RFC 7009 endpoint (the caller checks it has one)."""
    status, body = await _post_as_client(
        http,
        provider,
        provider.revoke_url,
        "revocation endpoint",
        {"token": token, "token_type_hint": hint},
        timeout,
    )
    if status != 200:
        error, description = _oauth_error(body, status)
        raise TokenEndpointError(error, description, status)


async def revoke_quietly(
    http: httpx2.AsyncClient,
    provider: Provider | None,
    refresh_token: str | None,
    access_token: str | None,
    *,
    timeout: float,  # noqa: ASYNC109 - per-call httpx2 timeout, not a cancel scope
) -> str:
    """Best-effort revocation of a pair the gateway is letting go of: 'revoked',
    'unsupported' (no revocation endpoint configured) or 'failed: ...' (logged)."""
    if provider is None or not provider.revoke_url:
        return "unsupported"
    # Revoking the refresh token ends the whole grant, its access tokens included.
    token, hint = (
        (refresh_token, "refresh_token") if refresh_token else (access_token, "access_token")
    )
    if not token:
        return "revoked"
    try:
        await revoke(http, provider, token, hint, timeout=timeout)
    except (TokenEndpointError, TokenEndpointUnavailable) as exc:
        log.warning("revoking a %s token at %s failed: %s", provider.app, provider.revoke_url, exc)
        return f"failed: {exc}"
    return "revoked"
