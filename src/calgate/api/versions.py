"""`cal-api-version` routing.

Cal.com routes on the header per resource: the resource's current version selects the current
controller; no header, or any other value, falls back to the 2024-04-15 ("legacy") controller.
Each resource declares its shapes as two explicit namespaces of schema classes; handlers ask for
"the shapes for this request" and never branch on version strings themselves.
"""

# No `from __future__ import annotations` here: FastAPI must evaluate the header annotation
# built inside Versioned.dependency(), which refers to local variables.
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Header, Request
from pydantic import BaseModel

from calgate.errors import BadRequest

LEGACY = "2024-04-15"
SCHEDULES = "2024-06-11"
EVENT_TYPES = "2024-06-14"
BOOKINGS = "2024-08-13"

HEADER = "cal-api-version"

S = TypeVar("S")
M = TypeVar("M", bound=BaseModel)
Item = TypeVar("Item", contravariant=True)


class Shapes(Protocol[Item]):
    """One version's shapes of a resource: its version module's ``Shapes`` class.

    Every resource renders one item; each one's protocol extends this with its input models
    and list shapes, and ``Versioned`` picks the legacy or current class per request.
    """

    @staticmethod
    def one(item: Item) -> Any: ...


class Versioned(Generic[S]):
    """Picks a resource's shape namespace from the request header."""

    def __init__(self, current_version: str, *, legacy: S, current: S) -> None:
        self.current_version = current_version
        self.legacy = legacy
        self.current = current

    def select(self, header: str | None) -> S:
        return self.current if (header or "").strip() == self.current_version else self.legacy

    def dependency(self) -> "Callable[..., Awaitable[S]]":
        versions = [LEGACY, self.current_version]

        async def shapes(
            cal_api_version: Annotated[
                str | None,
                Header(
                    alias=HEADER,
                    description=f"{self.current_version} selects the current shapes; "
                    f"absent or any other value selects the legacy {LEGACY} shapes.",
                    json_schema_extra={"examples": versions},
                ),
            ] = None,
        ) -> S:
            return self.select(cal_api_version)

        return shapes


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise BadRequest("Request body is not valid JSON") from exc
    if b"\\u0000" in raw and _has_nul(data):
        raise BadRequest("Request body must not contain NUL characters")
    return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


async def parse_body(request: Request, model: type[M]) -> M:
    data = await json_body(request)
    if not isinstance(data, dict):
        raise BadRequest("Request body must be a JSON object")
    return model.model_validate(data)


# Models documented through `body_schema` are added to the OpenAPI components by api.openapi.
DOCUMENTED_MODELS: list[type[BaseModel]] = []


def body_schema(*models: type[BaseModel]) -> dict[str, Any]:
    """openapi_extra documenting a body whose schema depends on the version header."""
    for model in models:
        if model not in DOCUMENTED_MODELS:
            DOCUMENTED_MODELS.append(model)
    refs = [{"$ref": f"#/components/schemas/{m.__name__}"} for m in models]
    schema = refs[0] if len(refs) == 1 else {"anyOf": refs}
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }
