"""How a bearer credential becomes a user: the checks the composition root plugs in.

API keys are the scheduler's (services), OAuth access tokens the authorization server's
(oauth); both are handed in by `calgate.app`, so this package depends on neither.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from calgate.store.models import User
from calgate.web.key_use import KeyUse

# (session, pepper, raw credential) -> the user, or Unauthorized.
ApiKeyCheck = Callable[[AsyncSession, str, str], Awaitable[User]]
# (session, pepper, raw token) -> the user and the token's granted scopes, or Unauthorized.
AccessTokenCheck = Callable[[AsyncSession, str, str], Awaitable[tuple[User, frozenset[str]]]]


@dataclass(frozen=True)
class Credentials:
    api_key: ApiKeyCheck
    access_token: AccessTokenCheck
    # Records when each API key was last used; None: not recorded.
    key_use: KeyUse | None = None
