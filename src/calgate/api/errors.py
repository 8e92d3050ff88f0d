"""Render every failure in Cal.com's error envelope; bad input never becomes a 500."""

from __future__ import annotations

import logging
import re
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from calgate.errors import CalgateError
from calgate.web.envelope import error_body

log = logging.getLogger("calgate.api")

_HTTP_CODES = {
    400: "BadRequestException",
    401: "UnauthorizedException",
    403: "ForbiddenException",
    404: "NotFoundException",
    405: "MethodNotAllowedException",
    409: "ConflictException",
    413: "PayloadTooLargeException",
    415: "UnsupportedMediaTypeException",
    422: "UnprocessableEntityException",
    429: "ThrottlerException",
}


def _request_path(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    # Drop the transport part ("body", "query", ...) so messages name the client's field.
    # Body and query fields already carry their wire alias; path parameters are declared
    # with Python names (event_type_id), so they are named as Cal.com's routes spell them.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    if loc and loc[0] == "path":
        parts = [to_camel(p) for p in parts]
    return ".".join(parts) or "body"


def describe_validation_errors(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    details = []
    messages = []
    for err in errors:
        field = _field(err.get("loc", ()))
        msg = err.get("msg", "is invalid")
        if err.get("type") == "missing":
            msg = "is required"
        elif err.get("type") == "extra_forbidden":
            msg = "property should not exist"
        messages.append(f"{field}: {msg}")
        details.append({"field": field, "message": msg, "type": err.get("type")})
    return "; ".join(messages), details


def envelope_response(
    request: Request, status: int, code: str, message: str, details: Any = None
) -> JSONResponse:
    return JSONResponse(error_body(_request_path(request), code, message, details), status)


async def _calgate_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(CalgateError, exc)
    response = envelope_response(request, exc.status_code, exc.code, exc.message, exc.details)
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(RequestValidationError | ValidationError, exc)
    message, details = describe_validation_errors(list(exc.errors()))
    return envelope_response(request, 400, "BadRequestException", message, {"errors": details})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    exc = cast(StarletteHTTPException, exc)
    code = _HTTP_CODES.get(exc.status_code, "HttpException")
    message = exc.detail if isinstance(exc.detail, str) else "Request failed"
    if exc.status_code == 404 and message == "Not Found":
        message = f"Cannot {request.method} {request.url.path}"
    response = envelope_response(request, exc.status_code, code, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    if exc.status_code == 405:
        allowed = _allowed_methods(request)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
    return response


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_PARAM = re.compile(r"\\\{[^/]+?\\\}")


def _allowed_methods(request: Request) -> list[str]:
    """Every method of the documented path the request names. Starlette's own Allow header
    lists only the first route it matched, and FastAPI makes one route per method; the
    OpenAPI document has them all. The most specific template wins (`/v2/schedules/default`
    over `/v2/schedules/{scheduleId}`); an undocumented path keeps Starlette's header."""
    paths: dict[str, dict[str, Any]] = request.app.openapi().get("paths", {})
    matches: list[tuple[int, set[str]]] = []
    for template, operations in paths.items():
        pattern = "^" + _PARAM.sub("[^/]+", re.escape(template)) + "$"
        if re.match(pattern, request.url.path):
            methods = {m.upper() for m in operations if m.upper() in _METHODS}
            matches.append((template.count("{"), methods))
    if not matches:
        return []
    fewest = min(params for params, _ in matches)
    return sorted(set().union(*(m for params, m in matches if params == fewest)))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return envelope_response(request, 500, "InternalServerErrorException", "Internal server error")


def _has_nul(scope: Scope) -> bool:
    # PostgreSQL text can't hold NUL, and no Cal.com field means one: refuse it at the door
    # instead of letting it reach a query as a 500.
    query = scope.get("query_string", b"")
    return "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query


class RejectNul:
    """ASGI middleware answering 400 for a NUL character in the path or query string."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            request = Request(scope)
            response = envelope_response(
                request, 400, "BadRequestException", "The URL must not contain NUL characters"
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(RejectNul)
    app.add_exception_handler(CalgateError, _calgate_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
