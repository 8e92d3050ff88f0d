"""`/v2/me`: the authenticated user's profile."""

from __future__ import annotations

from typing import Any

from calgate.client.models import User
from calgate.client.resources._base import AsyncResource, SyncResource, one
from calgate.client.transport import Call


def get_me() -> Call[User]:
    return Call("GET", "/v2/me", one(User))


def update_me(fields: dict[str, Any]) -> Call[User]:
    return Call("PATCH", "/v2/me", one(User), json=fields)


class Me(SyncResource):
    def get(self) -> User:
        return self._t.send(get_me())

    def update(self, **fields: Any) -> User:
        """Change profile fields, by their API names (`name`, `timeZone`, `bio`, ...)."""
        return self._t.send(update_me(fields))


class AsyncMe(AsyncResource):
    async def get(self) -> User:
        return await self._t.send(get_me())

    async def update(self, **fields: Any) -> User:
        return await self._t.send(update_me(fields))
