"""The gateway's control API (`/connections`): a gateway key's OAuth connections.

It answers `{"connections": [...]}` / `{"connection": {...}}` rather than Cal.com's envelope,
and lives at the control URL (the same calgate server; `ctrl.maton.ai` for Maton).
"""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import Connection
from calgate.client.resources._base import AsyncResource, SyncResource, drop_none, nothing
from calgate.client.transport import Call


def _one(data: Any) -> Connection:
    return Connection.model_validate(data["connection"])


def _many(data: Any) -> builtins.list[Connection]:
    return [Connection.model_validate(c) for c in data["connections"]]


def list_connections(
    app: str | None = "cal-com", status: str | None = None
) -> Call[builtins.list[Connection]]:
    params = drop_none(app=app, status=status)
    return Call("GET", "/connections", _many, params=params, control=True)


def create_connection(app: str = "cal-com") -> Call[Connection]:
    return Call("POST", "/connections", _one, json={"app": app}, control=True)


def get_connection(connection_id: str) -> Call[Connection]:
    return Call("GET", f"/connections/{connection_id}", _one, control=True)


def delete_connection(connection_id: str) -> Call[None]:
    return Call("DELETE", f"/connections/{connection_id}", nothing, control=True)


def reconnect(connection_id: str) -> Call[Connection]:
    return Call("POST", f"/connections/{connection_id}/reconnect", _one, control=True)


class Connections(SyncResource):
    def list(
        self, *, app: str | None = "cal-com", status: str | None = None
    ) -> builtins.list[Connection]:
        return self._t.send(list_connections(app, status))

    def create(self, app: str = "cal-com") -> Connection:
        """A PENDING connection; the user opens its `url` to authorize."""
        return self._t.send(create_connection(app))

    def get(self, connection_id: str) -> Connection:
        return self._t.send(get_connection(connection_id))

    def delete(self, connection_id: str) -> None:
        self._t.send(delete_connection(connection_id))

    def reconnect(self, connection_id: str) -> Connection:
        return self._t.send(reconnect(connection_id))


class AsyncConnections(AsyncResource):
    async def list(
        self, *, app: str | None = "cal-com", status: str | None = None
    ) -> builtins.list[Connection]:
        return await self._t.send(list_connections(app, status))

    async def create(self, app: str = "cal-com") -> Connection:
        return await self._t.send(create_connection(app))

    async def get(self, connection_id: str) -> Connection:
        return await self._t.send(get_connection(connection_id))

    async def delete(self, connection_id: str) -> None:
        await self._t.send(delete_connection(connection_id))

    async def reconnect(self, connection_id: str) -> Connection:
        return await self._t.send(reconnect(connection_id))
