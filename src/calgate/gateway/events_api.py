"""Control API for gateway events: where the caller's gateway key sends them.

`PUT /gateway-key/events {"url": ...}` sets the URL and returns a new signing secret (shown
once; every PUT issues a new one), `GET` shows the URL, `DELETE` turns events off.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from calgate.gateway import events_service as service
from calgate.gateway.connections import wire_time
from calgate.gateway.control import Caller, GatewayDep

router = APIRouter(tags=["Gateway events"])
PATH = "/gateway-key/events"


class EventsTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048, description="Absolute http(s) URL.")


def _json(target: service.Destination) -> dict[str, Any]:
    since = target.since
    body: dict[str, Any] = {"url": target.url, "since": wire_time(since) if since else None}
    if target.secret is not None:
        body["secret"] = target.secret
    return body


@router.get(PATH, summary="Show where this gateway key's events are sent")
async def get_events(key_id: Caller, gateway: GatewayDep) -> JSONResponse:
    return JSONResponse({"events": _json(await service.get_events(gateway, key_id))})


@router.put(PATH, summary="Send this gateway key's events to a URL (returns the secret once)")
async def put_events(key_id: Caller, gateway: GatewayDep, body: EventsTarget) -> JSONResponse:
    return JSONResponse({"events": _json(await service.set_events(gateway, key_id, body.url))})


@router.delete(PATH, summary="Stop sending this gateway key's events")
async def delete_events(key_id: Caller, gateway: GatewayDep) -> JSONResponse:
    return JSONResponse({"events": _json(await service.clear_events(gateway, key_id))})
