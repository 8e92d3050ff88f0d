"""OpenAPI descriptions of the token and revocation endpoints (their bodies are parsed by hand,
so FastAPI can't infer them)."""

from __future__ import annotations

from typing import Any

_TOKEN_FIELDS = {
    "grant_type": {"type": "string", "enum": ["authorization_code", "refresh_token"]},
    "code": {"type": "string"},
    "redirect_uri": {"type": "string"},
    "code_verifier": {"type": "string"},
    "refresh_token": {"type": "string"},
    "client_id": {"type": "string"},
    "client_secret": {"type": "string"},
    "scope": {"type": "string"},
}
_TOKEN_BODY = {"type": "object", "properties": _TOKEN_FIELDS, "required": ["grant_type"]}
_OAUTH_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "required": ["error"],
}
TOKEN_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _TOKEN_BODY},
            "application/x-www-form-urlencoded": {"schema": _TOKEN_BODY},
        },
    },
}
TOKEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A new access/refresh token pair",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "access_token": {"type": "string"},
                        "refresh_token": {"type": "string"},
                        "token_type": {"type": "string", "enum": ["bearer"]},
                        "expires_in": {"type": "integer"},
                        "scope": {"type": "string"},
                    },
                }
            }
        },
    },
    400: {
        "description": "invalid_request / invalid_grant / unsupported_grant_type",
        "content": {"application/json": {"schema": _OAUTH_ERROR}},
    },
    401: {
        "description": "invalid_client",
        "content": {"application/json": {"schema": _OAUTH_ERROR}},
    },
}
_REVOKE_FIELDS = {
    "token": {"type": "string", "description": "The access or refresh token to revoke"},
    "token_type_hint": {
        "type": "string",
        "description": "`access_token` or `refresh_token`; orders the search, else ignored",
    },
    "client_id": {"type": "string"},
    "client_secret": {"type": "string"},
}
_REVOKE_BODY = {"type": "object", "properties": _REVOKE_FIELDS, "required": ["token"]}
REVOKE_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _REVOKE_BODY},
            "application/x-www-form-urlencoded": {"schema": _REVOKE_BODY},
        },
    },
}
REVOKE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Revoked, or the token was unknown, expired, already revoked or issued "
        "to another client (RFC 7009 2.2): nothing to do",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    400: {
        "description": "invalid_request (malformed body, no `token`, no `client_id`)",
        "content": {"application/json": {"schema": _OAUTH_ERROR}},
    },
    401: {
        "description": "invalid_client",
        "content": {"application/json": {"schema": _OAUTH_ERROR}},
    },
}
