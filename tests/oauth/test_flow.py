"""The authorization code flow end to end through the HTML forms, then the API."""

from __future__ import annotations

import base64
from typing import Any

from starlette.testclient import TestClient

from calgate.oauth.scopes import ALL_SCOPES
from tests.oauth.conftest import (
    Client,
    authorize,
    exchange,
    get_code,
    hidden_fields,
    pkce,
    query_of,
    start,
)


def test_code_flow_with_pkce_json_body_then_me(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    verifier, challenge = pkce()
    code = get_code(
        client,
        oauth_client,
        account.email,
        extra={"code_challenge": challenge, "code_challenge_method": "S256"},
    )
    r = exchange(client, oauth_client, code, verifier)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 1800
    assert body["scope"].split() == list(ALL_SCOPES)
    assert r.headers["cache-control"] == "no-store"

    me = client.get("/v2/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["data"]["email"] == account.email
    # The raw token without "Bearer " works too, as for API keys.
    assert client.get("/v2/me", headers={"Authorization": body["access_token"]}).status_code == 200


def test_code_flow_form_body(client: TestClient, make_account: Any, oauth_client: Client) -> None:
    account = make_account()
    code = get_code(client, oauth_client, account.email, extra={"scope": "BOOKING_READ"})
    r = exchange(client, oauth_client, code, None, form=True)
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == "BOOKING_READ"


def test_client_secret_via_http_basic(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    code = get_code(client, oauth_client, account.email)
    basic = base64.b64encode(f"{oauth_client.client_id}:{oauth_client.secret}".encode()).decode()
    r = client.post(
        "/v2/auth/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert r.status_code == 200, r.text


REDIRECT = "https://app.example.com/oauth/callback"


def test_public_client_with_pkce(
    client: TestClient, make_account: Any, make_oauth_client: Any
) -> None:
    account = make_account()
    public = make_oauth_client(public=True)
    assert public.secret is None
    verifier, challenge = pkce()
    code = get_code(
        client,
        public,
        account.email,
        extra={"code_challenge": challenge, "code_challenge_method": "S256"},
    )
    r = exchange(client, public, code, verifier)
    assert r.status_code == 200, r.text


def test_scopes_comma_separated_and_consent_page_in_words(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    params = {
        "client_id": oauth_client.client_id,
        "redirect_uri": oauth_client.redirect_uri,
        "state": "s",
        "scope": "BOOKING_READ,PROFILE_READ",
    }
    page = start(client, params)
    assert page.status_code == 200
    text = page.text
    assert '<html lang="en">' in text
    assert "<h1>" in text
    assert '<label for="email">' in text
    assert 'id="email"' in text
    assert '<label for="password">' in text
    assert "<script" not in text
    assert "Example Agent" in text
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie

    fields = hidden_fields(text)
    consent = client.post(
        "/auth/oauth2/login",
        data={**fields, "email": account.email, "password": "correct horse battery"},
    )
    assert consent.status_code == 200
    assert "View your bookings" in consent.text
    assert "View your profile" in consent.text
    assert "Create, change and cancel your bookings" not in consent.text
    assert consent.headers["x-frame-options"] == "DENY"


def test_deny_redirects_with_access_denied(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    r = authorize(client, oauth_client, account.email, decision="deny")
    assert r.status_code == 302
    assert r.headers["location"].startswith(REDIRECT + "?")
    query = query_of(r.headers["location"])
    assert query["error"] == "access_denied"
    assert query["state"] == "st-123"
    assert "code" not in query


def test_redirect_uri_mismatch_shows_error_page(client: TestClient, oauth_client: Client) -> None:
    for uri in ("https://evil.example.com/cb", REDIRECT + "/", REDIRECT + "?x=1"):
        r = start(
            client,
            {"client_id": oauth_client.client_id, "redirect_uri": uri, "state": "s"},
        )
        assert r.status_code == 400
        assert "location" not in r.headers
        assert "text/html" in r.headers["content-type"]
        assert "invalid_request" in r.text


def test_unknown_client_shows_error_page(client: TestClient) -> None:
    r = start(client, {"client_id": "nope", "redirect_uri": REDIRECT, "state": "s"})
    assert r.status_code == 400
    assert "location" not in r.headers
    assert "invalid_client" in r.text


def test_unknown_scope_redirects_invalid_scope(client: TestClient, oauth_client: Client) -> None:
    r = client.get(
        "/auth/oauth2/authorize",
        params={
            "client_id": oauth_client.client_id,
            "redirect_uri": REDIRECT,
            "state": "s",
            "scope": "TEAM_ADMIN",
        },
        follow_redirects=False,
    )
    assert r.status_code == 302
    query = query_of(r.headers["location"])
    assert (query["error"], query["state"]) == ("invalid_scope", "s")


def test_consent_requires_csrf_token(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    params = {"client_id": oauth_client.client_id, "redirect_uri": REDIRECT, "state": "s"}
    page = start(client, params)
    fields = hidden_fields(page.text)
    consent = client.post(
        "/auth/oauth2/login",
        data={**fields, "email": account.email, "password": "correct horse battery"},
    )
    fields = hidden_fields(consent.text)
    fields["csrf_token"] = "forged"
    r = client.post(
        "/auth/oauth2/authorize", data={**fields, "decision": "allow"}, follow_redirects=False
    )
    assert r.status_code == 403
    assert "location" not in r.headers


def test_wrong_password_shows_error(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    page = start(client, {"client_id": oauth_client.client_id, "redirect_uri": REDIRECT})
    fields = hidden_fields(page.text)
    r = client.post(
        "/auth/oauth2/login", data={**fields, "email": account.email, "password": "wrong"}
    )
    assert r.status_code == 401
    assert 'role="alert"' in r.text
    assert "Incorrect email or password" in r.text


def test_login_is_rate_limited(client: TestClient, make_account: Any, oauth_client: Client) -> None:
    account = make_account()
    page = start(client, {"client_id": oauth_client.client_id, "redirect_uri": REDIRECT})
    fields = hidden_fields(page.text)
    for _ in range(5):
        r = client.post(
            "/auth/oauth2/login", data={**fields, "email": account.email, "password": "bad"}
        )
        assert r.status_code == 401
    # Even the right password is refused now.
    r = client.post(
        "/auth/oauth2/login",
        data={**fields, "email": account.email, "password": "correct horse battery"},
    )
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 300
    assert "Too many" in r.text
    # Another account from the same address is not affected.
    other = make_account()
    r = client.post(
        "/auth/oauth2/login",
        data={**fields, "email": other.email, "password": "correct horse battery"},
    )
    assert r.status_code == 200
