"""`GET /v2/auth/oauth2/clients/{clientId}`: what a consent screen shows about a client.

Public by design (Cal.com's OAuth2Controller.getClient): only the id, name, redirect URI and
type; never the secret or its hash.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from calgate.oauth.service import public_client
from calgate.web.envelope import ok
from calgate.web.state import State

router = APIRouter(tags=["OAuth"])

ClientId = Annotated[str, Path(min_length=1, max_length=64)]


class OAuth2ClientDto(BaseModel):
    client_id: str
    redirect_uri: str
    name: str
    logo: str | None
    # calgate has no trusted-client registry: every client asks for consent.
    is_trusted: bool
    client_type: Literal["CONFIDENTIAL", "PUBLIC"]


@router.get(
    "/v2/auth/oauth2/clients/{client_id}",
    summary="Get OAuth2 client",
    description="Returns the OAuth2 client information for the given client ID",
)
async def get_client(client_id: ClientId, state: State) -> JSONResponse:
    client = await public_client(state.db, client_id)
    return ok(
        OAuth2ClientDto(
            client_id=client.client_id,
            redirect_uri=(client.redirect_uris or [""])[0],
            name=client.name,
            logo=None,
            is_trusted=False,
            client_type="PUBLIC" if client.is_public else "CONFIDENTIAL",
        )
    )
