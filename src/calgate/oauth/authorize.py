"""``GET /auth/oauth2/authorize`` (login or consent page) and ``POST`` (the consent decision)."""

from __future__ import annotations

from authlib.common.errors import AuthlibBaseError
from fastapi import APIRouter, Request
from fastapi.responses import Response

from calgate.oauth import browser
from calgate.oauth import scopes as scope_names
from calgate.oauth.pages import (
    AUTHORIZE_PATH,
    PageError,
    bad_request,
    decide,
    login_page,
    page_error,
    redirect,
    secure,
    validate,
)
from calgate.oauth.params import authorize_items, clean, first, form_items
from calgate.oauth.runtime import get_oauth
from calgate.oauth.server import OAuthResponse

router = APIRouter(tags=["OAuth"])


@router.get(AUTHORIZE_PATH, include_in_schema=False)
async def authorize_page(request: Request) -> Response:
    oauth = get_oauth(request)
    settings = oauth.settings
    try:
        items = authorize_items(request.query_params.multi_items())
    except ValueError as exc:
        return bad_request(str(exc))
    cookie = browser.BrowserSession.load(
        settings.secret_key, request.cookies.get(browser.COOKIE_NAME)
    )
    session = cookie or browser.BrowserSession.new()
    try:
        result = await oauth.run(validate(items, session.user_id))
    except AuthlibBaseError:
        return bad_request()
    if isinstance(result, OAuthResponse):
        return redirect(result)
    if isinstance(result, PageError):
        return page_error(result)
    if result.user_id is None:
        if session.user_id is not None:  # the account is gone: start over
            session = browser.BrowserSession.new()
        response = login_page(settings, session, result, items)
    else:
        response = browser.render(
            "consent.html",
            action=AUTHORIZE_PATH,
            client_name=result.client_name,
            user_email=result.user_email,
            scopes=scope_names.describe(result.scope),
            redirect_uri=result.redirect_uri,
            params=first(items),
            csrf_token=session.csrf_token(settings.secret_key),
        )
    if cookie is None or cookie != session:
        browser.set_session_cookie(response, settings.secret_key, session, secure=secure(settings))
    return response


@router.post(AUTHORIZE_PATH, include_in_schema=False)
async def consent(request: Request) -> Response:
    oauth = get_oauth(request)
    settings = oauth.settings
    raw = await form_items(request)
    if raw is None:
        return bad_request()
    try:
        items = authorize_items(raw)
        fields = dict(clean(raw, ("decision", "csrf_token")))
    except ValueError as exc:
        return bad_request(str(exc))
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
        return bad_request("Choose Allow or Deny.")
    try:
        result = await oauth.run(decide(items, session.user_id, decision == "allow"))
    except AuthlibBaseError:
        return bad_request()
    if isinstance(result, PageError):
        return page_error(result)
    return redirect(result)
