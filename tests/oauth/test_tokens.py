"""Token endpoint rules: PKCE, single-use codes, rotation, lifetimes, client auth, storage."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from typing import Any

from sqlalchemy import create_engine, inspect, select, text
from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings
from calgate.oauth import service
from calgate.store.db import sync_url
from calgate.store.models import OAuthToken
from tests.conftest import TEST_SECRET
from tests.oauth.conftest import (
    REDIRECT_URI,
    Client,
    exchange,
    get_code,
    pkce,
    query_of,
    refresh,
    run_async,
    start,
)

S256 = {"code_challenge_method": "S256"}


def _me(client: TestClient, token: str) -> Any:
    return client.get("/v2/me", headers={"Authorization": f"Bearer {token}"})


def _pair(client: TestClient, oauth: Client, email: str) -> dict[str, Any]:
    code = get_code(client, oauth, email)
    r = exchange(client, oauth, code, None)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


# --- PKCE -----------------------------------------------------------------------------------


def test_pkce_missing_verifier(client: TestClient, make_account: Any, oauth_client: Client) -> None:
    account = make_account()
    _, challenge = pkce()
    code = get_code(client, oauth_client, account.email, {"code_challenge": challenge, **S256})
    r = exchange(client, oauth_client, code, None)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"


def test_pkce_wrong_verifier(client: TestClient, make_account: Any, oauth_client: Client) -> None:
    account = make_account()
    _, challenge = pkce()
    other_verifier, _ = pkce()
    code = get_code(client, oauth_client, account.email, {"code_challenge": challenge, **S256})
    r = exchange(client, oauth_client, code, other_verifier)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


def test_pkce_plain_method_refused(client: TestClient, oauth_client: Client) -> None:
    verifier, _ = pkce()
    for method in ({"code_challenge_method": "plain"}, {}):
        r = client.get(
            "/auth/oauth2/authorize",
            params={
                "client_id": oauth_client.client_id,
                "redirect_uri": REDIRECT_URI,
                "state": "s",
                "code_challenge": verifier,
                **method,
            },
            follow_redirects=False,
        )
        assert r.status_code == 302, r.text
        query = query_of(r.headers["location"])
        assert (query["error"], query["state"]) == ("invalid_request", "s")


def test_public_client_needs_pkce(
    client: TestClient, make_account: Any, make_oauth_client: Any
) -> None:
    public = make_oauth_client(public=True)
    r = client.get(
        "/auth/oauth2/authorize",
        params={"client_id": public.client_id, "redirect_uri": REDIRECT_URI, "state": "s"},
        follow_redirects=False,
    )
    assert r.status_code == 302
    assert query_of(r.headers["location"])["error"] == "invalid_request"


# --- codes ----------------------------------------------------------------------------------


def test_code_is_single_use_and_replay_revokes(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    code = get_code(client, oauth_client, account.email)
    first = exchange(client, oauth_client, code, None)
    assert first.status_code == 200
    tokens = first.json()
    assert _me(client, tokens["access_token"]).status_code == 200

    again = exchange(client, oauth_client, code, None)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    # What the first exchange issued is revoked too.
    assert _me(client, tokens["access_token"]).status_code == 401
    assert refresh(client, oauth_client, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_code_bound_to_redirect_uri_and_client(
    client: TestClient, make_account: Any, oauth_client: Client, make_oauth_client: Any
) -> None:
    account = make_account()
    code = get_code(client, oauth_client, account.email)
    wrong_uri = dataclasses.replace(oauth_client, redirect_uri="https://app.example.com/other")
    assert exchange(client, wrong_uri, code, None).json()["error"] == "invalid_grant"
    other = make_oauth_client()
    assert exchange(client, other, code, None).json()["error"] == "invalid_grant"


def test_expired_code(
    settings: Settings, client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    short = dataclasses.replace(settings, oauth_code_ttl=0)
    with TestClient(create_app(short), raise_server_exceptions=False) as fast:
        code = get_code(fast, oauth_client, account.email)
        r = exchange(fast, oauth_client, code, None)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


# --- refresh --------------------------------------------------------------------------------


def test_refresh_rotates_and_old_refresh_token_is_dead(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    first = _pair(client, oauth_client, account.email)
    r = refresh(client, oauth_client, first["refresh_token"])
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == first["scope"]
    assert _me(client, second["access_token"]).status_code == 200

    reused = refresh(client, oauth_client, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    # The new one still works (and rotates again).
    assert refresh(client, oauth_client, second["refresh_token"]).status_code == 200


def test_only_one_live_refresh_token_per_client_and_user(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    one = _pair(client, oauth_client, account.email)
    two = _pair(client, oauth_client, account.email)
    # The second connection killed the first one's refresh token, as on Cal.com.
    assert refresh(client, oauth_client, one["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(client, oauth_client, two["refresh_token"]).status_code == 200

    async def live(session: Any) -> int:
        rows = await session.scalars(
            select(OAuthToken).where(
                OAuthToken.user_id == account.id, OAuthToken.refresh_token_hash.is_not(None)
            )
        )
        return len(list(rows))

    assert run_async(client, live) == 1


def test_refresh_with_other_client_fails(
    client: TestClient, make_account: Any, oauth_client: Client, make_oauth_client: Any
) -> None:
    account = make_account()
    tokens = _pair(client, oauth_client, account.email)
    other = make_oauth_client()
    assert refresh(client, other, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_refresh_may_narrow_scope_not_widen(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    code = get_code(client, oauth_client, account.email, {"scope": "BOOKING_READ PROFILE_READ"})
    tokens = exchange(client, oauth_client, code, None).json()
    body = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": oauth_client.client_id,
        "client_secret": oauth_client.secret,
        "scope": "BOOKING_WRITE",
    }
    assert client.post("/v2/auth/oauth2/token", json=body).json()["error"] == "invalid_scope"
    body["scope"] = "BOOKING_READ"
    r = client.post("/v2/auth/oauth2/token", json=body)
    assert r.status_code == 200
    assert r.json()["scope"] == "BOOKING_READ"


# --- access tokens --------------------------------------------------------------------------


def test_expired_access_token_is_401(
    settings: Settings, client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    expired = dataclasses.replace(settings, oauth_access_token_ttl=0)

    async def issue(session: Any) -> dict[str, Any]:
        return await service.issue_tokens(
            session, expired, client_id=oauth_client.client_id, user_id=account.id, scopes=None
        )

    tokens = run_async(client, issue)
    r = _me(client, tokens["access_token"])
    assert r.status_code == 401
    assert r.json()["status"] == "error"
    assert r.json()["error"]["code"] == "UnauthorizedException"
    # The refresh token still gets a fresh access token.
    assert refresh(client, oauth_client, tokens["refresh_token"]).status_code == 200


def test_unknown_access_token_is_401(client: TestClient) -> None:
    r = client.get("/v2/me", headers={"Authorization": "Bearer not-a-real-token"})
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "Invalid Access Token"


def test_issue_tokens_sets_scopes_on_principal(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    from calgate.api.auth import authenticate

    account = make_account()

    async def issue(session: Any) -> dict[str, Any]:
        return await service.issue_tokens(
            session,
            client.app.state.calgate.settings,  # type: ignore[attr-defined]
            client_id=oauth_client.client_id,
            user_id=account.id,
            scopes=["BOOKING_READ", "PROFILE_READ"],
        )

    tokens = run_async(client, issue)
    assert tokens["token_type"] == "bearer"
    assert tokens["scope"] == "BOOKING_READ PROFILE_READ"

    async def who() -> Any:
        return await authenticate(
            client.app.state.calgate,  # type: ignore[attr-defined]
            f"Bearer {tokens['access_token']}",
        )

    assert client.portal is not None
    principal = client.portal.call(who)
    assert principal.user.id == account.id
    assert principal.scopes == frozenset({"BOOKING_READ", "PROFILE_READ"})


# --- client authentication and malformed requests -------------------------------------------


def test_invalid_client_is_401(client: TestClient, make_account: Any, oauth_client: Client) -> None:
    account = make_account()
    code = get_code(client, oauth_client, account.email)
    base = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    for creds in (
        {"client_id": oauth_client.client_id, "client_secret": "wrong"},
        {"client_id": oauth_client.client_id},
        {"client_id": "unknown", "client_secret": "x"},
    ):
        r = client.post("/v2/auth/oauth2/token", json={**base, **creds})
        assert r.status_code == 401, (creds, r.text)
        assert r.json()["error"] == "invalid_client"
    # Naming no client at all is a malformed request, as on Cal.com.
    r = client.post("/v2/auth/oauth2/token", json=base)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    # The code survived the failed attempts.
    assert exchange(client, oauth_client, code, None).status_code == 200


def test_malformed_token_requests(client: TestClient, oauth_client: Client) -> None:
    url = "/v2/auth/oauth2/token"
    cases = [
        client.post(url, json={"grant_type": "password", "client_id": oauth_client.client_id}),
        client.post(url, json={"grant_type": ["x"]}),
        client.post(url, json=[1, 2]),
        client.post(url, content=b"{not json", headers={"content-type": "application/json"}),
        client.post(url, content=b"\xff\xfe", headers={"content-type": "text/plain"}),
        client.post(url, json={"grant_type": "authorization_code", "code": "a\x00b"}),
        client.post(url, headers={"Authorization": "Basic %%%"}, data={"grant_type": "x"}),
    ]
    for r in cases:
        assert r.status_code in (400, 401), r.text
        assert "error" in r.json()
    missing_code = client.post(
        url,
        json={
            "grant_type": "authorization_code",
            "client_id": oauth_client.client_id,
            "client_secret": oauth_client.secret,
        },
    )
    assert missing_code.status_code == 400
    assert missing_code.json()["error"] == "invalid_request"


def test_token_endpoint_is_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths["/v2/auth/oauth2/token"]
    assert "/auth/oauth2/authorize" not in paths


# --- storage --------------------------------------------------------------------------------


def test_tokens_and_secrets_are_not_stored_readably(
    db_url: str, client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    code = get_code(client, oauth_client, account.email)
    tokens = exchange(client, oauth_client, code, None).json()
    rotated = refresh(client, oauth_client, tokens["refresh_token"]).json()
    secrets = [
        code,
        tokens["access_token"],
        tokens["refresh_token"],
        rotated["access_token"],
        rotated["refresh_token"],
        oauth_client.secret,
    ]
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            dump = []
            for table in inspect(conn).get_table_names():
                for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                    dump.append(" ".join(str(v) for v in row))
    finally:
        engine.dispose()
    blob = "\n".join(dump)
    assert account.email in blob  # the dump does see the data
    for secret in secrets:
        assert secret
        assert secret not in blob


# --- service API and CLI --------------------------------------------------------------------


def test_ensure_client_is_idempotent(client: TestClient, make_account: Any) -> None:
    account = make_account()

    def ensure(secret: str, uri: str) -> Any:
        async def go(session: Any) -> Any:
            row = await service.ensure_client(
                session,
                client_id="calgate-gateway",
                client_secret=secret,
                name="Embedded gateway",
                redirect_uri=uri,
            )
            return row.id

        return go

    first = run_async(client, ensure("s1", REDIRECT_URI))
    second = run_async(client, ensure("s2", REDIRECT_URI))
    assert first == second
    gateway = Client("calgate-gateway", "s2", REDIRECT_URI)
    tokens = _pair(client, gateway, account.email)
    assert _me(client, tokens["access_token"]).status_code == 200
    old_secret = Client("calgate-gateway", "s1", REDIRECT_URI)
    assert refresh(client, old_secret, tokens["refresh_token"]).status_code == 401


def test_cli_create_oauth_client(db_url: str, client: TestClient, make_account: Any) -> None:
    env = {**os.environ, "CALGATE_DATABASE_URL": db_url, "CALGATE_SECRET_KEY": TEST_SECRET}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "calgate",
            "admin",
            "create-oauth-client",
            "--name",
            "CLI App",
            "--redirect-uri",
            REDIRECT_URI,
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    payload = json.loads(r.stdout)
    assert set(payload) == {"client_id", "client_secret", "name", "redirect_uris"}
    assert payload["name"] == "CLI App"
    assert payload["redirect_uris"] == [REDIRECT_URI]
    account = make_account()
    created = Client(payload["client_id"], payload["client_secret"], REDIRECT_URI)
    page = start(client, {"client_id": created.client_id, "redirect_uri": REDIRECT_URI})
    assert "CLI App" in page.text
    assert _me(client, _pair(client, created, account.email)["access_token"]).status_code == 200
