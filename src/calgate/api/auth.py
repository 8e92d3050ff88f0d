"""The `/v2` principal dependencies: authenticate (`web.auth`), then hold an OAuth access
token to the scopes of the route it calls (`api.scopes`), so routers only ask for a principal
and never name a scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from calgate.api.scopes import required_scopes
from calgate.errors import Forbidden
from calgate.web.auth import Principal, authenticate, authorization_header, require_scopes
from calgate.web.state import State

__all__ = [
    "CurrentPrincipal",
    "OptionalPrincipal",
    "Principal",
    "authenticate",
    "check_route_scopes",
    "optional_principal",
    "require_principal",
]


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
    authorization: Annotated[str | None, Depends(authorization_header)],
) -> Principal:
    principal = await authenticate(state, authorization)
    check_route_scopes(request, principal)
    request.state.principal = principal
    return principal


async def optional_principal(
    request: Request,
    state: State,
    authorization: Annotated[str | None, Depends(authorization_header)],
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
