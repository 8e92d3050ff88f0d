"""`/v2/calendars` and `/v2/conferencing` (Cal.com API v2; `NotSupported` where absent)."""

from __future__ import annotations

import builtins
from datetime import date
from typing import Any

from calgate.client.models import Calendar, ConferencingApp
from calgate.client.resources._base import AsyncResource, SyncResource, many, nothing
from calgate.client.transport import Call


def list_calendars() -> Call[builtins.list[Calendar]]:
    return Call("GET", "/v2/calendars", many(Calendar, "connectedCalendars"))


def busy_times(
    date_from: date | str, date_to: date | str, time_zone: str
) -> Call[builtins.list[dict[str, Any]]]:
    params = {"dateFrom": str(date_from), "dateTo": str(date_to), "loggedInUsersTz": time_zone}
    return Call("GET", "/v2/calendars/busy-times", _rows, params=params)


def _rows(data: Any) -> builtins.list[dict[str, Any]]:
    return list(data or [])


def list_conferencing() -> Call[builtins.list[ConferencingApp]]:
    return Call("GET", "/v2/conferencing", many(ConferencingApp))


def default_conferencing() -> Call[dict[str, Any]]:
    return Call("GET", "/v2/conferencing/default", _mapping)


def set_default_conferencing(app: str) -> Call[None]:
    return Call("POST", f"/v2/conferencing/{app}/default", nothing)


def _mapping(data: Any) -> dict[str, Any]:
    return dict(data or {})


class Calendars(SyncResource):
    def list(self) -> builtins.list[Calendar]:
        return self._t.send(list_calendars())

    def busy_times(
        self, date_from: date | str, date_to: date | str, *, time_zone: str
    ) -> builtins.list[dict[str, Any]]:
        return self._t.send(busy_times(date_from, date_to, time_zone))


class Conferencing(SyncResource):
    def list(self) -> builtins.list[ConferencingApp]:
        return self._t.send(list_conferencing())

    def default(self) -> dict[str, Any]:
        return self._t.send(default_conferencing())

    def set_default(self, app: str) -> None:
        self._t.send(set_default_conferencing(app))


class AsyncCalendars(AsyncResource):
    async def list(self) -> builtins.list[Calendar]:
        return await self._t.send(list_calendars())

    async def busy_times(
        self, date_from: date | str, date_to: date | str, *, time_zone: str
    ) -> builtins.list[dict[str, Any]]:
        return await self._t.send(busy_times(date_from, date_to, time_zone))


class AsyncConferencing(AsyncResource):
    async def list(self) -> builtins.list[ConferencingApp]:
        return await self._t.send(list_conferencing())

    async def default(self) -> dict[str, Any]:
        return await self._t.send(default_conferencing())

    async def set_default(self, app: str) -> None:
        await self._t.send(set_default_conferencing(app))
