"""Reading OAuth request parameters: query strings, forms and token-endpoint bodies.

Only known parameters are kept, and each must be a plain, bounded string; anything else is a
malformed request (ValueError, answered by the caller as `invalid_request`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from calgate.oauth import scopes as scope_names

# Parameters of an authorization request carried from page to page.
AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
TOKEN_PARAMS = (
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "client_id",
    "client_secret",
    "scope",
)
REVOKE_PARAMS = ("token", "token_type_hint", "client_id", "client_secret")
_MAX_VALUE = 4096


def clean(items: Iterable[tuple[str, Any]], allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    """Keep known parameters; refuse values that are not plain, bounded strings."""
    out: list[tuple[str, str]] = []
    for key, value in items:
        if key not in allowed:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"'{key}' must be a string")
        text = str(value)
        if "\x00" in text or len(text) > _MAX_VALUE:
            raise ValueError(f"'{key}' is not a valid value")
        if key == "scope":
            text = " ".join(scope_names.split_scope(text))
        out.append((key, text))
    return out


def authorize_items(items: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    cleaned = clean(items, AUTHORIZE_PARAMS)
    if not any(k == "response_type" for k, _ in cleaned):
        # Cal.com's authorize URL carries no response_type: the code flow is implied.
        cleaned.insert(0, ("response_type", "code"))
    return cleaned


def first(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for key, value in items:
        seen.setdefault(key, value)
    return list(seen.items())


async def form_items(request: Request) -> list[tuple[str, Any]] | None:
    try:
        form = await request.form()
    except Exception:  # malformed bodies must not become 500s
        return None
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


async def body_items(request: Request) -> list[tuple[str, Any]]:
    """A token or revocation request's body: form, JSON object or query string."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        items = await form_items(request)
        if items is None:
            raise ValueError("malformed form body")
        return items
    body = await request.body()
    text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if content_type == "application/json" or text.lstrip().startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return [(str(k), v) for k, v in data.items() if v is not None]
    return parse_qsl(text, keep_blank_values=False)


def client_auth_headers(request: Request, items: list[tuple[str, str]]) -> dict[str, str] | None:
    """The headers Authlib authenticates the client from; None if no client is named at all.

    A Basic value that is not base64 of UTF-8 text is a malformed request (ValueError): Authlib
    would fail on it with an error of no OAuth meaning.
    """
    authorization = request.headers.get("authorization")
    if authorization and authorization[:6].lower() == "basic ":
        if not _decodable(authorization[6:].strip()):
            raise ValueError("the Basic credentials are not valid base64 of UTF-8 text")
        return {"Authorization": authorization}
    if any(key == "client_id" and value for key, value in items):
        return {}
    return None


def _decodable(token: str) -> bool:
    try:
        base64.b64decode(token).decode("utf-8")
    except binascii.Error:
        return True  # Authlib reads bad base64 as no credentials
    except UnicodeDecodeError:
        return False
    return True
