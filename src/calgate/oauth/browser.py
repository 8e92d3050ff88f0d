"""Browser-side helpers for the authorize pages: signed session cookie, CSRF tokens and
HTML rendering. No JavaScript anywhere."""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.responses import HTMLResponse

from calgate.security import keys

COOKIE_NAME = "calgate_oauth_session"
COOKIE_PATH = "/auth/oauth2"
SESSION_TTL = 3600

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    auto_reload=False,
)

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # No scripts at all; forms may post only here (their redirects go to the client).
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def render(
    template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    body = _templates.get_template(template).render(**context)
    return HTMLResponse(body, status, headers={**PAGE_HEADERS, **(headers or {})})


def error_page(
    status: int,
    heading: str,
    message: str,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    return render("error.html", status, headers, heading=heading, message=message, code=code)


@dataclass(frozen=True)
class BrowserSession:
    nonce: str
    user_id: int | None
    expires: int

    @classmethod
    def new(cls, user_id: int | None = None) -> BrowserSession:
        return cls(secrets.token_urlsafe(24), user_id, int(time.time()) + SESSION_TTL)

    def csrf_token(self, secret: str) -> str:
        return keys.digest(secret, "oauth-csrf:" + self.nonce)

    def check_csrf(self, secret: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(secret), str(token))

    def dump(self, secret: str) -> str:
        raw = json.dumps({"n": self.nonce, "u": self.user_id, "e": self.expires})
        payload = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        return f"{payload}.{keys.digest(secret, 'oauth-session:' + payload)}"

    @classmethod
    def load(cls, secret: str, cookie: str | None) -> BrowserSession | None:
        if not cookie or "." not in cookie or len(cookie) > 1024:
            return None
        payload, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(keys.digest(secret, "oauth-session:" + payload), signature):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = cls(str(data["n"]), data["u"], int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        if session.user_id is not None and not isinstance(session.user_id, int):
            return None
        return session if session.expires > time.time() else None


def set_session_cookie(
    response: HTMLResponse | Any, secret: str, session: BrowserSession, *, secure: bool
) -> None:
    response.set_cookie(
        COOKIE_NAME,
        session.dump(secret),
        max_age=SESSION_TTL,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
