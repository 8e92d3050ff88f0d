"""Control API: list, create, get, reconnect and delete connections (the skill document's JSON
shapes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field

from calgate.gateway import connections as conns
from calgate.gateway import events
from calgate.gateway.runtime import Gateway, get_gateway
from calgate.gateway.tokens import revoke_quietly
from calgate.store.models import utcnow

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
        events.emit(session, conn, events.CREATED)
        payload = conns.to_json(conn, gateway.settings, gateway.keyring)
    return JSONResponse({"connection": payload})


@router.get("/connections/{connection_id}", summary="Get one connection")
async def get_connection(key_id: Caller, gateway: GatewayDep, connection_id: str) -> JSONResponse:
    async with gateway.db.session() as session:
        conn = await conns.get_for(session, key_id, connection_id)
        payload = conns.to_json(conn, gateway.settings, gateway.keyring)
    return JSONResponse({"connection": payload})


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
    async with gateway.db.transaction(immediate=True) as session:
        conn = await conns.get_for(session, key_id, connection_id, lock=True)
        gateway.provider(conn.app)
        conns.reconnect(conn, gateway.settings, gateway.keyring, utcnow())
        payload = conns.to_json(conn, gateway.settings, gateway.keyring)
    return JSONResponse({"connection": payload})


@router.delete(
    "/connections/{connection_id}",
    summary="Delete a connection",
    description="Forgets the connection and its tokens, and revokes the grant at the provider "
    "when the app has a revocation endpoint (the embedded server does).",
)
async def delete_connection(
    key_id: Caller, gateway: GatewayDep, connection_id: str
) -> JSONResponse:
    async with gateway.db.transaction(immediate=True) as session:
        conn = await conns.get_for(session, key_id, connection_id, lock=True)
        payload = conns.to_json(conn, gateway.settings, gateway.keyring)
        refresh_token, access_token = conns.tokens_of(gateway.keyring, conn)
        provider = gateway.settings.providers.get(conn.app)
        events.emit(session, conn, events.DELETED)
        await session.delete(conn)
    # After commit: a concurrent call that re-read the row before it was gone can't have
    # cached it under the new generation.
    conns.mark_changed()
    # Only now, so a failing provider can't keep a connection the caller asked to delete. A
    # refresh that was in flight revokes the pair it obtained itself (see refresh._persist).
    await revoke_quietly(
        gateway.http,
        provider,
        refresh_token,
        access_token,
        timeout=gateway.settings.token_timeout_s,
    )
    return JSONResponse({"connection": payload})
