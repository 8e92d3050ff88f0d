"""Credentials as Cal.com reads them: `Authorization: Bearer cal_...`, or the raw key.

OAuth access tokens are also held to their scopes here, per route (`api.scopes`), so routers
only ask for a principal and never name a scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from calgate.api.deps import AppState, State
from calgate.api.scopes import required_scopes
from calgate.errors import Forbidden, Unauthorized
from calgate.oauth.service import principal_for_access_token
from calgate.security.keys import API_KEY_PREFIX, bearer_token
from calgate.services.api_keys import user_for_api_key
from calgate.store.models import User

_authorization = APIKeyHeader(
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


async def authenticate(state: AppState, header: str | None) -> Principal:
    token = bearer_token(header)
    if token is None:
        raise Unauthorized("No Authorization header provided")
    if not token.startswith(API_KEY_PREFIX):
        # As on Cal.com, anything that is not an API key is taken for an OAuth access token.
        if len(token) > 512 or "\x00" in token:
            raise Unauthorized("Invalid Access Token")
        async with state.db.session() as session:
            user, scopes = await principal_for_access_token(
                session, state.settings.secret_key, token
            )
        return Principal(user=user, scopes=scopes)
    async with state.db.session() as session:
        user = await user_for_api_key(session, state.settings.secret_key, token)
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


def check_route_scopes(request: Request, principal: Principal) -> None:
    """Apply the scope table (``api.scopes``) to the route this request matched."""
    if principal.scopes is None:
        return
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    needed = required_scopes(request.method, path) if isinstance(path, str) else None
    if needed is None:
        # Fail closed: a route missing from the table is not open to OAuth tokens.
        raise Forbidden(
            "insufficient_scope: this endpoint is not available for third-party OAuth tokens"
        )
    require_scopes(principal, *needed)


async def require_principal(
    request: Request,
    state: State,
    authorization: Annotated[str | None, Depends(_authorization)],
) -> Principal:
    principal = await authenticate(state, authorization)
    check_route_scopes(request, principal)
    request.state.principal = principal
    return principal


async def optional_principal(
    request: Request,
    state: State,
    authorization: Annotated[str | None, Depends(_authorization)],
) -> Principal | None:
    """The caller, if credentials were sent; on these endpoints a guest is welcome, but a token
    that is sent must carry the route's scopes like anywhere else."""
    if not authorization:
        return None
    principal = await authenticate(state, authorization)
    check_route_scopes(request, principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
