"""`/v2/teams` (Cal.com API v2; calgate servers without teams answer `NotSupported`)."""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import Team
from calgate.client.resources._base import many, nothing, one
from calgate.client.resources._resource import Resource, Tr, operation
from calgate.client.transport import AsyncTransport, Call, SyncTransport


def list_teams() -> Call[builtins.list[Team]]:
    return Call("GET", "/v2/teams", many(Team))


def get_team(team_id: int) -> Call[Team]:
    return Call("GET", f"/v2/teams/{team_id}", one(Team))


def create_team(name: str, fields: dict[str, Any]) -> Call[Team]:
    return Call("POST", "/v2/teams", one(Team), json={"name": name, **fields})


def update_team(team_id: int, fields: dict[str, Any]) -> Call[Team]:
    return Call("PATCH", f"/v2/teams/{team_id}", one(Team), json=fields)


def delete_team(team_id: int) -> Call[None]:
    return Call("DELETE", f"/v2/teams/{team_id}", nothing)


class _Teams(Resource[Tr]):
    @operation
    def list(self) -> Call[builtins.list[Team]]:
        return list_teams()

    @operation
    def get(self, team_id: int) -> Call[Team]:
        return get_team(team_id)

    @operation
    def create(self, /, *, name: str, **fields: Any) -> Call[Team]:
        return create_team(name, fields)

    @operation
    def update(self, /, team_id: int, **fields: Any) -> Call[Team]:
        return update_team(team_id, fields)

    @operation
    def delete(self, team_id: int) -> Call[None]:
        return delete_team(team_id)


class Teams(_Teams[SyncTransport]): ...


class AsyncTeams(_Teams[AsyncTransport]): ...
