"""Control API for gateway events: where the caller's gateway key sends them.

`PUT /gateway-key/events {"url": ...}` sets the URL and returns a new signing secret (shown
once; every PUT issues a new one), `GET` shows the URL, `DELETE` turns events off.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from calgate.gateway import keys
from calgate.gateway.connections import wire_time
from calgate.gateway.control import Caller, GatewayDep
from calgate.store.models import GatewayKey

router = APIRouter(tags=["Gateway events"])
PATH = "/gateway-key/events"


class EventsTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048, description="Absolute http(s) URL.")


def _json(key: GatewayKey) -> dict[str, Any]:
    since = key.events_since
    return {"url": key.events_url, "since": wire_time(since) if since else None}


@router.get(PATH, summary="Show where this gateway key's events are sent")
async def get_events(key_id: Caller, gateway: GatewayDep) -> JSONResponse:
    async with gateway.db.session() as session:
        key = await keys.get_key(session, key_id)
        return JSONResponse({"events": _json(key)})


@router.put(PATH, summary="Send this gateway key's events to a URL (returns the secret once)")
async def put_events(key_id: Caller, gateway: GatewayDep, body: EventsTarget) -> JSONResponse:
    async with gateway.db.transaction(immediate=True) as session:
        key = await keys.get_key(session, key_id, for_update=True)
        secret = keys.set_events(gateway.keyring, key, body.url)
        payload = {**_json(key), "secret": secret}
    return JSONResponse({"events": payload})


@router.delete(PATH, summary="Stop sending this gateway key's events")
async def delete_events(key_id: Caller, gateway: GatewayDep) -> JSONResponse:
    async with gateway.db.transaction(immediate=True) as session:
        key = await keys.get_key(session, key_id, for_update=True)
        keys.clear_events(key)
        payload = _json(key)
    return JSONResponse({"events": payload})
