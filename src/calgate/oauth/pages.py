"""What the browser pages share: the OAuth steps they run and how their outcomes are shown.

A step either yields what the page needs (`Consent`), an OAuth redirect, or a `PageError`
shown in place (before the client and redirect URI are known good, nothing redirects).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import OAuth2Error
from fastapi.responses import RedirectResponse, Response

from calgate.config import Settings
from calgate.oauth import browser
from calgate.oauth.params import first
from calgate.oauth.server import CalgateAuthorizationServer, OAuthHttpRequest, OAuthResponse
from calgate.store.models import User

AUTHORIZE_PATH = "/auth/oauth2/authorize"
LOGIN_PATH = "/auth/oauth2/login"
_TITLE = "This authorization request can't be completed"


@dataclass(frozen=True)
class PageError:
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class Consent:
    client_name: str
    scope: str
    redirect_uri: str
    user_id: int | None
    user_email: str | None


def _failure(
    server: CalgateAuthorizationServer, req: OAuthHttpRequest, error: OAuth2Error
) -> OAuthResponse | PageError:
    # Redirect only once client and redirect URI are known good (RFC 6749 4.1.2.1).
    if error.redirect_uri:
        response: OAuthResponse = server.handle_error_response(req, error)
        return response
    return PageError(400, str(error.error), str(error.get_error_description() or ""))


def validate(
    items: list[tuple[str, str]], user_id: int | None
) -> Callable[[CalgateAuthorizationServer], Consent | OAuthResponse | PageError]:
    """Check an authorization request; what the consent (or login) page shows."""

    def action(server: CalgateAuthorizationServer) -> Consent | OAuthResponse | PageError:
        req = OAuthHttpRequest("GET", {}, items)
        user = server.session.get(User, user_id) if user_id is not None else None
        try:
            grant = server.get_consent_grant(req, end_user=user)
        except OAuth2Error as error:
            return _failure(server, req, error)
        return Consent(
            client_name=grant.client.name,
            scope=req.scope or "",
            redirect_uri=grant.redirect_uri,
            user_id=user.id if user else None,
            user_email=user.email if user else None,
        )

    return action


def decide(
    items: list[tuple[str, str]], user_id: int, allow: bool
) -> Callable[[CalgateAuthorizationServer], OAuthResponse | PageError]:
    """The user's Allow / Deny: a code, or access_denied, sent back to the client."""

    def action(server: CalgateAuthorizationServer) -> OAuthResponse | PageError:
        req = OAuthHttpRequest("POST", {}, items)
        user = server.session.get(User, user_id)
        if user is None:
            return PageError(403, "login_required", "Please sign in again.")
        try:
            grant = server.get_consent_grant(req, end_user=user)
        except OAuth2Error as error:
            return _failure(server, req, error)
        response: OAuthResponse = server.create_authorization_response(
            req, grant_user=user if allow else None, grant=grant
        )
        return response

    return action


def page_error(error: PageError) -> Response:
    return browser.error_page(error.status, _TITLE, error.message, error.code)


def bad_request(message: str = "The authorization request is malformed.") -> Response:
    return browser.error_page(400, _TITLE, message, "invalid_request")


def redirect(result: OAuthResponse) -> Response:
    location = result.location
    if location is None:  # pragma: no cover - Authlib always sets it for redirects
        return bad_request()
    return RedirectResponse(location, status_code=302, headers=browser.PAGE_HEADERS)


def secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def login_page(
    settings: Settings,
    session: browser.BrowserSession,
    consent: Consent,
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
        params=first(items),
        csrf_token=session.csrf_token(settings.secret_key),
        error=error,
        email=email,
    )
