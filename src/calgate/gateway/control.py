"""Control API: list, create, get and delete connections (the skill document's JSON shapes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field

from calgate.gateway import connections as conns
from calgate.gateway.runtime import Gateway, get_gateway

router = APIRouter(tags=["Gateway connections"])

_authorization = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`Bearer <gateway key>` (from `calgate admin create-gateway-key`).",
)


async def _caller(
    request: Request,
    gateway: Annotated[Gateway, Depends(get_gateway)],
    _header: Annotated[str | None, Depends(_authorization)],
) -> int:
    return await gateway.authenticate(request)


Caller = Annotated[int, Depends(_caller)]
GatewayDep = Annotated[Gateway, Depends(get_gateway)]


class CreateConnection(BaseModel):
    model_config = ConfigDict(extra="ignore")

    app: str = Field(min_length=1, max_length=64, description="Provider app, e.g. `cal-com`.")


@router.get("/connections", summary="List this gateway key's connections")
async def list_connections(
    key_id: Caller,
    gateway: GatewayDep,
    app: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query(description="PENDING, ACTIVE or FAILED")] = None,
) -> JSONResponse:
    wanted = conns.parse_status(status)
    if app is not None and app not in gateway.settings.providers:
        return JSONResponse({"connections": []})
    async with gateway.db.session() as session:
        rows = await conns.list_for(session, key_id, app, wanted)
        body = [conns.to_json(c, gateway.settings, gateway.keyring) for c in rows]
    return JSONResponse({"connections": body})


@router.post("/connections", summary="Create a connection and get its browser link")
async def create_connection(
    key_id: Caller, gateway: GatewayDep, body: CreateConnection
) -> JSONResponse:
    gateway.provider(body.app)
    async with gateway.db.transaction() as session:
        conn = await conns.create(session, gateway.settings, gateway.keyring, key_id, body.app)
        payload = conns.to_json(conn, gateway.settings, gateway.keyring)
    return JSONResponse({"connection": payload})


@router.get("/connections/{connection_id}", summary="Get one connection")
async def get_connection(key_id: Caller, gateway: GatewayDep, connection_id: str) -> JSONResponse:
    async with gateway.db.session() as session:
        conn = await conns.get_for(session, key_id, connection_id)
        payload = conns.to_json(conn, gateway.settings, gateway.keyring)
    return JSONResponse({"connection": payload})


@router.delete("/connections/{connection_id}", summary="Delete a connection")
async def delete_connection(
    key_id: Caller, gateway: GatewayDep, connection_id: str
) -> JSONResponse:
    async with gateway.db.transaction() as session:
        conn = await conns.get_for(session, key_id, connection_id)
        payload = conns.to_json(conn, gateway.settings, gateway.keyring)
        await session.delete(conn)
    # After commit: a concurrent call that re-read the row before it was gone can't have
    # cached it under the new generation.
    conns.mark_changed()
    return JSONResponse({"connection": payload})
