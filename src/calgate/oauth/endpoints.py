"""The client-authenticated endpoints: ``POST /v2/auth/oauth2/token`` (authorization_code with
PKCE, refresh_token) and ``POST /v2/auth/oauth2/revoke`` (RFC 7009).

JSON or form bodies; client credentials in the body or HTTP Basic. Answers are Authlib's, with
``Cache-Control: no-store``.
"""

from __future__ import annotations

from collections.abc import Callable

from authlib.common.errors import AuthlibBaseError
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from calgate.oauth.docs import REVOKE_OPENAPI, REVOKE_RESPONSES, TOKEN_OPENAPI, TOKEN_RESPONSES
from calgate.oauth.params import REVOKE_PARAMS, TOKEN_PARAMS, body_items, clean
from calgate.oauth.params import client_auth_headers as client_headers
from calgate.oauth.runtime import get_oauth
from calgate.oauth.server import CalgateAuthorizationServer, OAuthHttpRequest, OAuthResponse

TOKEN_PATH = "/v2/auth/oauth2/token"  # noqa: S105 - a URL path
REVOKE_PATH = "/v2/auth/oauth2/revoke"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

Step = Callable[[CalgateAuthorizationServer], OAuthResponse]

router = APIRouter(tags=["OAuth"])


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status, headers=_NO_STORE
    )


def _oauth_response(result: OAuthResponse) -> JSONResponse:
    extra = {k: v for k, v in result.headers if k.lower() != "content-type"}
    return JSONResponse(result.body, result.status, headers={**extra, **_NO_STORE})


def _token_step(headers: dict[str, str], items: list[tuple[str, str]]) -> Step:
    def action(server: CalgateAuthorizationServer) -> OAuthResponse:
        response: OAuthResponse = server.create_token_response(
            OAuthHttpRequest("POST", headers, items)
        )
        return response

    return action


def _revoke_step(headers: dict[str, str], items: list[tuple[str, str]]) -> Step:
    def action(server: CalgateAuthorizationServer) -> OAuthResponse:
        response: OAuthResponse = server.create_endpoint_response(
            "revocation", OAuthHttpRequest("POST", headers, items)
        )
        return response

    return action


async def _client_request(
    request: Request,
    params: tuple[str, ...],
    step_for: Callable[[dict[str, str], list[tuple[str, str]]], Step],
) -> JSONResponse:
    """A client-authenticated POST (token, revocation): parse the body, name the client, run."""
    try:
        items = clean(await body_items(request), params)
        headers = client_headers(request, items)
    except ValueError as exc:
        return _oauth_error(400, "invalid_request", f"Malformed request body: {exc}"[:200])
    if headers is None:
        # Cal.com: a request naming no client is malformed (400), not a failed login (401).
        return _oauth_error(400, "invalid_request", "client_id is required")
    try:
        result = await get_oauth(request).run(step_for(headers, items))
    except AuthlibBaseError:
        # Authlib answers OAuth errors itself; one raised past it is still the request's.
        return _oauth_error(400, "invalid_request", "The request is malformed.")
    return _oauth_response(result)


@router.post(
    TOKEN_PATH,
    summary="Exchange an authorization code or a refresh token for tokens",
    description=(
        "OAuth 2.0 token endpoint (Cal.com-compatible). JSON or form body; client credentials "
        "in the body (`client_id`, `client_secret`) or HTTP Basic. A refresh rotates: the old "
        "refresh token and every other refresh token of the same client and user stop working."
    ),
    openapi_extra=TOKEN_OPENAPI,
    responses=TOKEN_RESPONSES,
)
async def token(request: Request) -> JSONResponse:
    return await _client_request(request, TOKEN_PARAMS, _token_step)


@router.post(
    REVOKE_PATH,
    summary="Revoke an access or refresh token (RFC 7009)",
    description=(
        "OAuth 2.0 token revocation. JSON or form body: `token`, optional `token_type_hint` "
        "(`access_token` or `refresh_token`); client credentials as at the token endpoint "
        "(`client_id` + `client_secret` in the body, or HTTP Basic; public clients send "
        "`client_id` only). Revoking either token revokes the pair it was issued with: its "
        "access token stops working at once (401 on `/v2`) and its refresh token gets "
        "`invalid_grant`. Revoking a refresh token also revokes every access token issued "
        "from the same authorization. Only tokens issued to the authenticated client are "
        "affected; an unknown, expired, already revoked or foreign token answers 200 `{}` "
        "with no effect."
    ),
    openapi_extra=REVOKE_OPENAPI,
    responses=REVOKE_RESPONSES,
)
async def revoke(request: Request) -> JSONResponse:
    return await _client_request(request, REVOKE_PARAMS, _revoke_step)
