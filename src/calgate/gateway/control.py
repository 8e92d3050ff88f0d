"""Control API: list, create, get, reconnect and delete connections (the skill document's JSON
shapes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field

from calgate.gateway import connection_service as service
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
    found = await service.list_connections(gateway, key_id, app, wanted)
    return JSONResponse({"connections": found})


@router.post("/connections", summary="Create a connection and get its browser link")
async def create_connection(
    key_id: Caller, gateway: GatewayDep, body: CreateConnection
) -> JSONResponse:
    conn = await service.create_connection(gateway, key_id, body.app)
    return JSONResponse({"connection": conn})


@router.get("/connections/{connection_id}", summary="Get one connection")
async def get_connection(key_id: Caller, gateway: GatewayDep, connection_id: str) -> JSONResponse:
    conn = await service.get_connection(gateway, key_id, connection_id)
    return JSONResponse({"connection": conn})


@router.post(
    "/connections/{connection_id}/reconnect",
    summary="Get a new browser link for a FAILED connection (same connection_id)",
    description="For a FAILED connection, or a PENDING one whose link expired. Completing the "
    "link's flow makes the connection ACTIVE again with new tokens; until then it keeps its "
    "status and status_reason.",
)
async def reconnect_connection(
    key_id: Caller, gateway: GatewayDep, connection_id: str
) -> JSONResponse:
    conn = await service.reconnect_connection(gateway, key_id, connection_id)
    return JSONResponse({"connection": conn})


@router.delete(
    "/connections/{connection_id}",
    summary="Delete a connection",
    description="Forgets the connection and its tokens, and revokes the grant at the provider "
    "when the app has a revocation endpoint (the embedded server does).",
)
async def delete_connection(
    key_id: Caller, gateway: GatewayDep, connection_id: str
) -> JSONResponse:
    conn = await service.delete_connection(gateway, key_id, connection_id)
    return JSONResponse({"connection": conn})
