"""`/v2/calendars` and `/v2/conferencing` (Cal.com API v2; `NotSupported` where absent)."""

from __future__ import annotations

import builtins
from datetime import date
from typing import Any

from calgate.client.models import Calendar, ConferencingApp
from calgate.client.resources._base import many, nothing
from calgate.client.resources._resource import Resource, Tr, operation
from calgate.client.transport import AsyncTransport, Call, SyncTransport


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


class _Calendars(Resource[Tr]):
    @operation
    def list(self) -> Call[builtins.list[Calendar]]:
        return list_calendars()

    @operation
    def busy_times(
        self, date_from: date | str, date_to: date | str, *, time_zone: str
    ) -> Call[builtins.list[dict[str, Any]]]:
        return busy_times(date_from, date_to, time_zone)


class _Conferencing(Resource[Tr]):
    @operation
    def list(self) -> Call[builtins.list[ConferencingApp]]:
        return list_conferencing()

    @operation
    def default(self) -> Call[dict[str, Any]]:
        return default_conferencing()

    @operation
    def set_default(self, app: str) -> Call[None]:
        return set_default_conferencing(app)


class Calendars(_Calendars[SyncTransport]): ...


class AsyncCalendars(_Calendars[AsyncTransport]): ...


class Conferencing(_Conferencing[SyncTransport]): ...


class AsyncConferencing(_Conferencing[AsyncTransport]): ...
