"""Cal.com's token rules not covered by test_flow / test_tokens: response shape of a refresh,
lifetimes as stored (code 600 s, refresh 30 days and sliding), Cal.com's error codes, one live
refresh token per (client, user) under refresh and under concurrency, configurable lifetimes."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import secrets
from datetime import timedelta
from typing import Any

import httpx2
from sqlalchemy import select
from starlette.testclient import TestClient

from calgate.app import create_app
from calgate.config import Settings
from calgate.oauth.scopes import ALL_SCOPES, SCOPE_DESCRIPTIONS
from calgate.security import keys
from calgate.store.models import OAuthCode, OAuthToken, utcnow
from tests.conftest import TEST_SECRET
from tests.oauth.conftest import (
    Client,
    exchange,
    get_code,
    hidden_fields,
    login,
    refresh,
    run_async,
    start,
)

TOKEN_URL = "/v2/auth/oauth2/token"
SHAPE = {"access_token", "refresh_token", "token_type", "expires_in", "scope"}


def _pair(client: TestClient, oauth: Client, email: str) -> dict[str, Any]:
    r = exchange(client, oauth, get_code(client, oauth, email), None)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _tokens_of(client: TestClient, user_id: int) -> list[OAuthToken]:
    async def load(session: Any) -> list[OAuthToken]:
        rows = await session.scalars(
            select(OAuthToken).where(OAuthToken.user_id == user_id).order_by(OAuthToken.id)
        )
        return list(rows)

    result: list[OAuthToken] = run_async(client, load)
    return result


def _live_refresh_tokens(client: TestClient, user_id: int, client_id: str) -> int:
    return sum(
        1
        for row in _tokens_of(client, user_id)
        if row.client_id == client_id and row.refresh_token_hash is not None
    )


# --- response shape -------------------------------------------------------------------------


def test_refresh_response_has_cal_com_shape_json_and_form(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    tokens = _pair(client, oauth_client, account.email)
    r = refresh(client, oauth_client, tokens["refresh_token"])  # JSON, secret in the body
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == SHAPE
    assert (body["token_type"], body["expires_in"]) == ("bearer", 1800)
    assert body["scope"].split() == list(ALL_SCOPES)
    assert r.headers["cache-control"] == "no-store"

    form = client.post(
        TOKEN_URL,
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": oauth_client.client_id,
            "client_secret": oauth_client.secret or "",
        },
    )
    assert form.status_code == 200, form.text
    assert set(form.json()) == SHAPE
    assert form.json()["token_type"] == "bearer"


def test_no_scope_requested_means_every_scope_on_consent_and_token(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    params = {"client_id": oauth_client.client_id, "redirect_uri": oauth_client.redirect_uri}
    consent = login(client, start(client, params).text, account.email)
    assert consent.status_code == 200
    for words in SCOPE_DESCRIPTIONS.values():
        assert words in html.unescape(consent.text)
    fields = hidden_fields(consent.text)
    r = client.post(
        "/auth/oauth2/authorize", data={**fields, "decision": "allow"}, follow_redirects=False
    )
    code = r.headers["location"].split("code=")[1].split("&")[0]
    assert exchange(client, oauth_client, code, None).json()["scope"].split() == list(ALL_SCOPES)


# --- errors ---------------------------------------------------------------------------------


def test_error_codes_are_cal_coms(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    creds = {"client_id": oauth_client.client_id, "client_secret": oauth_client.secret}
    cases = [
        ({"grant_type": "password", **creds}, 400, "invalid_request"),
        ({"grant_type": "client_credentials", **creds}, 400, "invalid_request"),
        ({**creds}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", **creds}, 400, "invalid_request"),
        (
            {"grant_type": "refresh_token", "refresh_token": "cgrt_nope", **creds},
            400,
            "invalid_grant",
        ),
        (
            {"grant_type": "authorization_code", "code": "nope", "redirect_uri": "x", **creds},
            400,
            "invalid_grant",
        ),
        ({"grant_type": "refresh_token", "refresh_token": "x"}, 400, "invalid_request"),
        (
            {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "nobody"},
            401,
            "invalid_client",
        ),
    ]
    for body, status, error in cases:
        for sent in (client.post(TOKEN_URL, json=body), client.post(TOKEN_URL, data=body)):
            assert (sent.status_code, sent.json()["error"]) == (status, error), (body, sent.text)
            assert set(sent.json()) <= {"error", "error_description"}


# --- lifetimes ------------------------------------------------------------------------------


def test_code_lives_600_seconds_by_default(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    get_code(client, oauth_client, account.email)

    async def load(session: Any) -> list[OAuthCode]:
        return list(await session.scalars(select(OAuthCode)))

    codes: list[OAuthCode] = run_async(client, load)
    assert len(codes) == 1
    assert codes[0].expires_at - codes[0].created_at == timedelta(seconds=600)
    assert codes[0].used_at is None


def test_refresh_token_lives_30_days_from_each_refresh(
    client: TestClient, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    first = _pair(client, oauth_client, account.email)
    second = refresh(client, oauth_client, first["refresh_token"]).json()
    pepper = TEST_SECRET
    rows = {row.access_token_hash: row for row in _tokens_of(client, account.id)}
    one = rows[keys.digest(pepper, first["access_token"])]
    two = rows[keys.digest(pepper, second["access_token"])]
    for row in (one, two):
        assert row.access_expires_at - row.created_at == timedelta(minutes=30)
    # Sliding: the new refresh token's 30 days count from the refresh, not from the login.
    assert two.refresh_expires_at is not None
    assert two.refresh_expires_at - two.created_at == timedelta(days=30)
    assert two.created_at >= one.created_at
    assert one.refresh_token_hash is None  # rotated away
    assert two.refresh_token_hash == keys.digest(pepper, second["refresh_token"])


def test_lifetimes_are_configurable(
    settings: Settings, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    env = {"CALGATE_OAUTH_ACCESS_TTL": "60", "CALGATE_OAUTH_REFRESH_TTL": "0"}
    assert Settings.from_env(env).oauth_access_token_ttl == 60
    assert Settings.from_env({"CALGATE_OAUTH_CODE_TTL": "5"}).oauth_code_ttl == 5
    defaults = Settings.from_env({})
    assert (defaults.oauth_access_token_ttl, defaults.oauth_refresh_token_ttl) == (1800, 2592000)
    assert defaults.oauth_code_ttl == 600

    short = dataclasses.replace(settings, oauth_access_token_ttl=60, oauth_refresh_token_ttl=0)
    with TestClient(create_app(short), raise_server_exceptions=False) as fast:
        tokens = _pair(fast, oauth_client, account.email)
        assert tokens["expires_in"] == 60
        # A refresh token past its lifetime is refused like an unknown one.
        r = refresh(fast, oauth_client, tokens["refresh_token"])
        assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


# --- one live refresh token per (client, user) ----------------------------------------------


def test_refresh_kills_every_other_refresh_token_of_client_and_user(
    client: TestClient, make_account: Any, oauth_client: Client, make_oauth_client: Any
) -> None:
    account, neighbour = make_account(), make_account()
    other_app = make_oauth_client()
    mine = _pair(client, oauth_client, account.email)
    theirs = _pair(client, oauth_client, neighbour.email)
    elsewhere = _pair(client, other_app, account.email)
    # A second live refresh token for the same pair (as an older release or a crash could
    # have left behind), stored the way save_token_pair stores one.
    stray = "cgrt_" + secrets.token_urlsafe(32)

    async def plant(session: Any) -> None:
        now = utcnow()
        session.add(
            OAuthToken(
                client_id=oauth_client.client_id,
                user_id=account.id,
                access_token_hash=keys.digest(TEST_SECRET, "cgat_" + secrets.token_urlsafe(32)),
                refresh_token_hash=keys.digest(TEST_SECRET, stray),
                scope=" ".join(ALL_SCOPES),
                access_expires_at=now + timedelta(minutes=30),
                refresh_expires_at=now + timedelta(days=30),
                revoked=False,
                created_at=now,
            )
        )

    run_async(client, plant)
    assert _live_refresh_tokens(client, account.id, oauth_client.client_id) == 2

    rotated = refresh(client, oauth_client, mine["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    assert _live_refresh_tokens(client, account.id, oauth_client.client_id) == 1
    for dead in (stray, mine["refresh_token"]):
        assert refresh(client, oauth_client, dead).json()["error"] == "invalid_grant"
    # Other users of the client and other clients of the user keep theirs.
    assert refresh(client, oauth_client, theirs["refresh_token"]).status_code == 200
    assert refresh(client, other_app, elsewhere["refresh_token"]).status_code == 200


async def _post_all(url: str, bodies: list[dict[str, Any]]) -> list[httpx2.Response]:
    limits = httpx2.Limits(max_connections=len(bodies))
    async with httpx2.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        return list(await asyncio.gather(*(http.post(TOKEN_URL, json=b) for b in bodies)))


def test_concurrent_code_exchanges_leave_one_live_refresh_token(
    client: TestClient, live_url: str, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    codes = [get_code(client, oauth_client, account.email) for _ in range(6)]
    bodies = [
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": oauth_client.redirect_uri,
            "client_id": oauth_client.client_id,
            "client_secret": oauth_client.secret,
        }
        for code in codes
    ]
    responses = asyncio.run(_post_all(live_url, bodies))
    assert [r.status_code for r in responses] == [200] * len(codes), [r.text for r in responses]
    assert _live_refresh_tokens(client, account.id, oauth_client.client_id) == 1
    winners = [
        r for r in responses if refresh(client, oauth_client, r.json()["refresh_token"]).is_success
    ]
    assert len(winners) == 1


def test_concurrent_refreshes_of_one_token_rotate_once(
    client: TestClient, live_url: str, make_account: Any, oauth_client: Client
) -> None:
    account = make_account()
    tokens = _pair(client, oauth_client, account.email)
    body = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": oauth_client.client_id,
        "client_secret": oauth_client.secret,
    }
    responses = asyncio.run(_post_all(live_url, [body] * 6))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * 5, [r.text for r in responses]
    assert {r.json()["error"] for r in responses if r.status_code == 400} == {"invalid_grant"}
    assert _live_refresh_tokens(client, account.id, oauth_client.client_id) == 1
