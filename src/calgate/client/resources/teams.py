"""`/v2/teams` (Cal.com API v2; calgate servers without teams answer `NotSupported`)."""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import Team
from calgate.client.resources._base import AsyncResource, SyncResource, many, nothing, one
from calgate.client.transport import Call


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


class Teams(SyncResource):
    def list(self) -> builtins.list[Team]:
        return self._t.send(list_teams())

    def get(self, team_id: int) -> Team:
        return self._t.send(get_team(team_id))

    def create(self, *, name: str, **fields: Any) -> Team:
        return self._t.send(create_team(name, fields))

    def update(self, team_id: int, **fields: Any) -> Team:
        return self._t.send(update_team(team_id, fields))

    def delete(self, team_id: int) -> None:
        self._t.send(delete_team(team_id))


class AsyncTeams(AsyncResource):
    async def list(self) -> builtins.list[Team]:
        return await self._t.send(list_teams())

    async def get(self, team_id: int) -> Team:
        return await self._t.send(get_team(team_id))

    async def create(self, *, name: str, **fields: Any) -> Team:
        return await self._t.send(create_team(name, fields))

    async def update(self, team_id: int, **fields: Any) -> Team:
        return await self._t.send(update_team(team_id, fields))

    async def delete(self, team_id: int) -> None:
        await self._t.send(delete_team(team_id))
