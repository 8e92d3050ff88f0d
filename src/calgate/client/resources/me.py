"""`/v2/me`: the authenticated user's profile."""

from __future__ import annotations

from typing import Any

from calgate.client.models import User
from calgate.client.resources._base import one
from calgate.client.resources._resource import Resource, Tr, operation
from calgate.client.transport import AsyncTransport, Call, SyncTransport


def get_me() -> Call[User]:
    return Call("GET", "/v2/me", one(User))


def update_me(fields: dict[str, Any]) -> Call[User]:
    return Call("PATCH", "/v2/me", one(User), json=fields)


class _Me(Resource[Tr]):
    @operation
    def get(self) -> Call[User]:
        return get_me()

    @operation
    def update(self, /, **fields: Any) -> Call[User]:
        """Change profile fields, by their API names (`name`, `timeZone`, `bio`, ...)."""
        return update_me(fields)


class Me(_Me[SyncTransport]): ...


class AsyncMe(_Me[AsyncTransport]): ...
