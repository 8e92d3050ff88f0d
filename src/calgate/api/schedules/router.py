from __future__ import annotations

from typing import Annotated, Protocol, cast

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from calgate.api.auth import CurrentPrincipal
from calgate.api.schedules import legacy, v2024_06_11
from calgate.api.schema import PathId
from calgate.api.versions import SCHEDULES, Versioned, body_schema, parse_body
from calgate.api.versions import Shapes as VersionShapes
from calgate.services import schedules
from calgate.services.schedules import OwnedSchedule, SchedulePatch, ScheduleSpec
from calgate.web.envelope import ok
from calgate.web.state import Db

router = APIRouter(prefix="/v2/schedules", tags=["Schedules"])


class CreateInput(Protocol):
    def to_spec(self) -> ScheduleSpec: ...


class UpdateInput(Protocol):
    def to_patch(self) -> SchedulePatch: ...


class ScheduleShapes(VersionShapes[OwnedSchedule], Protocol):
    @property
    def Create(self) -> type[BaseModel]: ...

    @property
    def Update(self) -> type[BaseModel]: ...


VERSIONS: Versioned[ScheduleShapes] = Versioned(
    SCHEDULES, legacy=legacy.Shapes(), current=v2024_06_11.Shapes()
)
Shapes = Annotated[ScheduleShapes, Depends(VERSIONS.dependency())]


@router.post(
    "",
    status_code=201,
    summary="Create a schedule",
    openapi_extra=body_schema(
        legacy.CreateScheduleInput_2024_04_15, v2024_06_11.CreateScheduleInput_2024_06_11
    ),
)
async def create_schedule(
    request: Request, principal: CurrentPrincipal, shapes: Shapes, db: Db
) -> JSONResponse:
    body = cast(CreateInput, await parse_body(request, shapes.Create))
    owned = await schedules.create_schedule(db, principal.user.id, body.to_spec())
    return ok(shapes.one(owned), status_code=201)


@router.get("", summary="Get all schedules")
async def list_schedules(principal: CurrentPrincipal, shapes: Shapes, db: Db) -> JSONResponse:
    owned = await schedules.list_schedules(db, principal.user.id)
    return ok([shapes.one(o) for o in owned])


@router.get("/default", summary="Get the default schedule")
async def get_default_schedule(principal: CurrentPrincipal, shapes: Shapes, db: Db) -> JSONResponse:
    owned = await schedules.get_default_schedule(db, principal.user.id)
    return ok(shapes.one(owned) if owned else None)


@router.get("/{schedule_id}", summary="Get a schedule")
async def get_schedule(
    schedule_id: PathId, principal: CurrentPrincipal, shapes: Shapes, db: Db
) -> JSONResponse:
    owned = await schedules.get_schedule(db, principal.user.id, schedule_id)
    return ok(shapes.one(owned))


@router.patch(
    "/{schedule_id}",
    summary="Update a schedule",
    openapi_extra=body_schema(
        legacy.UpdateScheduleInput_2024_04_15, v2024_06_11.UpdateScheduleInput_2024_06_11
    ),
)
async def update_schedule(
    schedule_id: PathId, request: Request, principal: CurrentPrincipal, shapes: Shapes, db: Db
) -> JSONResponse:
    body = cast(UpdateInput, await parse_body(request, shapes.Update))
    owned = await schedules.update_schedule(db, principal.user.id, schedule_id, body.to_patch())
    return ok(shapes.one(owned))


@router.delete("/{schedule_id}", summary="Delete a schedule")
async def delete_schedule(schedule_id: PathId, principal: CurrentPrincipal, db: Db) -> JSONResponse:
    await schedules.delete_schedule(db, principal.user.id, schedule_id)
    return JSONResponse({"status": "success"})
