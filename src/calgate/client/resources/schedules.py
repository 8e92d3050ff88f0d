"""`/v2/schedules`: working hours and date overrides."""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import Schedule
from calgate.client.resources._base import (
    SCHEDULES,
    AsyncResource,
    SyncResource,
    many,
    nothing,
    one,
)
from calgate.client.transport import Call


def list_schedules() -> Call[builtins.list[Schedule]]:
    return Call("GET", "/v2/schedules", many(Schedule), version=SCHEDULES)


def get_schedule(schedule_id: int) -> Call[Schedule]:
    return Call("GET", f"/v2/schedules/{schedule_id}", one(Schedule), version=SCHEDULES)


def default_schedule() -> Call[Schedule]:
    return Call("GET", "/v2/schedules/default", one(Schedule), version=SCHEDULES)


def create_schedule(
    name: str, time_zone: str, is_default: bool, fields: dict[str, Any]
) -> Call[Schedule]:
    body = {"name": name, "timeZone": time_zone, "isDefault": is_default, **fields}
    return Call("POST", "/v2/schedules", one(Schedule), json=body, version=SCHEDULES)


def update_schedule(schedule_id: int, fields: dict[str, Any]) -> Call[Schedule]:
    return Call(
        "PATCH", f"/v2/schedules/{schedule_id}", one(Schedule), json=fields, version=SCHEDULES
    )


def delete_schedule(schedule_id: int) -> Call[None]:
    return Call("DELETE", f"/v2/schedules/{schedule_id}", nothing, version=SCHEDULES)


class Schedules(SyncResource):
    def list(self) -> builtins.list[Schedule]:
        return self._t.send(list_schedules())

    def get(self, schedule_id: int) -> Schedule:
        return self._t.send(get_schedule(schedule_id))

    def default(self) -> Schedule:
        return self._t.send(default_schedule())

    def create(
        self, *, name: str, time_zone: str, is_default: bool = False, **fields: Any
    ) -> Schedule:
        """Fields by API name: `availability` ([{days, startTime, endTime}]), `overrides`."""
        return self._t.send(create_schedule(name, time_zone, is_default, fields))

    def update(self, schedule_id: int, **fields: Any) -> Schedule:
        return self._t.send(update_schedule(schedule_id, fields))

    def delete(self, schedule_id: int) -> None:
        self._t.send(delete_schedule(schedule_id))


class AsyncSchedules(AsyncResource):
    async def list(self) -> builtins.list[Schedule]:
        return await self._t.send(list_schedules())

    async def get(self, schedule_id: int) -> Schedule:
        return await self._t.send(get_schedule(schedule_id))

    async def default(self) -> Schedule:
        return await self._t.send(default_schedule())

    async def create(
        self, *, name: str, time_zone: str, is_default: bool = False, **fields: Any
    ) -> Schedule:
        return await self._t.send(create_schedule(name, time_zone, is_default, fields))

    async def update(self, schedule_id: int, **fields: Any) -> Schedule:
        return await self._t.send(update_schedule(schedule_id, fields))

    async def delete(self, schedule_id: int) -> None:
        await self._t.send(delete_schedule(schedule_id))
