"""HTTP side of the authorization server.

- ``GET  /auth/oauth2/authorize``: validates the request, then shows the login or consent page.
- ``POST /auth/oauth2/login``: email + password (argon2), throttled per IP and email.
- ``POST /auth/oauth2/authorize``: the consent decision (Allow / Deny), CSRF-protected.
- ``POST /v2/auth/oauth2/token``: authorization_code (+PKCE) and refresh_token grants, JSON or
  form body, client credentials in the body or HTTP Basic.
- ``POST /v2/auth/oauth2/revoke``: RFC 7009 token revocation, same bodies and client auth.

Authlib is synchronous, so each OAuth step runs in a worker thread with a sync session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

import anyio.to_thread
from authlib.oauth2.rfc6749 import OAuth2Error
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from calgate.api.deps import AppState, get_state
from calgate.config import Settings
from calgate.oauth import browser
from calgate.oauth import scopes as scope_names
from calgate.oauth.server import CalgateAuthorizationServer, OAuthHttpRequest, OAuthResponse
from calgate.security.passwords import verify_password
from calgate.store.db import _IMMEDIATE, install_sqlite_hooks, sync_url
from calgate.store.models import User

T = TypeVar("T")

AUTHORIZE_PATH = "/auth/oauth2/authorize"
LOGIN_PATH = "/auth/oauth2/login"
TOKEN_PATH = "/v2/auth/oauth2/token"  # noqa: S105 - a URL path
REVOKE_PATH = "/v2/auth/oauth2/revoke"

# Parameters of an authorization request carried from page to page.
_AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
_TOKEN_PARAMS = (
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
    "client_id",
    "client_secret",
    "scope",
)
_REVOKE_PARAMS = ("token", "token_type_hint", "client_id", "client_secret")
_MAX_VALUE = 4096

router = APIRouter(tags=["OAuth"])


# --- plumbing -------------------------------------------------------------------------------


def _engine(request: Request, settings: Settings) -> Engine:
    """A sync engine on the app's database, made on first use. NullPool: nothing to dispose."""
    engine: Engine | None = getattr(request.app.state, "calgate_oauth_engine", None)
    if engine is None:
        url = sync_url(settings.database_url)
        engine = create_engine(url, poolclass=NullPool)
        if url.get_backend_name() == "sqlite":
            install_sqlite_hooks(engine)
        request.app.state.calgate_oauth_engine = engine
    return engine


def _throttle(request: Request, settings: Settings) -> browser.LoginThrottle:
    throttle: browser.LoginThrottle | None = getattr(
        request.app.state, "calgate_oauth_throttle", None
    )
    if throttle is None:
        throttle = browser.LoginThrottle(
            settings.oauth_login_max_failures, settings.oauth_login_window
        )
        request.app.state.calgate_oauth_throttle = throttle
    return throttle


def _in_transaction(
    engine: Engine, settings: Settings, action: Callable[[CalgateAuthorizationServer], T]
) -> T:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if engine.dialect.name == "sqlite":
            # Every step reads state to decide what to write: take the write lock up front.
            session.connection(execution_options={_IMMEDIATE: True})
        return action(CalgateAuthorizationServer(session, settings))


async def _run(request: Request, action: Callable[[CalgateAuthorizationServer], T]) -> T:
    state: AppState = get_state(request)
    engine = _engine(request, state.settings)
    return await anyio.to_thread.run_sync(partial(_in_transaction, engine, state.settings, action))


def _clean(items: Iterable[tuple[str, Any]], allowed: tuple[str, ...]) -> list[tuple[str, str]]:
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


def _authorize_items(items: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    cleaned = _clean(items, _AUTHORIZE_PARAMS)
    if not any(k == "response_type" for k, _ in cleaned):
        # Cal.com's authorize URL carries no response_type: the code flow is implied.
        cleaned.insert(0, ("response_type", "code"))
    return cleaned


def _first(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for key, value in items:
        seen.setdefault(key, value)
    return list(seen.items())


@dataclass(frozen=True)
class _PageError:
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class _Consent:
    client_name: str
    scope: str
    redirect_uri: str
    user_id: int | None
    user_email: str | None


def _authorize_failure(
    server: CalgateAuthorizationServer, req: OAuthHttpRequest, error: OAuth2Error
) -> OAuthResponse | _PageError:
    # Redirect only once client and redirect URI are known good (RFC 6749 4.1.2.1).
    if error.redirect_uri:
        response: OAuthResponse = server.handle_error_response(req, error)
        return response
    return _PageError(400, str(error.error), str(error.get_error_description() or ""))


def _validate(
    items: list[tuple[str, str]], user_id: int | None
) -> Callable[[CalgateAuthorizationServer], _Consent | OAuthResponse | _PageError]:
    def action(server: CalgateAuthorizationServer) -> _Consent | OAuthResponse | _PageError:
        req = OAuthHttpRequest("GET", {}, items)
        user = server.session.get(User, user_id) if user_id is not None else None
        try:
            grant = server.get_consent_grant(req, end_user=user)
        except OAuth2Error as error:
            return _authorize_failure(server, req, error)
        return _Consent(
            client_name=grant.client.name,
            scope=req.scope or "",
            redirect_uri=grant.redirect_uri,
            user_id=user.id if user else None,
            user_email=user.email if user else None,
        )

    return action


def _decide(
    items: list[tuple[str, str]], user_id: int, allow: bool
) -> Callable[[CalgateAuthorizationServer], OAuthResponse | _PageError]:
    def action(server: CalgateAuthorizationServer) -> OAuthResponse | _PageError:
        req = OAuthHttpRequest("POST", {}, items)
        user = server.session.get(User, user_id)
        if user is None:
            return _PageError(403, "login_required", "Please sign in again.")
        try:
            grant = server.get_consent_grant(req, end_user=user)
        except OAuth2Error as error:
            return _authorize_failure(server, req, error)
        response: OAuthResponse = server.create_authorization_response(
            req, grant_user=user if allow else None, grant=grant
        )
        return response

    return action


def _page_error(error: _PageError) -> Response:
    return browser.error_page(
        error.status, "This authorization request can't be completed", error.message, error.code
    )


def _bad_request(message: str = "The authorization request is malformed.") -> Response:
    return browser.error_page(
        400, "This authorization request can't be completed", message, "invalid_request"
    )


def _redirect(result: OAuthResponse) -> Response:
    location = result.location
    if location is None:  # pragma: no cover - Authlib always sets it for redirects
        return _bad_request()
    return RedirectResponse(location, status_code=302, headers=browser.PAGE_HEADERS)


def _secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def _login_page(
    settings: Settings,
    session: browser.BrowserSession,
    consent: _Consent,
    items: list[tuple[str, str]],
    *,
    status: int = 200,
    error: str | None = None,
    email: str = "",
) -> Response:
    return browser.render(
        "login.html",
        status,
        action=LOGIN_PATH,
        client_name=consent.client_name,
        params=_first(items),
        csrf_token=session.csrf_token(settings.secret_key),
        error=error,
        email=email,
    )


async def _form_items(request: Request) -> list[tuple[str, Any]] | None:
    try:
        form = await request.form()
    except Exception:  # malformed bodies must not become 500s
        return None
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


# --- pages ----------------------------------------------------------------------------------


@router.get(AUTHORIZE_PATH, include_in_schema=False)
async def authorize_page(request: Request) -> Response:
    settings = get_state(request).settings
    try:
        items = _authorize_items(request.query_params.multi_items())
    except ValueError as exc:
        return _bad_request(str(exc))
    cookie = browser.BrowserSession.load(
        settings.secret_key, request.cookies.get(browser.COOKIE_NAME)
    )
    session = cookie or browser.BrowserSession.new()
    try:
        result = await _run(request, _validate(items, session.user_id))
    except ValueError:
        return _bad_request()
    if isinstance(result, OAuthResponse):
        return _redirect(result)
    if isinstance(result, _PageError):
        return _page_error(result)
    if result.user_id is None:
        if session.user_id is not None:  # the account is gone: start over
            session = browser.BrowserSession.new()
        response = _login_page(settings, session, result, items)
    else:
        response = browser.render(
            "consent.html",
            action=AUTHORIZE_PATH,
            client_name=result.client_name,
            user_email=result.user_email,
            scopes=scope_names.describe(result.scope),
            redirect_uri=result.redirect_uri,
            params=_first(items),
            csrf_token=session.csrf_token(settings.secret_key),
        )
    if cookie is None or cookie != session:
        browser.set_session_cookie(response, settings.secret_key, session, secure=_secure(settings))
    return response


@router.post(LOGIN_PATH, include_in_schema=False)
async def login(request: Request) -> Response:
    state = get_state(request)
    settings = state.settings
    raw = await _form_items(request)
    if raw is None:
        return _bad_request()
    try:
        items = _authorize_items(raw)
        fields = dict(_clean(raw, ("email", "password", "csrf_token")))
    except ValueError as exc:
        return _bad_request(str(exc))
    session = browser.BrowserSession.load(
        settings.secret_key, request.cookies.get(browser.COOKIE_NAME)
    )
    if session is None or not session.check_csrf(settings.secret_key, fields.get("csrf_token")):
        return browser.error_page(
            400,
            "Your sign-in form expired",
            "Go back to the application and start connecting again.",
            "invalid_csrf_token",
        )
    email = fields.get("email", "").strip()
    password = fields.get("password", "")
    ip = request.client.host if request.client else "unknown"
    key = (ip, email.lower())
    throttle = _throttle(request, settings)
    wait = throttle.retry_after(key)
    if wait:
        return browser.error_page(
            429,
            "Too many sign-in attempts",
            f"Too many failed attempts for this account. Try again in {wait} seconds.",
            "too_many_requests",
            headers={"Retry-After": str(wait)},
        )
    try:
        consent = await _run(request, _validate(items, None))
    except ValueError:
        return _bad_request()
    if isinstance(consent, OAuthResponse):
        return _redirect(consent)
    if isinstance(consent, _PageError):
        return _page_error(consent)

    user: User | None = None
    if email:
        async with state.db.session() as db:
            user = await db.scalar(select(User).where(func.lower(User.email) == email.lower()))
    ok = await anyio.to_thread.run_sync(
        verify_password, user.password_hash if user else None, password
    )
    if not ok or user is None:
        throttle.failed(key)
        return _login_page(
            settings,
            session,
            consent,
            items,
            status=401,
            error="Incorrect email or password.",
            email=email,
        )
    throttle.succeeded(key)
    # A fresh session (new nonce) on login, so a planted cookie can't be promoted.
    signed_in = browser.BrowserSession.new(user.id)
    response = RedirectResponse(
        f"{AUTHORIZE_PATH}?{urlencode(_first(items))}",
        status_code=303,
        headers=browser.PAGE_HEADERS,
    )
    browser.set_session_cookie(response, settings.secret_key, signed_in, secure=_secure(settings))
    return response


@router.post(AUTHORIZE_PATH, include_in_schema=False)
async def consent(request: Request) -> Response:
    settings = get_state(request).settings
    raw = await _form_items(request)
    if raw is None:
        return _bad_request()
    try:
        items = _authorize_items(raw)
        fields = dict(_clean(raw, ("decision", "csrf_token")))
    except ValueError as exc:
        return _bad_request(str(exc))
    session = browser.BrowserSession.load(
        settings.secret_key, request.cookies.get(browser.COOKIE_NAME)
    )
    if (
        session is None
        or session.user_id is None
        or not session.check_csrf(settings.secret_key, fields.get("csrf_token"))
    ):
        return browser.error_page(
            403,
            "Your session expired",
            "Go back to the application and start connecting again.",
            "invalid_csrf_token",
        )
    decision = fields.get("decision")
    if decision not in ("allow", "deny"):
        return _bad_request("Choose Allow or Deny.")
    try:
        result = await _run(request, _decide(items, session.user_id, decision == "allow"))
    except ValueError:
        return _bad_request()
    if isinstance(result, _PageError):
        return _page_error(result)
    return _redirect(result)


# --- token endpoint -------------------------------------------------------------------------

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
_TOKEN_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _TOKEN_BODY},
            "application/x-www-form-urlencoded": {"schema": _TOKEN_BODY},
        },
    },
}
_TOKEN_RESPONSES: dict[int | str, dict[str, Any]] = {
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
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status, headers=_NO_STORE
    )


async def _token_items(request: Request) -> list[tuple[str, Any]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        items = await _form_items(request)
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


def _client_auth_headers(request: Request, items: list[tuple[str, str]]) -> dict[str, str] | None:
    """The headers Authlib authenticates the client from; None if no client is named at all."""
    authorization = request.headers.get("authorization")
    if authorization and authorization[:6].lower() == "basic ":
        return {"Authorization": authorization}
    if any(key == "client_id" and value for key, value in items):
        return {}
    return None


def _oauth_response(result: OAuthResponse) -> JSONResponse:
    extra = {k: v for k, v in result.headers if k.lower() != "content-type"}
    return JSONResponse(result.body, result.status, headers={**extra, **_NO_STORE})


def _token_action(
    headers: dict[str, str], items: list[tuple[str, str]]
) -> Callable[[CalgateAuthorizationServer], OAuthResponse]:
    def action(server: CalgateAuthorizationServer) -> OAuthResponse:
        response: OAuthResponse = server.create_token_response(
            OAuthHttpRequest("POST", headers, items)
        )
        return response

    return action


@router.post(
    TOKEN_PATH,
    summary="Exchange an authorization code or a refresh token for tokens",
    description=(
        "OAuth 2.0 token endpoint (Cal.com-compatible). JSON or form body; client credentials "
        "in the body (`client_id`, `client_secret`) or HTTP Basic. A refresh rotates: the old "
        "refresh token and every other refresh token of the same client and user stop working."
    ),
    openapi_extra=_TOKEN_OPENAPI,
    responses=_TOKEN_RESPONSES,
)
async def token(request: Request) -> JSONResponse:
    return await _client_request(request, _TOKEN_PARAMS, _token_action)


async def _client_request(
    request: Request,
    params: tuple[str, ...],
    action_for: Callable[
        [dict[str, str], list[tuple[str, str]]],
        Callable[[CalgateAuthorizationServer], OAuthResponse],
    ],
) -> JSONResponse:
    """A client-authenticated POST (token, revocation): parse the body, name the client, run."""
    try:
        items = _clean(await _token_items(request), params)
    except ValueError as exc:
        return _oauth_error(400, "invalid_request", f"Malformed request body: {exc}"[:200])
    headers = _client_auth_headers(request, items)
    if headers is None:
        # Cal.com: a request naming no client is malformed (400), not a failed login (401).
        return _oauth_error(400, "invalid_request", "client_id is required")
    try:
        result = await _run(request, action_for(headers, items))
    except ValueError:
        return _oauth_error(400, "invalid_request", "The request is malformed.")
    return _oauth_response(result)


# --- revocation endpoint (RFC 7009) ---------------------------------------------------------

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
_REVOKE_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _REVOKE_BODY},
            "application/x-www-form-urlencoded": {"schema": _REVOKE_BODY},
        },
    },
}
_REVOKE_RESPONSES: dict[int | str, dict[str, Any]] = {
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


def _revoke_action(
    headers: dict[str, str], items: list[tuple[str, str]]
) -> Callable[[CalgateAuthorizationServer], OAuthResponse]:
    def action(server: CalgateAuthorizationServer) -> OAuthResponse:
        response: OAuthResponse = server.create_endpoint_response(
            "revocation", OAuthHttpRequest("POST", headers, items)
        )
        return response

    return action


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
    openapi_extra=_REVOKE_OPENAPI,
    responses=_REVOKE_RESPONSES,
)
async def revoke(request: Request) -> JSONResponse:
    return await _client_request(request, _REVOKE_PARAMS, _revoke_action)
