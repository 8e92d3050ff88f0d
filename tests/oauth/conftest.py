"""Helpers to drive the authorize pages like a browser would, through the TestClient."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from starlette.testclient import TestClient

from calgate.oauth import service

PASSWORD = "correct horse battery"  # what tests/conftest.py's make_account sets
REDIRECT_URI = "https://app.example.com/oauth/callback"

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@dataclass
class Client:
    client_id: str
    secret: str | None
    redirect_uri: str


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, create_s256_code_challenge(verifier)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def run_async(client: TestClient, fn: Callable[[Any], Any]) -> Any:
    """Run ``fn(session)`` inside a committed transaction on the app's database."""

    async def go() -> Any:
        db = client.app.state.calgate.db  # type: ignore[attr-defined]
        async with db.transaction() as session:
            return await fn(session)

    assert client.portal is not None
    return client.portal.call(go)


@pytest.fixture
def make_oauth_client(client: TestClient) -> Callable[..., Client]:
    def make(public: bool = False, redirect_uri: str = REDIRECT_URI) -> Client:
        async def create(session: Any) -> Client:
            row, secret = await service.create_client(
                session, name="Example Agent", redirect_uris=[redirect_uri], is_public=public
            )
            return Client(row.client_id, secret, redirect_uri)

        result: Client = run_async(client, create)
        return result

    return make


@pytest.fixture
def oauth_client(make_oauth_client: Callable[..., Client]) -> Client:
    return make_oauth_client()


def start(client: TestClient, params: dict[str, str]) -> Any:
    return client.get("/auth/oauth2/authorize", params=params)


def login(client: TestClient, login_page: str, email: str, password: str = PASSWORD) -> Any:
    fields = hidden_fields(login_page)
    return client.post("/auth/oauth2/login", data={**fields, "email": email, "password": password})


def authorize(
    client: TestClient,
    oauth: Client,
    email: str,
    *,
    decision: str = "allow",
    extra: dict[str, str] | None = None,
) -> Any:
    """Walk login and consent; return the final redirect response (not followed)."""
    params = {"client_id": oauth.client_id, "redirect_uri": oauth.redirect_uri, "state": "st-123"}
    params.update(extra or {})
    page = start(client, params)
    assert page.status_code == 200, page.text
    consent = login(client, page.text, email)  # follows the 303 back to the authorize page
    assert consent.status_code == 200, consent.text
    assert "Allow" in consent.text, consent.text
    fields = hidden_fields(consent.text)
    return client.post(
        "/auth/oauth2/authorize", data={**fields, "decision": decision}, follow_redirects=False
    )


def get_code(
    client: TestClient, oauth: Client, email: str, extra: dict[str, str] | None = None
) -> str:
    response = authorize(client, oauth, email, extra=extra)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(oauth.redirect_uri + "?")
    query = query_of(location)
    assert query["state"] == "st-123"
    return query["code"]


def exchange(
    client: TestClient, oauth: Client, code: str, verifier: str | None, *, form: bool = False
) -> Any:
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": oauth.redirect_uri,
        "client_id": oauth.client_id,
    }
    if oauth.secret:
        body["client_secret"] = oauth.secret
    if verifier:
        body["code_verifier"] = verifier
    if form:
        return client.post("/v2/auth/oauth2/token", data=body)
    return client.post("/v2/auth/oauth2/token", json=body)


def refresh(client: TestClient, oauth: Client, refresh_token: str) -> Any:
    body = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": oauth.client_id,
    }
    if oauth.secret:
        body["client_secret"] = oauth.secret
    return client.post("/v2/auth/oauth2/token", json=body)
