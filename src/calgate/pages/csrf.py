"""Signed double-submit CSRF tokens: a random cookie, and a form field that is the server
secret's HMAC of it. A forged cross-site post can't read the cookie, so it can't sign it; no
server-side state is needed."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from calgate.security import keys

COOKIE = "calgate_pages_csrf"
FIELD = "csrf_token"


def nonce_of(request: Request) -> str:
    """The visitor's cookie value, or a fresh one (sent back by `remember`)."""
    current = request.cookies.get(COOKIE, "")
    return current if 16 <= len(current) <= 64 else secrets.token_urlsafe(24)


def token(secret: str, nonce: str) -> str:
    return keys.digest(secret, "pages-csrf:" + nonce)


def remember(response: Response, nonce: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE, nonce, httponly=True, samesite="lax", secure=secure, path="/", max_age=86400
    )


def valid(secret: str, request: Request, submitted: str | None) -> bool:
    nonce = request.cookies.get(COOKIE)
    if not nonce or not submitted:
        return False
    return hmac.compare_digest(token(secret, nonce), submitted)
