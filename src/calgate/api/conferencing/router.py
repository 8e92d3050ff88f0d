"""Cal.com's conferencing endpoints: the user's apps, connecting, the default app."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from calgate.api.auth import CurrentPrincipal
from calgate.api.schema import Input
from calgate.api.versions import body_schema, json_body
from calgate.errors import BadRequest
from calgate.services import conferencing
from calgate.web.envelope import ok
from calgate.web.state import Db, State

router = APIRouter(prefix="/v2/conferencing", tags=["Conferencing"])

App = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,32}$")]


class ConnectInput(Input):
    # personal-link only: the user's own meeting URL (Cal.com's connect takes no body).
    link: str | None = Field(None, max_length=2048)


@router.get("", summary="List your conferencing applications")
async def list_apps(principal: CurrentPrincipal, db: Db) -> JSONResponse:
    return ok(await conferencing.list_apps(db, principal.user.id))


@router.get("/default", summary="Get your default conferencing application")
async def get_default(principal: CurrentPrincipal, db: Db) -> JSONResponse:
    return ok(await conferencing.get_default(db, principal.user.id))


@router.post(
    "/{app}/connect",
    summary="Connect your conferencing application",
    openapi_extra=body_schema(ConnectInput),
)
async def connect(
    app: App, request: Request, principal: CurrentPrincipal, state: State, db: Db
) -> JSONResponse:
    raw = await request.body()
    data = await json_body(request) if raw.strip() else {}
    if not isinstance(data, dict):
        raise BadRequest("Request body must be a JSON object")
    body = ConnectInput.model_validate(data)
    out = await conferencing.connect(db, state.settings, principal.user.id, app, body.link)
    return ok(out)


@router.post("/{app}/default", summary="Set your default conferencing application")
async def set_default(app: App, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    await conferencing.set_default(db, principal.user.id, app)
    return JSONResponse({"status": "success"})


@router.delete("/{app}/disconnect", summary="Disconnect your conferencing application")
async def disconnect(app: App, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    await conferencing.disconnect(db, principal.user.id, app)
    return JSONResponse({"status": "success"})
