"""RFC 7009 token revocation at POST /v2/auth/oauth2/revoke: what each token revokes, client
authentication as at the token endpoint, foreign and unknown tokens (200, no effect), malformed
requests, and a revocation racing refreshes of the same token."""

from __future__ import annotations

import asyncio
import base64
import secrets
from typing import Any

import httpx2
from sqlalchemy import select
from starlette.testclient import TestClient

from calgate.oauth import service
from calgate.store.models import OAuthToken
from tests.oauth.conftest import Client, exchange, get_code, pkce, refresh, run_async

REVOKE_URL = "/v2/auth/oauth2/revoke"
TOKEN_URL = "/v2/auth/oauth2/token"


def _pair(client: TestClient, oauth: Client, email: str) -> dict[str, Any]:
    r = exchange(client, oauth, get_code(client, oauth, email), None)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _creds(oauth: Client) -> dict[str, str]:
    creds = {"client_id": oauth.client_id}
    if oauth.secret:
        creds["client_secret"] = oauth.secret
    return creds


def _revoke(
    client: TestClient, oauth: Client, token: str, hint: str | None = None, *, form: bool = False
) -> Any:
    body = {"token": token, **_creds(oauth)}
    if hint:
        body["token_type_hint"] = hint
    if form:
        return client.post(REVOKE_URL, data=body)
    return client.post(REVOKE_URL, json=body)


def _me_status(client: TestClient, access_token: str) -> int:
    r = client.get("/v2/me", headers={"Authorization": f"Bearer {access_token}"})
    return r.status_code


def _refresh_error(client: TestClient, oauth: Client, refresh_token: str) -> str | None:
    r = refresh(client, oauth, refresh_token)
    if r.status_code == 200:
        return None
    assert r.status_code == 400, r.text
    error: str = r.json()["error"]
    return error


def _assert_revoked(client: TestClient, oauth: Client, tokens: dict[str, Any]) -> None:
    r = client.get("/v2/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "UnauthorizedException"
    assert _refresh_error(client, oauth, tokens["refresh_token"]) == "invalid_grant"


def _assert_ok(response: Any) -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {}
    assert response.headers["cache-control"] == "no-store"


# --- what a revocation revokes --------------------------------------------------------------


def test_revoking_refresh_token_revokes_the_pair(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    tokens = _pair(client, oauth_client, account.email)
    assert _me_status(client, tokens["access_token"]) == 200
    _assert_ok(_revoke(client, oauth_client, tokens["refresh_token"], "refresh_token"))
    _assert_revoked(client, oauth_client, tokens)


def test_revoking_access_token_revokes_its_refresh_token_too(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    tokens = _pair(client, oauth_client, account.email)
    _assert_ok(_revoke(client, oauth_client, tokens["access_token"], "access_token", form=True))
    _assert_revoked(client, oauth_client, tokens)


def test_revoking_refresh_token_revokes_every_access_token_of_its_grant(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    older_grant = _pair(client, oauth_client, account.email)
    first = _pair(client, oauth_client, account.email)
    rotated = refresh(client, oauth_client, first["refresh_token"]).json()
    # Before: every access token works (the rotation leaves the previous one until it expires).
    for tokens in (older_grant, first, rotated):
        assert _me_status(client, tokens["access_token"]) == 200
    _assert_ok(_revoke(client, oauth_client, rotated["refresh_token"]))
    _assert_revoked(client, oauth_client, rotated)
    assert _me_status(client, first["access_token"]) == 401
    # Another authorization (an earlier code) is another grant: its access token lives on.
    assert _me_status(client, older_grant["access_token"]) == 200


def test_revoking_a_rotated_access_token_leaves_the_current_pair(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    first = _pair(client, oauth_client, account.email)
    current = refresh(client, oauth_client, first["refresh_token"]).json()
    _assert_ok(_revoke(client, oauth_client, first["access_token"]))
    assert _me_status(client, first["access_token"]) == 401
    assert _me_status(client, current["access_token"]) == 200
    assert _refresh_error(client, oauth_client, current["refresh_token"]) is None


def test_tokens_issued_without_a_browser_can_be_revoked(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()

    async def issue(session: Any) -> dict[str, Any]:
        return await service.issue_tokens(
            session,
            client.app.state.calgate.settings,  # type: ignore[attr-defined]
            client_id=oauth_client.client_id,
            user_id=account.id,
        )

    tokens = run_async(client, issue)
    rotated = refresh(client, oauth_client, tokens["refresh_token"]).json()
    _assert_ok(_revoke(client, oauth_client, rotated["refresh_token"]))
    _assert_revoked(client, oauth_client, rotated)
    assert _me_status(client, tokens["access_token"]) == 401


def test_hint_only_orders_the_search(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    # A wrong hint, and a hint that is no token type at all (ignored, RFC 7009 2.2).
    for token_key, hint in (
        ("refresh_token", "access_token"),
        ("access_token", "refresh_token"),
        ("refresh_token", "id_token"),
    ):
        tokens = _pair(client, oauth_client, account.email)
        _assert_ok(_revoke(client, oauth_client, tokens[token_key], hint))
        _assert_revoked(client, oauth_client, tokens)


def test_revocation_leaves_other_users_and_clients_alone(
    client: TestClient, make_account: Any, oauth_client: Client, make_oauth_client: Any
) -> None:
    alice, bob = make_account(), make_account()
    other_app = make_oauth_client()
    mine = _pair(client, oauth_client, alice.email)
    bobs = _pair(client, oauth_client, bob.email)
    elsewhere = _pair(client, other_app, alice.email)
    _assert_ok(_revoke(client, oauth_client, mine["refresh_token"]))
    _assert_revoked(client, oauth_client, mine)
    for oauth, tokens in ((oauth_client, bobs), (other_app, elsewhere)):
        assert _me_status(client, tokens["access_token"]) == 200
        assert _refresh_error(client, oauth, tokens["refresh_token"]) is None


# --- client authentication ------------------------------------------------------------------


def test_http_basic_client_authentication(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    tokens = _pair(client, oauth_client, account.email)
    basic = base64.b64encode(f"{oauth_client.client_id}:{oauth_client.secret}".encode()).decode()
    r = client.post(
        REVOKE_URL,
        data={"token": tokens["refresh_token"]},
        headers={"Authorization": f"Basic {basic}"},
    )
    _assert_ok(r)
    _assert_revoked(client, oauth_client, tokens)


def test_public_client_revokes_with_its_client_id(
    client: TestClient, make_account: Any, make_oauth_client: Any
) -> None:
    account = make_account()
    public = make_oauth_client(public=True)
    verifier, challenge = pkce()
    code = get_code(
        client,
        public,
        account.email,
        {"code_challenge": challenge, "code_challenge_method": "S256"},
    )
    tokens = exchange(client, public, code, verifier).json()
    _assert_ok(_revoke(client, public, tokens["access_token"]))
    _assert_revoked(client, public, tokens)


def test_invalid_client_is_401_and_revokes_nothing(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    tokens = _pair(client, oauth_client, account.email)
    wrong_basic = base64.b64encode(f"{oauth_client.client_id}:wrong".encode()).decode()
    attempts = [
        client.post(
            REVOKE_URL,
            json={
                "token": tokens["refresh_token"],
                "client_id": oauth_client.client_id,
                "client_secret": "wrong",
            },
        ),
        # A confidential client must send its secret.
        client.post(
            REVOKE_URL,
            json={"token": tokens["refresh_token"], "client_id": oauth_client.client_id},
        ),
        client.post(
            REVOKE_URL,
            data={"token": tokens["access_token"], "client_id": "unknown", "client_secret": "x"},
        ),
        client.post(
            REVOKE_URL,
            data={"token": tokens["access_token"]},
            headers={"Authorization": f"Basic {wrong_basic}"},
        ),
    ]
    for r in attempts:
        assert r.status_code == 401, r.text
        assert r.json()["error"] == "invalid_client"
    assert _me_status(client, tokens["access_token"]) == 200
    assert _refresh_error(client, oauth_client, tokens["refresh_token"]) is None


def test_foreign_token_answers_200_and_stays_valid(
    client: TestClient, make_account: Any, oauth_client: Client, make_oauth_client: Any
) -> None:
    account = make_account()
    tokens = _pair(client, oauth_client, account.email)
    other_app = make_oauth_client()
    for key in ("access_token", "refresh_token"):
        _assert_ok(_revoke(client, other_app, tokens[key]))
    assert _me_status(client, tokens["access_token"]) == 200
    assert _refresh_error(client, oauth_client, tokens["refresh_token"]) is None


def test_unknown_or_already_revoked_token_answers_200(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    _assert_ok(_revoke(client, oauth_client, "cgrt_" + secrets.token_urlsafe(32)))
    _assert_ok(_revoke(client, oauth_client, "not-a-token", "access_token"))
    tokens = _pair(client, oauth_client, account.email)
    for _ in range(2):
        _assert_ok(_revoke(client, oauth_client, tokens["refresh_token"]))
        _assert_ok(_revoke(client, oauth_client, tokens["access_token"]))
    _assert_revoked(client, oauth_client, tokens)


# --- malformed requests ---------------------------------------------------------------------


def test_missing_token_is_400_invalid_request(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    creds = _creds(oauth_client)
    for r in (
        client.post(REVOKE_URL, json=creds),
        client.post(REVOKE_URL, data=creds),
        client.post(REVOKE_URL, json={**creds, "token": ""}),
        client.post(REVOKE_URL, data={**creds, "token": ""}),
        client.post(REVOKE_URL, json={**creds, "token": None}),
    ):
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "invalid_request"


def test_malformed_revocation_requests(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    tokens = _pair(client, oauth_client, account.email)
    creds = _creds(oauth_client)
    cases = [
        client.post(REVOKE_URL, json={"token": tokens["refresh_token"]}),  # no client named
        client.post(REVOKE_URL, json={**creds, "token": [tokens["refresh_token"]]}),
        client.post(REVOKE_URL, json={**creds, "token": {"x": 1}}),
        client.post(REVOKE_URL, json={**creds, "token": "a\x00b"}),
        client.post(REVOKE_URL, json={**creds, "token": "x" * 5000}),
        client.post(REVOKE_URL, json=[1, 2]),
        client.post(REVOKE_URL, content=b"{not json", headers={"content-type": "application/json"}),
        client.post(REVOKE_URL, content=b"\xff\xfe", headers={"content-type": "text/plain"}),
    ]
    for r in cases:
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "invalid_request"
    # Nothing was revoked on the way.
    assert _me_status(client, tokens["access_token"]) == 200
    assert _refresh_error(client, oauth_client, tokens["refresh_token"]) is None


def test_revocation_endpoint_is_in_openapi(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][REVOKE_URL]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json", "application/x-www-form-urlencoded"}
    assert content["application/json"]["schema"]["required"] == ["token"]
    assert {"200", "400", "401"} <= set(operation["responses"])
    assert "RFC 7009" in operation["summary"]


# --- concurrency ----------------------------------------------------------------------------


async def _race(url: str, requests: list[tuple[str, dict[str, Any]]]) -> list[httpx2.Response]:
    limits = httpx2.Limits(max_connections=len(requests))
    async with httpx2.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        return list(await asyncio.gather(*(http.post(path, json=b) for path, b in requests)))


def test_revocation_racing_refreshes_leaves_a_consistent_grant(
    client: TestClient, live_url: str, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    tokens = _pair(client, oauth_client, account.email)
    creds = _creds(oauth_client)
    refresh_body = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    revoke_body = {"token": tokens["refresh_token"]}
    requests = [(TOKEN_URL, {**refresh_body, **creds}), (REVOKE_URL, {**revoke_body, **creds})]
    responses = asyncio.run(_race(live_url, requests * 3))
    refreshes, revocations = responses[0::2], responses[1::2]
    assert [r.status_code for r in revocations] == [200] * 3, [r.text for r in revocations]
    won = [r for r in refreshes if r.status_code == 200]
    assert len(won) <= 1, [r.text for r in refreshes]
    assert all(r.json()["error"] == "invalid_grant" for r in refreshes if r.status_code != 200)

    async def live(session: Any) -> int:
        rows = await session.scalars(
            select(OAuthToken).where(
                OAuthToken.user_id == account.id, OAuthToken.refresh_token_hash.is_not(None)
            )
        )
        return len(list(rows))

    # Either a revocation came first (nothing is live) or one refresh did, and the revocations
    # then found its old refresh token already rotated away (RFC 7009: no effect).
    assert run_async(client, live) == len(won)
    if won:
        assert _me_status(client, won[0].json()["access_token"]) == 200
    else:
        _assert_revoked(client, oauth_client, tokens)
