"""`/v2/verified-resources`: emails and phone numbers verified for use in workflows."""

from __future__ import annotations

import builtins
from typing import Any

from calgate.client.models import VerifiedResource
from calgate.client.resources._base import many, nothing, one
from calgate.client.resources._resource import Resource, Tr, full_listing, operation
from calgate.client.transport import AsyncTransport, Call, SyncTransport, page_by_count

_ROOT = "/v2/verified-resources"
_FIELD = {"emails": "email", "phones": "phone"}


def list_verified(kind: str, take: int = 250) -> Call[builtins.list[VerifiedResource]]:
    """One page (`take` at most 250); the answer has no `pagination`, so `page_by_count`."""
    return Call(
        "GET",
        f"{_ROOT}/{kind}",
        many(VerifiedResource),
        params={"take": take},
        next_page=page_by_count,
    )


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


class _VerifiedResources(Resource[Tr]):
    """`kind` is "emails" or "phones"."""

    @full_listing
    def list(self, kind: str = "emails") -> Call[builtins.list[VerifiedResource]]:
        return list_verified(kind)

    @operation
    def get(self, resource_id: int, kind: str = "emails") -> Call[VerifiedResource]:
        return get_verified(kind, resource_id)

    @operation
    def request_code(self, value: str, kind: str = "emails") -> Call[None]:
        return request_code(kind, value)

    @operation
    def verify(self, value: str, code: str, kind: str = "emails") -> Call[VerifiedResource]:
        return verify_code(kind, value, code)


class VerifiedResources(_VerifiedResources[SyncTransport]): ...


class AsyncVerifiedResources(_VerifiedResources[AsyncTransport]): ...
