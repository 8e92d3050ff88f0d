from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from calgate.core.timezones import available_zones
from calgate.web.envelope import ok

router = APIRouter(prefix="/v2/timezones", tags=["Timezones"])


@router.get("", summary="Get all time zones")
async def list_timezones() -> JSONResponse:
    return ok(sorted(available_zones()))
