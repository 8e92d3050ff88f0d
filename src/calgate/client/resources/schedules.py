"""`/v2/schedules`: working hours and date overrides."""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import Schedule
from calgate.client.resources._base import SCHEDULES, many, nothing, one
from calgate.client.resources._resource import Resource, Tr, operation
from calgate.client.transport import AsyncTransport, Call, SyncTransport


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


class _Schedules(Resource[Tr]):
    @operation
    def list(self) -> Call[builtins.list[Schedule]]:
        return list_schedules()

    @operation
    def get(self, schedule_id: int) -> Call[Schedule]:
        return get_schedule(schedule_id)

    @operation
    def default(self) -> Call[Schedule]:
        return default_schedule()

    @operation
    def create(
        self, /, *, name: str, time_zone: str, is_default: bool = False, **fields: Any
    ) -> Call[Schedule]:
        """Fields by API name: `availability` ([{days, startTime, endTime}]), `overrides`."""
        return create_schedule(name, time_zone, is_default, fields)

    @operation
    def update(self, /, schedule_id: int, **fields: Any) -> Call[Schedule]:
        return update_schedule(schedule_id, fields)

    @operation
    def delete(self, schedule_id: int) -> Call[None]:
        return delete_schedule(schedule_id)


class Schedules(_Schedules[SyncTransport]): ...


class AsyncSchedules(_Schedules[AsyncTransport]): ...
