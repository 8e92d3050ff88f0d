"""``POST /auth/oauth2/login``: email + password (argon2), throttled per (IP, email) and per IP
(`login_throttle`)."""

from __future__ import annotations

from urllib.parse import urlencode

import anyio.to_thread
from authlib.common.errors import AuthlibBaseError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select

from calgate.oauth import browser
from calgate.oauth.pages import (
    AUTHORIZE_PATH,
    LOGIN_PATH,
    PageError,
    bad_request,
    login_page,
    page_error,
    redirect,
    secure,
    validate,
)
from calgate.oauth.params import authorize_items, clean, first, form_items
from calgate.oauth.runtime import get_oauth
from calgate.oauth.server import OAuthResponse
from calgate.security.passwords import verify_password
from calgate.store.models import User

router = APIRouter(tags=["OAuth"])


@router.post(LOGIN_PATH, include_in_schema=False)
async def login(request: Request) -> Response:
    oauth = get_oauth(request)
    settings = oauth.settings
    raw = await form_items(request)
    if raw is None:
        return bad_request()
    try:
        items = authorize_items(raw)
        fields = dict(clean(raw, ("email", "password", "csrf_token")))
    except ValueError as exc:
        return bad_request(str(exc))
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
    wait = await oauth.throttle.retry_after(ip, email)
    if wait:
        return browser.error_page(
            429,
            "Too many sign-in attempts",
            f"Too many failed sign-in attempts. Try again in {wait} seconds.",
            "too_many_requests",
            headers={"Retry-After": str(wait)},
        )
    try:
        consent = await oauth.run(validate(items, None))
    except AuthlibBaseError:
        return bad_request()
    if isinstance(consent, OAuthResponse):
        return redirect(consent)
    if isinstance(consent, PageError):
        return page_error(consent)

    user: User | None = None
    if email:
        async with oauth.db.session() as db:
            user = await db.scalar(select(User).where(func.lower(User.email) == email.lower()))
    ok = await anyio.to_thread.run_sync(
        verify_password, user.password_hash if user else None, password
    )
    if not ok or user is None:
        await oauth.throttle.failed(ip, email)
        return login_page(
            settings,
            session,
            consent,
            items,
            status=401,
            error="Incorrect email or password.",
            email=email,
        )
    await oauth.throttle.succeeded(ip, email)
    # A fresh session (new nonce) on login, so a planted cookie can't be promoted.
    signed_in = browser.BrowserSession.new(user.id)
    response = RedirectResponse(
        f"{AUTHORIZE_PATH}?{urlencode(first(items))}",
        status_code=303,
        headers=browser.PAGE_HEADERS,
    )
    browser.set_session_cookie(response, settings.secret_key, signed_in, secure=secure(settings))
    return response
