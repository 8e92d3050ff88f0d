"""`POST /v2/api-keys/refresh`: rotate the calling API key (Cal.com's shape)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from calgate.api.schema import Input
from calgate.api.versions import body_schema, parse_body
from calgate.security import keys
from calgate.services import api_keys
from calgate.web.auth import authorization_header
from calgate.web.envelope import ok
from calgate.web.state import State

router = APIRouter(prefix="/v2/api-keys", tags=["Api Keys"])


class RefreshApiKeyInput(Input):
    api_key_days_valid: int | None = Field(None, ge=1, le=36_500)
    api_key_never_expires: bool | None = None


@router.post(
    "/refresh",
    summary="Refresh API Key",
    description=(
        "Generate a new API key and delete the current one. Provide the API key to refresh as "
        "a Bearer token in the Authorization header. The new key is shown once."
    ),
    openapi_extra=body_schema(RefreshApiKeyInput),
)
async def refresh(
    request: Request,
    state: State,
    authorization: Annotated[str | None, Depends(authorization_header)],
) -> JSONResponse:
    # The key is the credential being replaced, so the service checks it itself: OAuth tokens
    # and other principals have no key to rotate.
    body = await parse_body(request, RefreshApiKeyInput)
    issued = await api_keys.refresh_api_key(
        state.db,
        state.settings.secret_key,
        keys.bearer_token(authorization),
        days_valid=body.api_key_days_valid,
        never_expires=bool(body.api_key_never_expires),
    )
    return ok({"apiKey": issued.key})
