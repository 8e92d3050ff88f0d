"""Credentials as Cal.com reads them: `Authorization: Bearer cal_...`, or the raw key.

Anything that is not an API key is taken for an OAuth access token. The checks themselves are
plugged in by the composition root (`web.credentials`); which scopes a route needs is the
caller's business (the `/v2` table is `api.scopes`, applied by `api.auth`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.security import APIKeyHeader

from calgate.errors import Forbidden, Unauthorized
from calgate.security import keys
from calgate.store.models import User
from calgate.web.state import Runtime

authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description=(
        "`Bearer cal_...` API key or `Bearer <OAuth access token>` (the raw value without "
        "`Bearer ` is accepted too)."
    ),
)


@dataclass(frozen=True)
class Principal:
    user: User
    # None means unrestricted (API keys); OAuth access tokens carry their granted scopes.
    scopes: frozenset[str] | None = None


async def authenticate(state: Runtime, header: str | None) -> Principal:
    token = keys.bearer_token(header)
    if token is None:
        raise Unauthorized("No Authorization header provided")
    credentials = state.credentials
    if credentials is None:  # pragma: no cover - only scheduler routes authenticate users
        raise Unauthorized("This server accepts no user credentials")
    pepper = state.settings.secret_key
    if not token.startswith(keys.API_KEY_PREFIX):
        if len(token) > 512 or "\x00" in token:
            raise Unauthorized("Invalid Access Token")
        async with state.db.session() as session:
            user, scopes = await credentials.access_token(session, pepper, token)
        return Principal(user=user, scopes=scopes)
    async with state.db.session() as session:
        user = await credentials.api_key(session, pepper, token)
    if credentials.key_use is not None:
        await credentials.key_use.used(keys.digest(pepper, token))
    return Principal(user=user)


def require_scopes(principal: Principal, *needed: str) -> None:
    """Refuse (403) an OAuth principal lacking any of ``needed``; API keys are unrestricted."""
    if principal.scopes is None:
        return
    missing = [scope for scope in needed if scope not in principal.scopes]
    if missing:
        held = ", ".join(sorted(principal.scopes)) or "none"
        # Cal.com's wording (ThirdPartyPermissionsGuard), so clients can match on it.
        raise Forbidden(
            "insufficient_scope: token does not have the required scopes. "
            f"Required: {', '.join(missing)}. Token has: {held}"
        )
