"""The gateway's control API (`/connections`): a gateway key's OAuth connections.

It answers `{"connections": [...]}` / `{"connection": {...}}` rather than Cal.com's envelope,
and lives at the control URL (the same calgate server; `ctrl.maton.ai` for Maton).
"""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import Connection
from calgate.client.resources._base import drop_none, nothing
from calgate.client.resources._resource import Resource, Tr, operation
from calgate.client.transport import AsyncTransport, Call, SyncTransport


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


class _Connections(Resource[Tr]):
    @operation
    def list(
        self, *, app: str | None = "cal-com", status: str | None = None
    ) -> Call[builtins.list[Connection]]:
        return list_connections(app, status)

    @operation
    def create(self, app: str = "cal-com") -> Call[Connection]:
        """A PENDING connection; the user opens its `url` to authorize."""
        return create_connection(app)

    @operation
    def get(self, connection_id: str) -> Call[Connection]:
        return get_connection(connection_id)

    @operation
    def delete(self, connection_id: str) -> Call[None]:
        return delete_connection(connection_id)

    @operation
    def reconnect(self, connection_id: str) -> Call[Connection]:
        return reconnect(connection_id)


class Connections(_Connections[SyncTransport]): ...


class AsyncConnections(_Connections[AsyncTransport]): ...
