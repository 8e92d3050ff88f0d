"""Cal.com's JSON envelopes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from calgate.timefmt import iso_z


def ok(data: Any, status_code: int = 200, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"status": "success", "data": _dump(data)}
    body.update({k: _dump(v) for k, v in extra.items()})
    return JSONResponse(body, status_code=status_code)


def _dump(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", by_alias=True)
    if isinstance(data, list):
        return [_dump(item) for item in data]
    return jsonable_encoder(data)


def error_body(path: str, code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = jsonable_encoder(details)
    return {
        "status": "error",
        "timestamp": iso_z(datetime.now(UTC)),
        "path": path,
        "error": error,
    }
