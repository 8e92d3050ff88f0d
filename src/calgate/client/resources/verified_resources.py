"""`/v2/verified-resources`: emails and phone numbers verified for use in workflows."""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import VerifiedResource
from calgate.client.resources._base import AsyncResource, SyncResource, many, nothing, one
from calgate.client.transport import Call, page_by_skip

_ROOT = "/v2/verified-resources"
_FIELD = {"emails": "email", "phones": "phone"}


def list_verified(kind: str) -> Call[builtins.list[VerifiedResource]]:
    return Call("GET", f"{_ROOT}/{kind}", many(VerifiedResource), next_page=page_by_skip)


def get_verified(kind: str, resource_id: int) -> Call[VerifiedResource]:
    return Call("GET", f"{_ROOT}/{kind}/{resource_id}", one(VerifiedResource))


def request_code(kind: str, value: str) -> Call[None]:
    body = {_FIELD[kind]: value}
    return Call("POST", f"{_ROOT}/{kind}/verification-code/request", nothing, json=body)


def verify_code(kind: str, value: str, code: str) -> Call[VerifiedResource]:
    body: dict[str, Any] = {_FIELD[kind]: value, "code": code}
    return Call(
        "POST", f"{_ROOT}/{kind}/verification-code/verify", one(VerifiedResource), json=body
    )


class VerifiedResources(SyncResource):
    """`kind` is "emails" or "phones"."""

    def list(self, kind: str = "emails") -> builtins.list[VerifiedResource]:
        return list(self._t.pages(list_verified(kind)))

    def get(self, resource_id: int, kind: str = "emails") -> VerifiedResource:
        return self._t.send(get_verified(kind, resource_id))

    def request_code(self, value: str, kind: str = "emails") -> None:
        self._t.send(request_code(kind, value))

    def verify(self, value: str, code: str, kind: str = "emails") -> VerifiedResource:
        return self._t.send(verify_code(kind, value, code))


class AsyncVerifiedResources(AsyncResource):
    async def list(self, kind: str = "emails") -> builtins.list[VerifiedResource]:
        return [r async for r in self._t.pages(list_verified(kind))]

    async def get(self, resource_id: int, kind: str = "emails") -> VerifiedResource:
        return await self._t.send(get_verified(kind, resource_id))

    async def request_code(self, value: str, kind: str = "emails") -> None:
        await self._t.send(request_code(kind, value))

    async def verify(self, value: str, code: str, kind: str = "emails") -> VerifiedResource:
        return await self._t.send(verify_code(kind, value, code))
